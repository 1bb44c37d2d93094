"""Malformed inputs are refused with a stable reason code and the path of the offending field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from fusionhub.connectors.base import BaseConnector
from fusionhub.connectors.errors import Rejection
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Source
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO

from .builders import DROP, RECEIVED_AT, changed, example_bytes, video_xml

pytestmark = pytest.mark.unit

Connectors = dict[Source, BaseConnector]
G, H, P, V = GRID, HOTLINE, PETITION, VIDEO
GRID_ID = "WG-330681109-20261125-00017"
HOTLINE_ID = "12345-330681-20261125-000123"
PETITION_ID = "XF330681-2026-004512"
VIDEO_ID = "33068110001320000012-17430"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Notify [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Notify><CmdType>Alarm</CmdType><AlarmDescription>&lol3;</AlarmDescription></Notify>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Notify [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Notify><CmdType>Alarm</CmdType><AlarmDescription>&secret;</AlarmDescription></Notify>"""
BARE_DTD = b"""<?xml version="1.0"?><!DOCTYPE Notify SYSTEM "http://127.0.0.1/x.dtd">
<Notify><CmdType>Alarm</CmdType></Notify>"""


@dataclass(frozen=True)
class Bad:
    name: str
    source: Source
    payload: bytes
    stage: str
    reason: str
    field: str
    source_id: str | None = None
    content_type: str | None = None


CASES = [
    Bad("truncated JSON", G, b'{"event_code": "WG-1", ', "parse", "malformed_json", "$"),
    Bad("trailing comma in array", G, b'[{"event_code": "WG-1"},]', "parse", "malformed_json", "$"),
    Bad("NaN is not JSON", H, b'{"lon": NaN}', "parse", "malformed_json", "$"),
    Bad("GBK bytes in JSON", H, changed(H).decode().encode("gbk"), "parse", "bad_encoding", "$"),
    Bad(
        "charset=gbk header",
        H,
        changed(H),
        "parse",
        "bad_encoding",
        "$",
        None,
        "application/json; charset=gbk",
    ),
    Bad(
        "XML sent to a JSON source",
        G,
        b"<Notify/>",
        "parse",
        "unsupported_media_type",
        "$",
        None,
        "application/xml",
    ),
    Bad("empty array", P, b"  [ ]\n", "parse", "empty_batch", "$"),
    Bad("empty payload", P, b"", "parse", "empty_payload", "$"),
    Bad("bare string at the top", G, b'"WG-1"', "parse", "wrong_type", "$"),
    Bad(
        "missing event_code",
        G,
        changed(G, event_code=DROP),
        "validate",
        "missing_field",
        "event_code",
    ),
    Bad("level as a string", G, changed(G, level="3"), "validate", "wrong_type", "level", GRID_ID),
    Bad("level 6", G, changed(G, level=6), "validate", "unknown_enum", "level", GRID_ID),
    Bad(
        "unknown type_1",
        G,
        changed(G, type_1="其它"),
        "validate",
        "unknown_enum",
        "type_1",
        GRID_ID,
    ),
    Bad(
        "14-digit grid_code",
        G,
        changed(G, grid_code="33068110929000"),
        "validate",
        "bad_format",
        "grid_code",
        GRID_ID,
    ),
    Bad(
        "30 February",
        G,
        changed(G, reported_at="2026-02-30T10:00:00"),
        "validate",
        "impossible_date",
        "reported_at",
        GRID_ID,
    ),
    Bad(
        "year 1900",
        G,
        changed(G, occurred_at="1900-11-25T08:40:00+08:00"),
        "validate",
        "impossible_date",
        "occurred_at",
        GRID_ID,
    ),
    Bad(
        "not a date",
        G,
        changed(G, reported_at="昨天上午"),
        "validate",
        "bad_format",
        "reported_at",
        GRID_ID,
    ),
    Bad(
        "occurred days after reported",
        G,
        changed(G, occurred_at="2026-11-28T08:00:00+08:00"),
        "validate",
        "impossible_date",
        "occurred_at",
        GRID_ID,
    ),
    Bad(
        "0/0 coordinates",
        G,
        changed(G, location__lon=0, location__lat=0),
        "normalise",
        "impossible_point",
        "location.lon",
        GRID_ID,
    ),
    Bad(
        "longitude 200",
        G,
        changed(G, location__lon=200.5),
        "validate",
        "impossible_point",
        "location.lon",
        GRID_ID,
    ),
    Bad(
        "unknown crs",
        G,
        changed(G, location__crs="EPSG:3857"),
        "normalise",
        "unknown_enum",
        "location.crs",
        GRID_ID,
    ),
    Bad(
        "lon without lat",
        G,
        changed(G, location__lat=DROP),
        "validate",
        "missing_field",
        "location.lat",
        GRID_ID,
    ),
    Bad(
        "unknown party role",
        G,
        changed(G, parties__1__role="witness"),
        "validate",
        "unknown_enum",
        "parties[1].role",
        GRID_ID,
    ),
    Bad(
        "reporter without id",
        G,
        changed(G, reporter__id=DROP),
        "validate",
        "missing_field",
        "reporter.id",
        GRID_ID,
    ),
    Bad(
        "flag as a string",
        G,
        changed(G, is_emergency="yes"),
        "validate",
        "wrong_type",
        "is_emergency",
        GRID_ID,
    ),
    Bad(
        "empty description",
        G,
        changed(G, description="  "),
        "validate",
        "missing_field",
        "description",
        GRID_ID,
    ),
    Bad(
        "novel-length description",
        G,
        changed(G, description="纠纷" * 15_000),
        "validate",
        "too_long",
        "description",
        GRID_ID,
    ),
    Bad(
        "phone channel without phone",
        H,
        changed(H, caller__phone=DROP),
        "validate",
        "missing_field",
        "caller.phone",
        HOTLINE_ID,
    ),
    Bad(
        "sms channel without phone",
        H,
        changed(H, channel="sms", caller={"name": "王"}),
        "validate",
        "missing_field",
        "caller.phone",
        HOTLINE_ID,
    ),
    Bad(
        "unknown channel",
        H,
        changed(H, channel="fax"),
        "validate",
        "unknown_enum",
        "channel",
        HOTLINE_ID,
    ),
    Bad(
        "5-digit region_code",
        H,
        changed(H, region_code="33068"),
        "validate",
        "bad_format",
        "region_code",
        HOTLINE_ID,
    ),
    Bad(
        "unknown urgency",
        H,
        changed(H, urgency="high"),
        "validate",
        "unknown_enum",
        "urgency",
        HOTLINE_ID,
    ),
    Bad(
        "caller as a string",
        H,
        changed(H, caller="何先生 13857512345"),
        "validate",
        "wrong_type",
        "caller",
        HOTLINE_ID,
    ),
    Bad(
        "deadline before the call",
        H,
        changed(H, deadline="2026-11-20T10:00:00+08:00"),
        "validate",
        "impossible_date",
        "deadline",
        HOTLINE_ID,
    ),
    Bad(
        "ref as an object",
        H,
        changed(H, refs=[{"no": 1}]),
        "validate",
        "wrong_type",
        "refs[0]",
        HOTLINE_ID,
    ),
    Bad(
        "latitude 95",
        H,
        changed(H, lon=120.4, lat=95),
        "validate",
        "impossible_point",
        "lat",
        HOTLINE_ID,
    ),
    Bad(
        "lon and lat swapped",
        H,
        changed(H, lon=29.62, lat=120.41 - 90),
        "normalise",
        "impossible_point",
        "lon",
        HOTLINE_ID,
    ),
    Bad(
        "unknown purpose",
        P,
        changed(P, purpose="上访"),
        "validate",
        "unknown_enum",
        "purpose",
        PETITION_ID,
    ),
    Bad(
        "petitioner without name",
        P,
        changed(P, petitioner__name=DROP),
        "validate",
        "missing_field",
        "petitioner.name",
        PETITION_ID,
    ),
    Bad(
        "negative co_signers",
        P,
        changed(P, co_signers=-1),
        "validate",
        "out_of_range",
        "co_signers",
        PETITION_ID,
    ),
    Bad(
        "boolean as a string",
        P,
        changed(P, previously_petitioned="false"),
        "validate",
        "wrong_type",
        "previously_petitioned",
        PETITION_ID,
    ),
    Bad(
        "year 2200",
        P,
        changed(P, submitted_at="2200-01-01T00:00:00+08:00"),
        "validate",
        "impossible_date",
        "submitted_at",
        PETITION_ID,
    ),
    Bad(
        "declared GB2312, bytes UTF-8",
        V,
        video_xml("GB2312").decode("gb18030").encode("utf-8"),
        "parse",
        "bad_encoding",
        "$",
    ),
    Bad(
        "declared UTF-8, bytes GB2312",
        V,
        video_xml("UTF-8").decode("utf-8").encode("gb18030"),
        "parse",
        "bad_encoding",
        "$",
    ),
    Bad(
        "declared Big5",
        V,
        video_xml("UTF-8").replace(b"UTF-8", b"Big5"),
        "parse",
        "bad_encoding",
        "$",
    ),
    Bad("billion laughs", V, BILLION_LAUGHS, "parse", "xml_forbidden", "$"),
    Bad("external entity", V, EXTERNAL_ENTITY, "parse", "xml_forbidden", "$"),
    Bad("bare DTD", V, BARE_DTD, "parse", "xml_forbidden", "$"),
    Bad(
        "unclosed element",
        V,
        b"<?xml version='1.0'?><Notify><SN>1</Notify>",
        "parse",
        "malformed_xml",
        "$",
    ),
    Bad(
        "not a Notify",
        V,
        b"<?xml version='1.0'?><Response><SN>1</SN></Response>",
        "parse",
        "wrong_document",
        "$",
    ),
    Bad(
        "JSON sent to video",
        V,
        example_bytes(G),
        "parse",
        "unsupported_media_type",
        "$",
        None,
        "application/json",
    ),
    Bad(
        "CmdType Keepalive",
        V,
        video_xml(CmdType="Keepalive"),
        "validate",
        "unknown_enum",
        "CmdType",
        VIDEO_ID,
    ),
    Bad(
        "19-digit DeviceID",
        V,
        video_xml(DeviceID="3306811000132000001"),
        "validate",
        "bad_format",
        "DeviceID",
    ),
    Bad(
        "AlarmMethod 8",
        V,
        video_xml(AlarmMethod="8"),
        "validate",
        "unknown_enum",
        "AlarmMethod",
        VIDEO_ID,
    ),
    Bad(
        "AlarmPriority 5",
        V,
        video_xml(AlarmPriority="5"),
        "validate",
        "unknown_enum",
        "AlarmPriority",
        VIDEO_ID,
    ),
    Bad(
        "AlarmPriority in words",
        V,
        video_xml(AlarmPriority="high"),
        "validate",
        "wrong_type",
        "AlarmPriority",
        VIDEO_ID,
    ),
    Bad(
        "month 13",
        V,
        video_xml(AlarmTime="2026-13-01T00:00:00"),
        "validate",
        "impossible_date",
        "AlarmTime",
        VIDEO_ID,
    ),
    Bad(
        "video 0/0",
        V,
        video_xml(Longitude="0", Latitude="0"),
        "normalise",
        "impossible_point",
        "Longitude",
        VIDEO_ID,
    ),
    Bad("missing SN", V, video_xml(SN=None), "validate", "missing_field", "SN"),
    Bad(
        "Info/AlarmType not a number",
        V,
        video_xml(Info="<AlarmType>ten</AlarmType>"),
        "validate",
        "wrong_type",
        "Info.AlarmType",
        VIDEO_ID,
    ),
]


def test_the_bad_input_suite_covers_at_least_thirty_distinct_inputs() -> None:
    assert len({(c.source, c.payload, c.content_type) for c in CASES}) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input_is_rejected_with_reason_and_field(
    connectors: Connectors, case: Bad
) -> None:
    batch = connectors[case.source].convert(case.payload, RECEIVED_AT, case.content_type)
    assert len(batch.results) == 1
    [rejection] = batch.results
    assert isinstance(rejection, Rejection), rejection
    assert (rejection.stage, rejection.reason) == (case.stage, case.reason), rejection.errors
    assert case.field in [e.field for e in rejection.errors]
    assert rejection.source is case.source
    assert rejection.source_id == case.source_id
    assert rejection.original == case.payload
    assert all(e.message for e in rejection.errors)


def test_every_problem_of_an_item_is_reported_at_once(connectors: Connectors) -> None:
    payload = changed(H, channel="fax", urgency="high", region_code="x")
    [rejection] = connectors[H].convert(payload, RECEIVED_AT).rejections
    assert {e.field for e in rejection.errors} == {"channel", "urgency", "region_code"}


def test_conditional_error_message_names_the_condition(connectors: Connectors) -> None:
    [rejection] = connectors[H].convert(changed(H, caller__phone=DROP), RECEIVED_AT).rejections
    assert str(rejection.errors[0]) == "caller.phone: is required when channel is 'phone'"


def test_payload_over_the_limit_is_too_large(make_connectors: Callable[..., Connectors]) -> None:
    small = make_connectors(max_payload_bytes=512)
    for source in load_sources().sources:
        [rejection] = small[source].convert(example_bytes(source) + b" " * 600, RECEIVED_AT).results
        assert isinstance(rejection, Rejection)
        assert rejection.reason == "too_large"


def test_hotline_app_order_needs_no_phone(connectors: Connectors) -> None:
    payload = changed(H, channel="app", caller={"name": "匿名"})
    assert len(connectors[H].convert(payload, RECEIVED_AT).events) == 1
