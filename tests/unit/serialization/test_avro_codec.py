from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from fusionhub.core.events import Event, GeoPoint, Jurisdiction, Party, Platform
from fusionhub.serialization import AvroCodec, DecodeError, EmbeddedSchemaRegistry
from fusionhub.serialization.records import EVENT_SUBJECT, event_from_record, event_to_record
from fusionhub.sources.grid import GRID

pytestmark = pytest.mark.unit

CST = timezone(timedelta(hours=8))


def sample_event() -> Event:
    return Event(
        event_ref="grid:WG-330681109-20261125-00017",
        source=GRID,
        source_id="WG-330681109-20261125-00017",
        occurred_at=datetime(2026, 11, 25, 8, 40, tzinfo=CST),
        received_at=datetime(2026, 11, 25, 9, 12, 40, tzinfo=CST),
        category="dispute.neighbour",
        platform=Platform.SOCIAL_GOVERNANCE,
        severity=3,
        text="两户因宅基地界址及排水沟走向发生争执",
        jurisdiction=Jurisdiction(
            "330681",
            "330681109",
            "330681109290",
            "330681109290002",
            "grid_code",
            "grid_code",
            "grid_code",
            "grid_code",
        ),
        point=GeoPoint(120.4139, 29.6247),
        point_crs="GCJ02",
        parties=(Party("appellant", "何**", "138****2345", "a" * 32),),
        refs=("12345-330681-20261125-000123",),
        fingerprint="f" * 64,
        attributes={"involved_count": "6"},
    )


def test_an_event_survives_encoding_and_decoding_unchanged() -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    event = sample_event()
    decoded = event_from_record(codec.decode(codec.encode(EVENT_SUBJECT, event_to_record(event))))
    assert decoded == event
    assert decoded.occurred_at.utcoffset() == timedelta(0)  # instants come back in UTC


def test_frames_start_with_magic_zero_and_the_manifest_schema_id() -> None:
    registry = EmbeddedSchemaRegistry()
    data = AvroCodec(registry).encode(EVENT_SUBJECT, event_to_record(sample_event()))
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    assert schema_id == registry.latest(EVENT_SUBJECT).schema_id


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "too short"),
        (b"\x01\x00\x00\x00\x01abc", "magic byte 1"),
        (b"\x00\x00\x00\x03\xe7abc", "unknown schema id 999"),
        (b"\x00\x00\x00\x00\x01\xff\xff\xff", "schema id 1"),
    ],
)
def test_bytes_that_are_not_a_known_frame_raise_a_decode_error_saying_why(
    data: bytes, needle: str
) -> None:
    with pytest.raises(DecodeError, match=needle):
        AvroCodec(EmbeddedSchemaRegistry()).decode(data, EVENT_SUBJECT)


def test_a_reader_on_a_newer_schema_reads_records_written_with_the_older(tmp_path: Path) -> None:
    v1 = {
        "type": "record",
        "name": "Ping",
        "namespace": "t",
        "fields": [{"name": "n", "type": "int"}],
    }
    v2 = {**v1, "fields": [*v1["fields"], {"name": "note", "type": "string", "default": "-"}]}
    (tmp_path / "v1.avsc").write_text(json.dumps(v1))
    (tmp_path / "manifest.json").write_text(
        json.dumps({"schemas": [{"id": 7, "subject": "t.Ping", "version": 1, "file": "v1.avsc"}]})
    )
    old_bytes = AvroCodec(EmbeddedSchemaRegistry(tmp_path)).encode("t.Ping", {"n": 5})
    (tmp_path / "v2.avsc").write_text(json.dumps(v2))
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "schemas": [
                    {"id": 7, "subject": "t.Ping", "version": 1, "file": "v1.avsc"},
                    {"id": 8, "subject": "t.Ping", "version": 2, "file": "v2.avsc"},
                ]
            }
        )
    )
    assert AvroCodec(EmbeddedSchemaRegistry(tmp_path)).decode(old_bytes, "t.Ping") == {
        "n": 5,
        "note": "-",
    }


def test_timestamps_keep_millisecond_precision() -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    event = sample_event()
    at = datetime(2026, 11, 25, 1, 2, 3, 456000, tzinfo=UTC)
    rec = event_to_record(event) | {"occurred_at": at}
    assert codec.decode(codec.encode(EVENT_SUBJECT, rec))["occurred_at"] == at


def test_the_leading_event_ref_is_read_without_decoding_the_record() -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    event = sample_event()
    data = codec.encode(EVENT_SUBJECT, event_to_record(event))
    assert codec.leading_string(data, "event_ref") == event.event_ref
    long_ref = "grid:" + "网格" * 40  # a length that takes a two-byte varint
    data = codec.encode(EVENT_SUBJECT, event_to_record(event) | {"event_ref": long_ref})
    assert codec.leading_string(data, "event_ref") == long_ref


def test_a_field_that_does_not_lead_its_schema_is_read_by_decoding(tmp_path: Path) -> None:
    schema = {
        "type": "record",
        "name": "Later",
        "namespace": "t",
        "fields": [{"name": "n", "type": "int"}, {"name": "event_ref", "type": "string"}],
    }
    (tmp_path / "v1.avsc").write_text(json.dumps(schema))
    (tmp_path / "manifest.json").write_text(
        json.dumps({"schemas": [{"id": 9, "subject": "t.Later", "version": 1, "file": "v1.avsc"}]})
    )
    codec = AvroCodec(EmbeddedSchemaRegistry(tmp_path))
    data = codec.encode("t.Later", {"n": 300, "event_ref": "video:1"})
    assert codec.leading_string(data, "event_ref") == "video:1"
    with pytest.raises(DecodeError, match="no string field 'missing'"):
        codec.leading_string(data, "missing")


def test_a_cut_short_record_gives_a_decode_error_not_a_wrong_ref() -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    data = codec.encode(EVENT_SUBJECT, event_to_record(sample_event()))
    for cut in (5, 6, 20):
        with pytest.raises(DecodeError, match="event_ref"):
            codec.leading_string(data[:cut], "event_ref")
