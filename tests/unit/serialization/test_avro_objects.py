"""Events written from their attributes give the bytes of their records, and fastavro's errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Event, GeoPoint, Jurisdiction, Party, Platform
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import EVENT_SUBJECT, event_to_record
from fusionhub.sources.hotline import HOTLINE

pytestmark = pytest.mark.unit

TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
OPTIONAL = st.none() | TEXT
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
)
PARTIES = st.builds(
    Party,
    role=TEXT,
    name_masked=OPTIONAL,
    phone_masked=OPTIONAL,
    phone_token=OPTIONAL,
    id_masked=OPTIONAL,
    id_token=OPTIONAL,
)
EVENTS = st.builds(
    Event,
    event_ref=TEXT,
    source=st.sampled_from(load_sources().sources),
    source_id=TEXT,
    occurred_at=MOMENTS,
    received_at=MOMENTS,
    category=TEXT,
    platform=st.sampled_from(Platform),
    severity=st.integers(1, 5),
    text=TEXT,
    jurisdiction=st.builds(Jurisdiction, county_code=OPTIONAL, village_rule=OPTIONAL),
    point=st.none() | st.builds(GeoPoint, lon=st.floats(70, 140), lat=st.floats(3, 54)),
    point_crs=OPTIONAL,
    source_category=OPTIONAL,
    title=OPTIONAL,
    address=OPTIONAL,
    parties=st.lists(PARTIES, max_size=3).map(tuple),
    refs=st.lists(TEXT, max_size=3).map(tuple),
    fingerprint=TEXT,
    attributes=st.dictionaries(TEXT, TEXT, max_size=4),
)


@pytest.fixture(scope="module")
def codec() -> AvroCodec:
    return AvroCodec(EmbeddedSchemaRegistry())


@settings(max_examples=300, deadline=None)
@given(event=EVENTS)
def test_an_event_written_from_its_attributes_has_the_bytes_of_its_record(event: Event) -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    assert codec.encode_object(EVENT_SUBJECT, event, event_to_record) == codec.encode(
        EVENT_SUBJECT, event_to_record(event)
    )
    writer = codec._writer(EVENT_SUBJECT)[2]
    assert writer is not None
    assert writer.fallbacks == 0


def test_an_event_the_fast_path_refuses_goes_to_fastavro_as_its_record(codec: AvroCodec) -> None:
    # A naive time is left to fastavro (it reads one as local time), as for a record.
    event = _event(occurred_at=datetime(2026, 11, 25, 9, 0))
    writer = codec._writer(EVENT_SUBJECT)[2]
    assert writer is not None
    before = writer.fallbacks
    assert codec.encode_object(EVENT_SUBJECT, event, event_to_record) == codec.encode(
        EVENT_SUBJECT, event_to_record(event)
    )
    assert writer.fallbacks == before + 2


def test_an_event_that_does_not_fit_the_schema_raises_what_its_record_raises(
    codec: AvroCodec,
) -> None:
    event = _event(severity="high")
    with pytest.raises((TypeError, ValueError)) as from_record:
        codec.encode(EVENT_SUBJECT, event_to_record(event))
    with pytest.raises(type(from_record.value)):
        codec.encode_object(EVENT_SUBJECT, event, event_to_record)


def test_a_dict_is_never_read_by_attribute(codec: AvroCodec) -> None:
    record = event_to_record(_event())
    assert codec.encode_object(EVENT_SUBJECT, record, lambda r: r) == codec.encode(
        EVENT_SUBJECT, record
    )


def _event(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "event_ref": "hotline:12345-330681-20261125-000001",
        "source": HOTLINE,
        "source_id": "12345-330681-20261125-000001",
        "occurred_at": datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        "received_at": datetime(2026, 11, 25, 9, 1, tzinfo=UTC),
        "category": "fire",
        "platform": Platform.SOCIAL_GOVERNANCE,
        "severity": 4,
        "text": "牌头镇斗岩村塘头民房起火",
        "parties": (Party("caller", phone_masked="138****5678"),),
        "refs": ("grid:WG-330681109-20261125-00001",),
        "attributes": {"channel": "phone"},
    }
    return Event(**(fields | changes))
