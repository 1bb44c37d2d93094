"""The fast Avro writer gives fastavro's bytes, and fastavro's errors, for the hub's schemas."""

from __future__ import annotations

import base64
import io
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_ingest_pipeline
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Event
from fusionhub.ingest.files import input_files, iter_items
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.avro_writer import AvroWriter, build_writer
from fusionhub.serialization.records import EVENT_SUBJECT, event_to_record
from fusionhub.settings import IngestSettings, SecretSettings, Settings
from fusionhub.sim.writer import simulate

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).parents[3] / "schemas"
SUBJECTS = [e["file"] for e in json.loads((SCHEMAS / "manifest.json").read_text())["schemas"]]
EXAMPLES = 300
SEALING_KEY = base64.urlsafe_b64encode(b"avro-writer-test-sealing-key-32b").decode()

# The kinds the hub's schemas do not use, a name referring back to its record, [X, "null"].
EVERYTHING: dict[str, Any] = {
    "type": "record",
    "name": "Everything",
    "namespace": "test",
    "fields": [
        {"name": "f", "type": "float"},
        {"name": "b", "type": "bytes", "default": ""},
        {"name": "fx", "type": {"type": "fixed", "name": "Four", "size": 4}},
        {"name": "flag", "type": "boolean"},
        {"name": "nothing", "type": "null"},
        {"name": "e", "type": {"type": "enum", "name": "Colour", "symbols": ["red", "green"]}},
        {"name": "late", "type": ["string", "null"], "default": "x"},
        {"name": "again", "type": ["null", "Four"]},
        {"name": "colours", "type": {"type": "map", "values": "test.Colour"}},
        {"name": "count", "type": "int", "default": 0},
        {
            "name": "chain",
            "type": {
                "type": "record",
                "name": "Link",
                "fields": [
                    {"name": "v", "type": "long"},
                    {"name": "next", "type": ["null", "Link"]},
                ],
            },
        },
    ],
}

INT_LIMITS = [-(2**31), 2**31 - 1, 0, -1, 63, 64, -64, -65]
LONG_LIMITS = [-(2**63), 2**63 - 1, 2**31, -(2**31) - 1, *INT_LIMITS]
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))]
)
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.text(
        st.sampled_from("枫桥镇综治中心网格员张三 abc😀𠀀\U0010fffd"), min_size=20, max_size=90
    ),
)
DATETIMES = st.datetimes(
    timezones=ZONES, min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)
)
TIMESTAMPS = st.one_of(
    DATETIMES,
    DATETIMES.map(lambda d: d.replace(microsecond=0)),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from(LONG_LIMITS),
)
PRIMITIVES: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "int": st.one_of(st.sampled_from(INT_LIMITS), st.integers(-(2**31), 2**31 - 1)),
    "long": st.one_of(st.sampled_from(LONG_LIMITS), st.integers(-(2**63), 2**63 - 1)),
    "float": st.one_of(st.floats(width=32), st.floats(), st.integers(-(2**60), 2**60)),
    "double": st.one_of(st.floats(), st.integers(-(2**60), 2**60)),
    "string": TEXT,
    "bytes": st.binary(max_size=100),
}


def values(
    schema: Any, ns: str, named: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """Values valid for ``schema``: edge cases first, then anything of the right shape."""
    if isinstance(schema, str):
        full = schema if "." in schema else f"{ns}.{schema}"
        return PRIMITIVES[schema] if schema in PRIMITIVES else st.deferred(lambda: named[full])
    if isinstance(schema, list):
        return st.one_of([values(branch, ns, named) for branch in schema])
    if schema.get("logicalType") == "timestamp-millis":
        return TIMESTAMPS
    if schema["type"] in PRIMITIVES:
        return PRIMITIVES[schema["type"]]
    if schema["type"] in ("array", "map"):
        return _container_values(schema, ns, named)
    return _named_values(schema, ns, named)


def _container_values(
    schema: dict[str, Any], ns: str, named: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    inner_schema = schema["items"] if schema["type"] == "array" else schema["values"]
    inner = values(inner_schema, ns, named)
    long_size = 64 if inner_schema == "string" else 0  # past one varint byte of count
    if schema["type"] == "array":
        return st.lists(inner, max_size=4) | st.lists(inner, min_size=long_size, max_size=70)
    few = st.dictionaries(TEXT, inner, max_size=4)
    return few | st.dictionaries(TEXT, inner, min_size=long_size, max_size=70)


def _named_values(
    schema: dict[str, Any], ns: str, named: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    ns = schema.get("namespace", ns)
    full = f"{ns}.{schema['name']}"
    if schema["type"] == "enum":
        named[full] = st.sampled_from(schema["symbols"])
    elif schema["type"] == "fixed":
        named[full] = st.binary(min_size=schema["size"], max_size=schema["size"])
    else:
        fields = {f["name"]: values(f["type"], ns, named) for f in schema["fields"]}
        required = {k: v for k, v in fields.items() if "default" not in _field(schema, k)}
        optional = {k: v for k, v in fields.items() if k not in required}
        named[full] = st.fixed_dictionaries(required, optional=optional)
    return named[full]


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def fastavro_outcome(parsed: Any, record: Any) -> bytes | type[BaseException]:
    out = io.BytesIO()
    try:
        schemaless_writer(out, parsed, record)
    except Exception as exc:  # the class is what the writer must match
        return type(exc)
    return out.getvalue()


def writer_outcome(writer: AvroWriter, record: Any) -> bytes | type[BaseException]:
    try:
        return writer.encode(record)
    except Exception as exc:
        return type(exc)


def _load(file: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / file).read_text(encoding="utf-8"))
    return schema


def _writer(schema: dict[str, Any]) -> tuple[AvroWriter, Any]:
    parsed = parse_schema(schema, named_schemas={})
    writer = build_writer(schema, parsed)
    assert writer is not None
    return writer, parsed


@pytest.mark.parametrize("file", SUBJECTS)
def test_every_hub_schema_gets_a_writer_that_writes_fastavros_bytes_for_any_valid_record(
    file: str,
) -> None:
    schema = _load(file)
    writer, parsed = _writer(schema)
    seen = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values(schema, "", {}))
    def check(record: dict[str, Any]) -> None:
        seen.append(record)
        assert writer.encode(record) == fastavro_outcome(parsed, record)

    check()
    assert len(seen) >= EXAMPLES
    assert writer.fallbacks == 0  # every valid record took the fast path


def test_a_writer_built_from_fastavros_parsed_schema_writes_the_same_bytes() -> None:
    schema = _load("fusionhub.Case/v2.avsc")
    writer, parsed = _writer(schema)
    from_parsed = build_writer(parsed, parsed)
    assert from_parsed is not None

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values(schema, "", {}))
    def check(record: dict[str, Any]) -> None:
        assert from_parsed.encode(record) == writer.encode(record)

    check()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(values(EVERYTHING, "", {}))
def test_floats_bytes_fixed_enums_and_recursive_records_match_fastavro_too(record: Any) -> None:
    writer, parsed = _writer(EVERYTHING)
    assert writer_outcome(writer, record) == fastavro_outcome(parsed, record)


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)))
def test_naive_datetimes_are_left_to_fastavro_and_come_out_the_same(moment: datetime) -> None:
    writer, parsed = _writer(_load("fusionhub.Tick/v1.avsc"))
    assert writer_outcome(writer, {"at": moment}) == fastavro_outcome(parsed, {"at": moment})


def test_nan_and_infinities_are_written_as_fastavro_writes_them() -> None:
    writer, parsed = _writer(EVERYTHING)
    base = {"fx": b"abcd", "flag": True, "nothing": None, "e": "red", "again": None}
    for value in (math.nan, -math.nan, math.inf, -math.inf, 1e300, -0.0):
        record = {**base, "f": value, "colours": {}, "chain": {"v": 1, "next": None}}
        assert writer_outcome(writer, record) == fastavro_outcome(parsed, record)


def _event_record() -> dict[str, Any]:
    from tests.unit.serialization.test_avro_codec import sample_event

    return event_to_record(sample_event())


INVALID: list[tuple[str, Any]] = [
    ("event_ref", ...),  # a required field missing
    ("text", None),
    ("severity", "3"),
    ("severity", 2**63),  # beyond a long
    ("occurred_at", "2026-11-25T08:40:00+08:00"),
    ("source", "fax"),
    ("point", {"lon": "120.4", "lat": 29.6}),
    ("point", {"lat": 29.6}),
    ("parties", [{"name_masked": "何**"}]),
    ("refs", [1]),
    ("attributes", {1: "x"}),
    ("title", "\ud800"),  # a lone surrogate is no UTF-8
    ("jurisdiction", None),
]


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_invalid_event_records_raise_what_fastavro_raises(field: str, value: Any) -> None:
    writer, parsed = _writer(_load("fusionhub.Event/v1.avsc"))
    record = _event_record()
    if value is ...:
        del record[field]
    else:
        record[field] = value
    expected = fastavro_outcome(parsed, record)
    assert isinstance(expected, type), f"fastavro accepted {field}={value!r}"
    assert writer_outcome(writer, record) is expected


@pytest.mark.parametrize("severity", [2**31, -(2**31) - 1, True, 2.5])
def test_values_fastavro_lets_through_in_a_plain_int_field_come_out_as_fastavro_writes_them(
    severity: Any,
) -> None:
    # fastavro writes an int field's value past 32 bits, a bool or a float without complaint
    writer, parsed = _writer(_load("fusionhub.Event/v1.avsc"))
    record = {**_event_record(), "severity": severity}
    assert isinstance(fastavro_outcome(parsed, record), bytes)
    assert writer.encode(record) == fastavro_outcome(parsed, record)


def test_an_int_out_of_range_in_a_union_raises_valueerror_as_in_fastavro() -> None:
    grid_writer, grid_parsed = _writer(_load("fusionhub.raw.GridReport/v1.avsc"))
    report = {"event_code": "a", "grid_code": "b", "reporter": {"id": "c"}, "reported_at": "d"}
    report |= {"type_1": "e", "type_2": "f", "description": "g", "level": 2**31}
    assert fastavro_outcome(grid_parsed, report) is ValueError
    assert writer_outcome(grid_writer, report) is ValueError


def test_schemas_with_features_the_writer_does_not_cover_get_no_writer() -> None:
    for field_type in (
        ["null", "string", "long"],
        ["string", "long"],
        {"type": "int", "logicalType": "date"},
        {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2},
        {"type": "string", "logicalType": "uuid"},
        "Unknown",
    ):
        schema = {"type": "record", "name": "R", "fields": [{"name": "x", "type": field_type}]}
        assert build_writer(schema, None) is None


def test_real_events_from_the_simulated_feed_encode_as_fastavro_encodes_them(
    tmp_path: Path,
) -> None:
    simulate(tmp_path, 11, 600)
    settings_ = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secrets=SecretSettings(pii_key="writer-test-pii-key-0123456789", sealing_key=SEALING_KEY),
        ingest=IngestSettings(cameras_csv=tmp_path / "cameras.csv"),
    )
    pipeline = build_ingest_pipeline(Hub(settings_), IngestMetrics(_registry()))
    events = [
        result
        for source in load_sources().sources
        for item in iter_items(source, input_files(source, tmp_path))
        for result in pipeline.connectors[source].convert(item.payload, pipeline.clock()).results
        if isinstance(result, Event)
    ]
    assert len({e.source for e in events}) == len(load_sources())
    assert len(events) > 400
    writer, parsed = _writer(_load("fusionhub.Event/v2.avsc"))
    codec = AvroCodec(EmbeddedSchemaRegistry())
    for event in events:
        body = fastavro_outcome(parsed, event_to_record(event))
        assert writer.encode(event_to_record(event)) == body
        assert codec.encode(EVENT_SUBJECT, event_to_record(event))[5:] == body
    assert writer.fallbacks == 0


def _registry() -> Any:
    from prometheus_client import CollectorRegistry

    return CollectorRegistry()
