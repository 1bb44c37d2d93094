"""The example of every source normalises to the Event a command centre expects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from fusionhub.connectors.base import BaseConnector, ConversionBatch
from fusionhub.connectors.errors import Rejection
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import DeviceHealthRecord, Event, GeoPoint, Platform, Source
from fusionhub.core.geo import haversine_m
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO

from .builders import DROP, RECEIVED_AT, changed, example_bytes, example_doc, video_xml

pytestmark = pytest.mark.unit

Connectors = dict[Source, BaseConnector]


def only_event(batch: ConversionBatch) -> Event:
    assert len(batch.results) == 1, batch.results
    result = batch.results[0]
    assert isinstance(result, Event), result
    return result


def convert(connectors: Connectors, source: Source, payload: bytes) -> Event:
    return only_event(connectors[source].convert(payload, RECEIVED_AT))


def test_grid_code_decides_county_township_and_village(connectors: Connectors) -> None:
    event = convert(connectors, GRID, example_bytes(GRID))
    j = event.jurisdiction
    assert (j.county_code, j.township_code, j.village_code) == (
        "330681",
        "330681109",
        "330681109290",
    )
    assert (j.county_rule, j.township_rule, j.village_rule) == ("grid_code",) * 3
    assert j.grid_code == "330681109290002"


def test_grid_gcj02_point_is_corrected_by_300_to_700_metres(connectors: Connectors) -> None:
    event = convert(connectors, GRID, example_bytes(GRID))
    raw = example_doc(GRID)["location"]
    assert event.point is not None
    shift = haversine_m(event.point, GeoPoint(raw["lon"], raw["lat"]))
    assert 300 <= shift <= 700
    assert event.point_crs == "GCJ02"


def test_grid_neighbour_dispute_goes_to_the_social_governance_platform(
    connectors: Connectors,
) -> None:
    event = convert(connectors, GRID, example_bytes(GRID))
    assert event.category == "dispute.neighbour"
    assert event.platform is Platform.SOCIAL_GOVERNANCE
    assert event.source_category == "矛盾纠纷/邻里纠纷"
    assert event.severity == 3
    assert event.occurred_at == datetime.fromisoformat("2026-11-25T08:40:00+08:00")
    assert event.text == example_doc(GRID)["description"]
    assert {p.role for p in event.parties} == {"reporter", "appellant", "respondent"}


def test_grid_without_occurred_at_happened_when_reported(connectors: Connectors) -> None:
    event = convert(connectors, GRID, changed(GRID, occurred_at=DROP))
    assert event.occurred_at == datetime.fromisoformat("2026-11-25T09:12:33+08:00")


def test_hotline_homestead_order_is_a_land_dispute_in_fengqiao(connectors: Connectors) -> None:
    event = convert(connectors, HOTLINE, example_bytes(HOTLINE))
    assert event.category == "dispute.land"
    assert event.jurisdiction.township_code == "330681109"
    assert event.jurisdiction.county_code == "330681"
    assert event.event_ref == "hotline:12345-330681-20261125-000123"
    assert event.attributes["channel"] == "phone"
    assert event.attributes["urgency"] == "normal"
    assert event.parties[0].role == "caller"


def test_petition_refs_hold_the_earlier_hotline_order(connectors: Connectors) -> None:
    event = convert(connectors, PETITION, example_bytes(PETITION))
    assert "12345-330681-20261125-000123" in event.refs
    assert event.event_ref == "petition:XF330681-2026-004512"
    assert event.jurisdiction.township_code == "330681109"
    assert event.text.startswith(example_doc(PETITION)["title"] + "\n")
    assert event.parties[0].role == "petitioner"


def test_petition_order_number_quoted_only_in_text_is_added_to_refs(
    connectors: Connectors,
) -> None:
    event = convert(connectors, PETITION, changed(PETITION, refs=[]))
    assert event.refs == ("12345-330681-20261125-000123",)


def test_petitioner_home_address_is_never_the_event_address(connectors: Connectors) -> None:
    payload = changed(PETITION, incident_address=DROP, petitioner__address="某市某路1号")
    event = convert(connectors, PETITION, payload)
    assert event.address is None
    assert "某市某路1号" not in repr(event)


def test_video_gb2312_alarm_is_crowding_in_zhuji(connectors: Connectors) -> None:
    payload = example_bytes(VIDEO)
    with pytest.raises(UnicodeDecodeError):
        payload.decode("utf-8")  # the example really is GB2312 bytes
    event = convert(connectors, VIDEO, payload)
    assert event.category == "crowding"
    assert event.jurisdiction.county_code == "330681"
    assert event.event_ref == "video:33068110001320000012-17430"
    assert event.text == "人员聚集"
    assert event.severity == 2
    assert event.occurred_at == datetime.fromisoformat("2026-11-25T21:14:05+08:00")


def test_video_without_coordinates_takes_the_camera_registry_point(
    connectors: Connectors,
) -> None:
    payload = video_xml(Longitude=None, Latitude=None, DeviceID="33068110001320000013")
    event = convert(connectors, VIDEO, payload)
    assert event.point == GeoPoint(120.41356, 29.62466)
    assert event.jurisdiction.township_code == "330681109"
    assert event.address == "枫桥镇枫源村口"
    assert event.attributes["point_source"] == "camera_registry"


def test_video_from_an_unregistered_camera_gets_its_county_from_the_device_id(
    connectors: Connectors,
) -> None:
    payload = video_xml(Longitude=None, Latitude=None, DeviceID="33068199999320000099")
    event = convert(connectors, VIDEO, payload)
    assert event.jurisdiction.county_code == "330681"
    assert event.jurisdiction.county_rule == "device_id"
    assert event.point is None


@pytest.mark.parametrize(
    ("method", "info"),
    [("6", "<AlarmType>1</AlarmType>"), ("2", "<AlarmType>3</AlarmType>"), ("26", None)],
)
def test_device_faults_become_device_health_records(
    connectors: Connectors, method: str, info: str | None
) -> None:
    batch = connectors[VIDEO].convert(video_xml(AlarmMethod=method, Info=info), RECEIVED_AT)
    assert batch.events == []
    [record] = batch.device_health
    assert isinstance(record, DeviceHealthRecord)
    assert record.event_ref == "video:33068110001320000012-17430"
    assert record.county_code == "330681"
    assert record.alarm_method == method


def test_analytics_alarm_with_combined_method_25_is_an_incident(connectors: Connectors) -> None:
    payload = video_xml(AlarmMethod="25", Info="<AlarmType>2</AlarmType>")
    assert connectors[VIDEO].convert(payload, RECEIVED_AT).device_health == []


def test_video_alarm_type_decides_when_the_description_says_nothing(
    connectors: Connectors,
) -> None:
    payload = video_xml(AlarmDescription=None, Info="<AlarmType>10</AlarmType>")
    event = convert(connectors, VIDEO, payload)
    assert event.category == "crowding"
    assert event.text == "密度检测"


def test_video_utf8_document_is_accepted(connectors: Connectors) -> None:
    payload = video_xml(encoding="UTF-8", AlarmDescription="烟火检测")
    assert convert(connectors, VIDEO, payload).category == "fire"


def test_event_fingerprint_is_sha256_of_the_original_bytes(connectors: Connectors) -> None:
    for source in load_sources().sources:
        payload = example_bytes(source)
        event = convert(connectors, source, payload)
        assert event.fingerprint == hashlib.sha256(payload).hexdigest()


def test_array_gives_one_result_per_element_and_a_bad_one_spoils_nothing(
    connectors: Connectors,
) -> None:
    good = example_bytes(GRID).strip()
    bad = changed(GRID, event_code="WG-2", level=9)
    payload = b"[" + good + b",\n " + bad + b', "not an object"]'
    batch = connectors[GRID].convert(payload, RECEIVED_AT)
    assert [type(r) for r in batch.results] == [Event, Rejection, Rejection]
    first, second, third = batch.results
    assert isinstance(first, Event)
    assert first.fingerprint == hashlib.sha256(good).hexdigest()
    assert isinstance(second, Rejection)
    assert second.source_id == "WG-2"
    assert second.reason == "unknown_enum"
    assert second.original == bad
    assert isinstance(third, Rejection)
    assert third.errors[0].field == "$[2]"


def test_extra_fields_are_kept_in_the_parsed_record_and_are_not_an_error(
    connectors: Connectors,
) -> None:
    payload = changed(HOTLINE, operator_id="OP-77", satisfaction={"score": 5})
    [record] = connectors[HOTLINE].parse(payload)
    assert record.fields["satisfaction"] == {"score": 5}
    assert isinstance(connectors[HOTLINE].normalise(record, RECEIVED_AT), Event)


def test_utf8_byte_order_mark_is_tolerated(connectors: Connectors) -> None:
    payload = b"\xef\xbb\xbf" + example_bytes(PETITION)
    assert convert(connectors, PETITION, payload).source_id == "XF330681-2026-004512"


def test_time_without_offset_is_china_standard_time(connectors: Connectors) -> None:
    event = convert(connectors, HOTLINE, changed(HOTLINE, call_time="2026-11-25 10:02"))
    assert event.occurred_at.utcoffset() == timedelta(hours=8)
    assert event.occurred_at.hour == 10


def test_implausible_point_is_dropped_when_the_connector_is_told_so(
    make_connectors: Callable[..., Connectors],
) -> None:
    lenient = make_connectors(reject_implausible_points=False)
    payload = changed(HOTLINE, lon=0, lat=0)
    event = only_event(lenient[HOTLINE].convert(payload, RECEIVED_AT))
    assert event.point is None
    assert event.jurisdiction.township_code == "330681109"


def test_hotline_wgs84_point_is_kept_as_given(connectors: Connectors) -> None:
    event = convert(connectors, HOTLINE, changed(HOTLINE, lon=120.41, lat=29.62))
    assert event.point == GeoPoint(120.41, 29.62)


def test_bd09_point_is_converted(connectors: Connectors) -> None:
    payload = changed(HOTLINE, lon=120.4236, lat=29.6281, crs="BD09")
    event = convert(connectors, HOTLINE, payload)
    assert event.point is not None
    assert 800 <= haversine_m(event.point, GeoPoint(120.4236, 29.6281)) <= 1500


@pytest.mark.parametrize(
    ("source", "changes", "severity"),
    [
        (GRID, {"level": 1}, 1),
        (GRID, {"level": 5}, 5),
        (GRID, {"level": DROP}, 3),
        (GRID, {"level": 4, "is_emergency": True}, 1),
        (GRID, {"level": 4, "is_group_incident": True}, 2),
        (HOTLINE, {"urgency": "emergency"}, 1),
        (HOTLINE, {"urgency": "urgent"}, 2),
        (HOTLINE, {"urgency": "normal"}, 3),
        (HOTLINE, {"urgency": "normal", "appeal_type": "咨询"}, 4),
        (PETITION, {"co_signers": 0}, 3),
        (PETITION, {"co_signers": 5}, 2),
        (PETITION, {"co_signers": 60}, 1),
        (PETITION, {"co_signers": 0, "previously_petitioned": True}, 2),
    ],
)
def test_severity_follows_the_source_signals(
    connectors: Connectors, source: Source, changes: dict[str, Any], severity: int
) -> None:
    assert convert(connectors, source, changed(source, **changes)).severity == severity


@pytest.mark.parametrize("priority", ["1", "2", "3", "4"])
def test_video_severity_is_the_alarm_priority(connectors: Connectors, priority: str) -> None:
    event = convert(connectors, VIDEO, video_xml(AlarmPriority=priority))
    assert event.severity == int(priority)


def test_attributes_are_a_string_map_of_useful_extras(connectors: Connectors) -> None:
    grid = convert(connectors, GRID, example_bytes(GRID))
    petition = convert(connectors, PETITION, example_bytes(PETITION))
    video = convert(connectors, VIDEO, example_bytes(VIDEO))
    assert grid.attributes["involved_count"] == "6"
    assert grid.attributes["is_group_incident"] == "false"
    assert petition.attributes["purpose"] == "求决"
    assert video.attributes["alarm_type"] == "10"
    for event in (grid, petition, video):
        assert all(isinstance(v, str) for v in event.attributes.values())


def test_parse_then_normalise_equals_convert(connectors: Connectors) -> None:
    connector = connectors[GRID]
    [record] = connector.parse(example_bytes(GRID), "application/json; charset=utf-8")
    by_steps = connector.normalise(record, RECEIVED_AT)
    assert [by_steps] == connector.convert(example_bytes(GRID), RECEIVED_AT).events


def test_naive_received_at_is_a_programming_error(connectors: Connectors) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        connectors[GRID].convert(example_bytes(GRID), datetime(2026, 1, 1))


def test_examples_are_what_the_spec_says(connectors: Connectors) -> None:
    doc = json.loads(example_bytes(GRID))
    assert doc["location"]["crs"] == "GCJ02"  # guards the correction test above
