"""The connector interface: source bytes in, ``Event``/``DeviceHealthRecord``/``Rejection`` out.

Kafka-Connect-like but pure: no broker, no clock, no environment. The runner, HTTP API and CLI
call ``convert`` (or ``parse`` then ``normalise``) and decide what to produce where.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from fusionhub.connectors.errors import ConnectorError, FieldError, Reason, Rejection, Stage
from fusionhub.core.events import DeviceHealthRecord, Event, Source

DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576

Normalised = Event | DeviceHealthRecord
ConversionResult = Event | DeviceHealthRecord | Rejection


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class ParsedRecord:
    """One source record as the source sent it, before validation.

    ``fields`` is the source-native document with every field, extras included; ``original`` its
    exact bytes (the fingerprint is computed over them). ``position`` is the index inside a JSON
    array, ``None`` for a single document. ``shape_error`` is set when an array element is not
    an object: ``normalise`` then rejects it alone.
    """

    def __init__(
        self,
        source: Source,
        fields: Mapping[str, Any],
        original: bytes,
        position: int | None = None,
        shape_error: str | None = None,
    ) -> None:
        self.source = source
        self.fields = fields
        self.original = original
        self.position = position
        self.shape_error = shape_error

    def __repr__(self) -> str:
        return (
            f"ParsedRecord("
            f"source={self.source!r}, "
            f"fields={self.fields!r}, "
            f"original={self.original!r}, "
            f"position={self.position!r}, "
            f"shape_error={self.shape_error!r})"
        )

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the record's original bytes: the same bytes, the same fingerprint."""
        return hashlib.sha256(self.original).hexdigest()


# A plain class, as ParsedRecord: one is built per file line.
class ConversionBatch:
    """Everything one payload gave: one result per input item, in input order."""

    def __init__(self, results: tuple[ConversionResult, ...] = ()) -> None:
        self.results = results

    def __repr__(self) -> str:
        return f"ConversionBatch(results={self.results!r})"

    @property
    def events(self) -> list[Event]:
        """The accepted incident events."""
        return [r for r in self.results if isinstance(r, Event)]

    @property
    def device_health(self) -> list[DeviceHealthRecord]:
        """The device-fault alarms (video only): counted and kept, never opened as cases."""
        return [r for r in self.results if isinstance(r, DeviceHealthRecord)]

    @property
    def rejections(self) -> list[Rejection]:
        """The refused items, each with its stage, reason code and field errors."""
        return [r for r in self.results if isinstance(r, Rejection)]


class SourceConnector(Protocol):
    """What the runner, API and CLI need from a connector."""

    source: Source

    def parse(self, payload: bytes, content_type: str | None = None) -> list[ParsedRecord]:
        """Split a payload into source records. Raises ConnectorError (stage ``parse``)."""
        ...

    def normalise(self, record: ParsedRecord, received_at: datetime) -> Normalised:
        """Validate and normalise one record. Raises ConnectorError (``validate``/``normalise``)."""
        ...

    def convert(
        self, payload: bytes, received_at: datetime, content_type: str | None = None
    ) -> ConversionBatch:
        """``parse`` + ``normalise`` for every item; bad input becomes a Rejection, never raises."""
        ...


class BaseConnector(ABC):
    """Implements ``convert`` on top of a subclass's ``parse`` and ``normalise``."""

    source: Source

    @abstractmethod
    def parse(self, payload: bytes, content_type: str | None = None) -> list[ParsedRecord]:
        """Split a payload into source records; raises ConnectorError with stage ``parse``."""

    @abstractmethod
    def normalise(self, record: ParsedRecord, received_at: datetime) -> Normalised:
        """Validate and normalise one record; raises ConnectorError."""

    @abstractmethod
    def source_id_of(self, record: ParsedRecord) -> str | None:
        """The record's id as far as it can be read, for rejections; never raises."""

    def convert(
        self, payload: bytes, received_at: datetime, content_type: str | None = None
    ) -> ConversionBatch:
        """Convert a payload into one result per input item; never raises on bad input.

        Called by the runner for each HTTP body, message or file line (JSONL: once per line).
        A payload that cannot be split at all gives a single parse-stage Rejection holding the
        whole payload. ``received_at`` must be timezone-aware (a naive one is a programming
        error and raises ValueError).
        """
        check_received_at(received_at)
        try:
            records = self.parse(payload, content_type)
        except ConnectorError as exc:
            return ConversionBatch((exc.to_rejection(self.source, payload),))
        except Exception as exc:  # a bug must not stop the batch; tests check it never happens
            return ConversionBatch((_unexpected(self.source, None, "parse", exc, payload),))
        return ConversionBatch(tuple([self._convert_record(r, received_at) for r in records]))

    def _convert_record(self, record: ParsedRecord, received_at: datetime) -> ConversionResult:
        try:
            return self.normalise(record, received_at)
        except ConnectorError as exc:
            if exc.source_id is None:
                exc.source_id = self.source_id_of(record)
            return exc.to_rejection(self.source, record.original)
        except Exception as exc:  # same reason as above
            source_id = self.source_id_of(record)
            return _unexpected(self.source, source_id, "normalise", exc, record.original)


def _unexpected(
    source: Source, source_id: str | None, stage: Stage, exc: Exception, original: bytes
) -> Rejection:
    # Only the exception type: its message might quote personal data from the input.
    error = FieldError("$", f"internal error {type(exc).__name__}", Reason.UNEXPECTED_ERROR)
    return Rejection(source, source_id, stage, Reason.UNEXPECTED_ERROR.value, [error], original)


def check_received_at(received_at: datetime) -> None:
    """``normalise`` callers must pass an aware time; a naive one is a programming error."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
