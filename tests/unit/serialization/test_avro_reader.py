"""The fast Avro reader gives fastavro's values for every schema of the hub, and refuses what
is not a record of the schema."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fusionhub.serialization import AvroCodec, DecodeError, EmbeddedSchemaRegistry
from fusionhub.serialization.avro_reader import build_reader
from tests.unit.serialization.test_avro_writer import EVERYTHING, SCHEMAS, SUBJECTS, values

pytestmark = pytest.mark.unit


def schemas() -> list[Any]:
    import json

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
