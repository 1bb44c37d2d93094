"""Why an input was refused: the stable reason codes, field errors and the rejection record.

A rejection is data, not an exception, once it leaves a connector: ``convert`` turns every
``ConnectorError`` into a ``Rejection`` so one bad item never stops a batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from fusionhub.core.events import Source

Stage = Literal["parse", "validate", "normalise"]


class Reason(StrEnum):
    """Short stable reason codes. Dashboards and the rejects file key on these; never rename one."""

    TOO_LARGE = "too_large"
    EMPTY_PAYLOAD = "empty_payload"
    EMPTY_BATCH = "empty_batch"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    BAD_ENCODING = "bad_encoding"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_XML = "malformed_xml"
    MALFORMED_AVRO = "malformed_avro"
    XML_FORBIDDEN = "xml_forbidden"
    WRONG_DOCUMENT = "wrong_document"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_ENUM = "unknown_enum"
    BAD_FORMAT = "bad_format"
    OUT_OF_RANGE = "out_of_range"
    TOO_LONG = "too_long"
    IMPOSSIBLE_DATE = "impossible_date"
    IMPOSSIBLE_POINT = "impossible_point"
    UNEXPECTED_ERROR = "unexpected_error"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field. ``field`` is a dotted path such as ``caller.phone``; ``$`` is
    the whole document and ``parties[1].phone`` an element of a list."""

    field: str
    message: str
    reason: Reason = Reason.WRONG_TYPE

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input item the hub refused, with enough detail for the sending department to fix it.

    ``reason`` is the code of the first (most important) error; ``errors`` lists them all.
    ``original`` holds the item's bytes as received, for the rejects file.
    """

    source: Source
    source_id: str | None
    stage: Stage
    reason: str
    errors: list[FieldError] = field(default_factory=list)
    original: bytes = b""

    @property
    def message(self) -> str:
        """All field errors on one line, for logs and the rejects file."""
        return "; ".join(str(e) for e in self.errors) or self.reason


class ConnectorError(Exception):
    """Raised inside a connector's ``parse`` or ``normalise`` when an input cannot be accepted.

    Callers of ``parse``/``normalise`` catch it; ``convert`` turns it into a ``Rejection``.
    """

    def __init__(
        self,
        stage: Stage,
        errors: list[FieldError],
        source_id: str | None = None,
    ) -> None:
        if not errors:
            raise ValueError("a ConnectorError needs at least one FieldError")
        super().__init__("; ".join(str(e) for e in errors))
        self.stage: Stage = stage
        self.errors = errors
        self.source_id = source_id

    @property
    def reason(self) -> Reason:
        """The reason code of the first error, which names the rejection."""
        return self.errors[0].reason

    def to_rejection(self, source: Source, original: bytes) -> Rejection:
        """The data form of this error, as ``convert`` reports it."""
        return Rejection(
            source, self.source_id, self.stage, self.reason.value, self.errors, original
        )


def fail(stage: Stage, reason: Reason, path: str, message: str) -> ConnectorError:
    """A one-error ``ConnectorError``; ``raise fail(...)`` reads as the refusal it is."""
    return ConnectorError(stage, [FieldError(path, message, reason)])


_LONG_DIGIT_RUN = re.compile(r"\d{7,}")


def quote_value(text: str, limit: int = 40) -> str:
    """A value as error messages may quote it: clipped, and with every run of seven or more
    digits masked, because messages travel to the dead-letter topic and a malformed phone or
    ID-card number must not reach it in clear."""
    clipped = text if len(text) <= limit else text[:limit] + "…"
    masked = _LONG_DIGIT_RUN.sub(
        lambda m: m.group()[:3] + "*" * (len(m.group()) - 5) + m.group()[-2:], clipped
    )
    return repr(masked)
