"""The fast Avro reader gives fastavro's values for every schema of the hub, and refuses what
is not a record of the schema."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fusionhub.core.events import Source
from fusionhub.serialization import AvroCodec, DecodeError, EmbeddedSchemaRegistry
from fusionhub.serialization.avro_reader import build_reader
from fusionhub.serialization.records import event_to_record
from fusionhub.streams.inputs import decode_input
from tests.unit.core.corr_factory import at, make_event
from tests.unit.serialization.test_avro_writer import EVERYTHING, SCHEMAS, SUBJECTS, values

pytestmark = pytest.mark.unit


def schemas() -> list[Any]:
    return [json.loads((SCHEMAS / name).read_text()) for name in SUBJECTS] + [EVERYTHING]


@pytest.mark.parametrize("schema", schemas(), ids=lambda s: s["name"])
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_reader_gives_fastavro_s_values(schema: Any, data: st.DataObject) -> None:
    parsed = parse_schema(schema, named_schemas={})
    record = data.draw(values(schema, schema.get("namespace", ""), {}))
    out = io.BytesIO()
    try:
        schemaless_writer(out, parsed, record)
    except (TypeError, ValueError):
        assume(False)  # a value fastavro cannot write (a str default for bytes) has no bytes
    body = out.getvalue()
    reader = build_reader(schema)
    assert reader is not None
    assert outcome(lambda: reader.decode(b"\x00" * 5 + body, 5)) == outcome(
        lambda: schemaless_reader(io.BytesIO(body), parsed, None)
    )


def outcome(read: Callable[[], Any]) -> Any:
    """The value read, as its repr (NaN equals NaN there), or the type of error raised (a
    timestamp beyond datetime's range)."""
    try:
        return repr(read())
    except (OverflowError, ValueError) as exc:
        return type(exc)


def test_every_schema_of_the_hub_has_a_reader() -> None:
    assert all(build_reader(schema) is not None for schema in schemas())


@given(st.binary(max_size=60))
@settings(max_examples=300, deadline=None)
def test_garbage_is_a_decode_error_never_a_crash(garbage: bytes) -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    with contextlib.suppress(DecodeError):
        codec.decode(b"\x00\x00\x00\x00\x01" + garbage, "fusionhub.Event")


def test_the_worker_reads_events_of_every_schema_version_alike() -> None:
    """The event log holds v1 events (written before pingan) and v2 ones: v2, the newest, goes
    through our reader, v1 through fastavro's resolution; both give the same core event."""
    codec = AvroCodec(EmbeddedSchemaRegistry())
    schemas = Path(__file__).resolve().parents[3] / "schemas" / "fusionhub.Event"
    v1 = parse_schema(json.loads((schemas / "v1.avsc").read_text()), named_schemas={})
    grid = make_event(Source.of("grid"), "WG-1", at(3, 9), "dispute.neighbour", "吵架")
    pingan = make_event(Source.of("pingan"), "PA-330681-1", at(3, 9), "dispute.neighbour", "吵架")
    old = io.BytesIO()
    schemaless_writer(old, v1, event_to_record(grid))
    framed_v1 = b"\x00" + (1).to_bytes(4, "big") + old.getvalue()
    for event, data in (
        (grid, framed_v1),
        (grid, codec.encode("fusionhub.Event", event_to_record(grid))),
        (pingan, codec.encode("fusionhub.Event", event_to_record(pingan))),
    ):
        assert decode_input(codec, data) == event
    assert codec.schema_id_of(framed_v1) == 1
    assert codec.schema_id_of(codec.encode("fusionhub.Event", event_to_record(pingan))) == 14
