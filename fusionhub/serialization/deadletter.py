"""Dead-letter records: what could not be used, why, and the original bytes sealed.

The original bytes of a rejected input may hold phone and ID-card numbers in clear, and the
dead-letter topic is read by operators and tools that must never see them. So the bytes are
sealed with Fernet (AES-128-CBC + HMAC-SHA256) under the configured sealing key; an operator with
the key opens them with ``fusionhub deadletter show`` (``fusionhub.cli.tail``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cryptography.fernet import Fernet

from fusionhub.serialization.avro import AvroCodec
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT

FieldErrors = Sequence[tuple[str, str]]


class DeadLetterWriter:
    """Builds framed ``fusionhub.DeadLetter`` records. Called wherever an input is refused."""

    def __init__(
        self,
        codec: AvroCodec,
        sealing_key: bytes,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.codec = codec
        self._fernet = Fernet(sealing_key)
        self._clock = clock

    def seal(
        self,
        *,
        source: str,
        stage: str,
        reason: str,
        original: bytes,
        source_id: str | None = None,
        errors: FieldErrors = (),
        detail: str | None = None,
        origin_topic: str | None = None,
        original_size: int | None = None,
    ) -> bytes:
        """The framed Avro bytes of one dead letter.

        ``errors`` are (field, message) pairs; ``detail`` is added as a field error on ``*``.
        ``original_size`` is the size the sender declared when only a head of it was kept.
        Raises only on programming errors (a record that does not fit the schema).
        """
        field_errors = [{"field": f, "message": m} for f, m in errors]
        if detail:
            field_errors.append({"field": "*", "message": detail})
        record = {
            "source": source,
            "source_id": source_id,
            "stage": stage,
            "reason": reason,
            "errors": field_errors,
            "received_at": self._clock(),
            "original_sealed": self._fernet.encrypt(original),
            "original_size": len(original) if original_size is None else original_size,
            "origin_topic": origin_topic,
        }
        return self.codec.encode(DEAD_LETTER_SUBJECT, record)

    def open(self, sealed: bytes) -> bytes:
        """The original bytes of a dead letter; raises ``cryptography.fernet.InvalidToken``."""
        return self._fernet.decrypt(sealed)


def new_sealing_key() -> str:
    """A fresh key for ``FUSIONHUB_SECRETS__SEALING_KEY``."""
    return Fernet.generate_key().decode()
