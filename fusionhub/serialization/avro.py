"""Avro in the Confluent wire format: magic byte 0, a 4-byte big-endian schema id, Avro binary.

Every topic of the hub carries this format, so any Confluent-compatible consumer (kcat -s avro,
confluent-kafka's AvroDeserializer, Kafka Connect) can read it given the registry.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any, TypeVar

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from fusionhub.serialization.avro_reader import AvroReader, build_reader
from fusionhub.serialization.avro_writer import AvroWriter, build_writer
from fusionhub.serialization.registry import SchemaRegistry

MAGIC = 0
T = TypeVar("T")
_HEADER = struct.Struct(">bI")


class DecodeError(ValueError):
    """Bytes that are not a Confluent-framed Avro record of a known schema."""


class AvroCodec:
    """Encode dicts for a subject and decode framed bytes; thread-safe after warm-up.

    Writers use the newest schema of a subject. Readers resolve the writer schema named by the id
    in the frame against the newest schema of the subject they expect, which is how a consumer
    built against v2 still reads records written with v1.
    """

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        self._writers: dict[str, tuple[bytes, Any, AvroWriter | None]] = {}
        self._parsed: dict[int, Any] = {}
        self._readers: dict[str, tuple[int, Any]] = {}
        self._subjects: dict[int, str] = {}
        self._leading: dict[int, bool] = {}
        self._fast: dict[int, AvroReader | None] = {}

    def encode(self, subject: str, record: dict[str, Any]) -> bytes:
        """Frame and encode ``record`` with the newest schema of ``subject``.

        Called by connectors' runners and stream agents on every record. Raises ValueError (from
        fastavro) when the record does not fit the schema: a programming error, not bad input.
        The subject's ``AvroWriter`` writes the body when the schema has one (same bytes, faster).
        """
        header, parsed, writer = self._writer(subject)
        if writer is not None:
            return header + writer.encode(record)
        buf = io.BytesIO()
        buf.write(header)
        schemaless_writer(buf, parsed, record)
        return buf.getvalue()

    def encode_object(
        self, subject: str, value: T, to_record: Callable[[T], dict[str, Any]]
    ) -> bytes:
        """Frame and encode a value object whose attributes are named as the schema's fields.

        Called by the ingest pipeline for every event: the same bytes as
        ``encode(subject, to_record(value))``, without building the dict unless the writer
        hands the value to fastavro. Raises as ``encode`` does.
        """
        header, _, writer = self._writer(subject)
        if writer is not None:
            return header + writer.encode_object(value, to_record)
        return self.encode(subject, to_record(value))

    def decode(self, data: bytes, subject: str | None = None) -> dict[str, Any]:
        """Decode framed bytes; with ``subject``, resolve to that subject's newest schema.

        Raises ``DecodeError`` for anything that is not a framed record of a known schema, so
        callers can dead-letter it with a reason instead of crashing.
        """
        if len(data) < _HEADER.size:
            raise DecodeError(f"{len(data)} bytes is too short for a Confluent Avro frame")
        magic, schema_id = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise DecodeError(f"magic byte {magic} is not 0: not Confluent-framed Avro")
        try:
            writer = self._by_id(schema_id)
            # Written with the very schema wanted: nothing to resolve, our reader will do.
            if subject is None or self._reader_id(subject) == schema_id:
                fast = self._fast_reader(schema_id)
                if fast is not None:
                    record = fast.decode(data, _HEADER.size)
                    if not isinstance(record, dict):
                        raise DecodeError(f"schema id {schema_id} is not a record schema")
                    return record
            reader = self._reader(subject) if subject else None
            record = schemaless_reader(io.BytesIO(data[_HEADER.size :]), writer, reader)
        except DecodeError:
            raise
        except Exception as exc:
            raise DecodeError(f"schema id {schema_id}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(record, dict):
            raise DecodeError(f"schema id {schema_id} is not a record schema")
        return record

    def leading_string(self, data: bytes, name: str) -> str:
        """The string field ``name`` of a framed record, read without decoding the rest when
        the writer schema begins with it (``event_ref`` leads the event and device-health
        schemas), else by a full decode.

        Called by the warm start of duplicate detection for every record on the event topics.
        Raises ``DecodeError`` like ``decode``, and when the record has no such string field.
        """
        schema_id = self.schema_id_of(data)
        leads = self._leading.get(schema_id)
        if leads is None:
            fields = self._by_id(schema_id).get("fields") or [{}]
            leads = fields[0].get("name") == name and fields[0].get("type") == "string"
            self._leading[schema_id] = leads
        if not leads:
            value = self.decode(data).get(name)
            if not isinstance(value, str):
                raise DecodeError(f"schema id {schema_id} has no string field {name!r}")
            return value
        try:
            size, start = _read_long(data, _HEADER.size)
            if size < 0 or start + size > len(data):
                raise ValueError(f"a string of {size} bytes does not fit the record")
            return data[start : start + size].decode()
        except (IndexError, ValueError) as exc:
            raise DecodeError(f"schema id {schema_id}: field {name!r}: {exc}") from exc

    def subject_of(self, data: bytes) -> str:
        """The subject (record full name) of a frame's writer schema, without decoding the body.

        Lets one topic carry several record types: the correlation input log holds events,
        case commands and ticks. Raises ``DecodeError`` like ``decode``.
        """
        schema_id = self.schema_id_of(data)
        subject = self._subjects.get(schema_id)
        if subject is None:
            try:
                schema = self.registry.by_id(schema_id)
            except Exception as exc:
                raise DecodeError(f"unknown schema id {schema_id}: {exc}") from exc
            namespace = schema.get("namespace")
            subject = f"{namespace}.{schema['name']}" if namespace else str(schema["name"])
            self._subjects[schema_id] = subject
        return subject

    @staticmethod
    def schema_id_of(data: bytes) -> int:
        """The schema id in a frame's header (no decoding)."""
        if len(data) < _HEADER.size or data[0] != MAGIC:
            raise DecodeError("not a Confluent Avro frame")
        return int(_HEADER.unpack_from(data)[1])

    def _writer(self, subject: str) -> tuple[bytes, Any, AvroWriter | None]:
        cached = self._writers.get(subject)
        if cached is None:
            reg = self.registry.latest(subject)
            parsed = self._by_id(reg.schema_id, reg.schema)
            cached = (_HEADER.pack(MAGIC, reg.schema_id), parsed, build_writer(reg.schema, parsed))
            self._writers[subject] = cached
        return cached

    def _reader_id(self, subject: str) -> int:
        cached = self._readers.get(subject)
        if cached is None:
            self._reader(subject)
            cached = self._readers[subject]
        return cached[0]

    def _fast_reader(self, schema_id: int) -> AvroReader | None:
        if schema_id not in self._fast:
            self._fast[schema_id] = build_reader(self.registry.by_id(schema_id))
        return self._fast[schema_id]

    def _reader(self, subject: str) -> Any:
        cached = self._readers.get(subject)
        if cached is None:
            reg = self.registry.latest(subject)
            cached = (reg.schema_id, self._by_id(reg.schema_id, reg.schema))
            self._readers[subject] = cached
        return cached[1]

    def _by_id(self, schema_id: int, schema: dict[str, Any] | None = None) -> Any:
        parsed = self._parsed.get(schema_id)
        if parsed is None:
            try:
                raw = schema if schema is not None else self.registry.by_id(schema_id)
            except Exception as exc:
                raise DecodeError(f"unknown schema id {schema_id}: {exc}") from exc
            parsed = parse_schema(raw, named_schemas={})
            self._parsed[schema_id] = parsed
        return parsed


def _read_long(data: bytes, pos: int) -> tuple[int, int]:
    """The zigzag varint at ``pos`` and the position after it; IndexError when cut short."""
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7
        if shift > 63:
            raise ValueError("a varint longer than 10 bytes")
