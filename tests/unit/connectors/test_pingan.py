"""平安浙江 app and 平安通 handset reports: the examples, the reporter, the photos, the point,
the category, and the inputs refused with their reasons."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from fusionhub.connectors.base import BaseConnector
from fusionhub.connectors.errors import Rejection
from fusionhub.core.correlation import correlate
from fusionhub.core.events import Event, GeoPoint, Source
from fusionhub.core.geo import haversine_m
from fusionhub.core.policy import default_policy
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.pingan import PINGAN

from .builders import DROP, EXAMPLES, RECEIVED_AT, changed, example_bytes
from .test_connector_rejections import Bad

pytestmark = pytest.mark.unit

Connectors = dict[Source, BaseConnector]
HANDSET_EXAMPLE = EXAMPLES / "pingan-handset.json"


def handset(**changes: Any) -> bytes:
    doc = json.loads(HANDSET_EXAMPLE.read_text(encoding="utf-8"))
    doc.update({k: v for k, v in changes.items() if v is not DROP})
    for k in [k for k, v in changes.items() if v is DROP]:
        del doc[k]
    return json.dumps(doc, ensure_ascii=False).encode()


def event_of(connectors: Connectors, payload: bytes) -> Event:
    [result] = connectors[PINGAN].convert(payload, RECEIVED_AT).results
    assert isinstance(result, Event), result
    return result


def test_a_citizens_report_is_placed_by_its_address_and_its_point_corrected_from_gcj02(
    connectors: Connectors,
) -> None:
    event = event_of(connectors, example_bytes(PINGAN))
    j = event.jurisdiction
    assert (j.county_code, j.township_code, j.village_code) == (
        "330681",
        "330681109",
        "330681109290",
    )
    assert event.point is not None
    assert 300 <= haversine_m(event.point, GeoPoint(120.41861, 29.62208)) <= 700
    assert (event.point_crs, event.category, event.title) == (
        "GCJ02",
        "dispute.neighbour",
        "邻里纠纷",
    )
    assert event.event_ref == "pingan:PA-330681-20261125-000123"


def test_a_citizen_is_masked_and_tokenised_and_counts_as_a_person_of_the_incident(
    connectors: Connectors,
) -> None:
    event = event_of(connectors, example_bytes(PINGAN))
    [citizen] = event.parties
    assert (citizen.role, citizen.phone_masked, citizen.name_masked) == (
        "citizen",
        "138****2345",
        "何**",
    )
    assert citizen.phone_token in event.person_tokens
    assert "13857512345" not in repr(event)
    assert event.attributes["verified"] == "true"


def test_an_anonymous_citizen_keeps_a_token_that_links_their_reports_but_no_name(
    connectors: Connectors,
) -> None:
    named = event_of(connectors, example_bytes(PINGAN))
    hidden = event_of(connectors, changed(PINGAN, reporter__anonymous=True))
    [party] = hidden.parties
    assert party.name_masked is None
    assert party.phone_token == named.parties[0].phone_token
    assert hidden.attributes["anonymous"] == "true"


def test_a_handset_report_is_placed_by_its_grid_code_and_its_worker_is_no_party_of_it(
    connectors: Connectors,
) -> None:
    event = event_of(connectors, HANDSET_EXAMPLE.read_bytes())
    j = event.jurisdiction
    assert (j.grid_code, j.village_rule) == ("330681109290002", "grid_code")
    assert event.parties[0].role == "reporter"
    assert event.person_tokens == frozenset()
    assert event.refs == ("WG-330681109-20261125-00017", "12345-330681-20261125-000123")


def test_photos_travel_as_metadata_and_hashes_only(connectors: Connectors) -> None:
    event = event_of(connectors, example_bytes(PINGAN))
    hashes = event.attributes["photo_sha256"].split(",")
    assert (event.attributes["photo_count"], len(hashes)) == ("2", 2)
    assert all(len(h) == 64 for h in hashes)


def test_a_photo_link_or_image_bytes_are_cut_off_before_anything_reads_the_record(
    connectors: Connectors,
) -> None:
    clean = json.loads(example_bytes(PINGAN))
    doc = json.loads(example_bytes(PINGAN))
    doc["photos"][0]["data"] = "/9j/4AAQSkZJRgABAQ" * 50
    doc["photos"][1]["url"] = "https://pingan.example/p/1.jpg"
    event = event_of(connectors, json.dumps(doc, ensure_ascii=False).encode())
    assert event.attributes["photos_stripped"] == "photos[0].data, photos[1].url"
    assert "4AAQ" not in repr(event)
    assert "pingan.example" not in repr(event)
    stripped = json.dumps(clean, ensure_ascii=False).encode()
    assert event.fingerprint == hashlib.sha256(stripped).hexdigest()
    doc["kind"] = "不存在"
    [rejection] = connectors[PINGAN].convert(json.dumps(doc).encode(), RECEIVED_AT).results
    assert isinstance(rejection, Rejection)
    assert b"4AAQ" not in rejection.original  # the dead letter seals the record without it
    assert b"pingan.example" not in rejection.original


def test_a_fix_from_the_cell_network_is_not_used_for_distance(connectors: Connectors) -> None:
    event = event_of(connectors, changed(PINGAN, location__accuracy_m=2500.0))
    assert event.point is None
    assert event.attributes["point_dropped"] == "accuracy"
    assert event.jurisdiction.village_code == "330681109290"


def test_without_an_address_the_report_number_names_the_county(connectors: Connectors) -> None:
    payload = changed(PINGAN, location__address=DROP, location__accuracy_m=5000.0)
    event = event_of(connectors, payload)
    assert (event.jurisdiction.county_code, event.jurisdiction.county_rule) == (
        "330681",
        "issuer_code",
    )


@pytest.mark.parametrize(
    ("changes", "category", "severity"),
    [
        ({"category": "城市管理/占道经营"}, "street_vending", 3),
        ({"category": "消防安全/新的小类"}, "fire_hazard", 3),
        ({"category": DROP, "description": "楼下饭店后门冒黑烟着火了"}, "fire", 3),
        ({"category": DROP, "kind": "隐患举报", "description": "看一下"}, "safety_hazard", 3),
        ({"category": DROP, "kind": "建议", "description": "多装几盏路灯"}, "roads", 4),
        ({"urgent": True}, "dispute.neighbour", 2),
    ],
)
def test_categories_come_from_the_table_and_severity_from_kind_and_urgency(
    connectors: Connectors, changes: dict[str, Any], category: str, severity: int
) -> None:
    event = event_of(connectors, changed(PINGAN, **changes))
    assert (event.category, event.severity) == (category, severity)


def test_the_app_report_grid_report_and_call_about_one_dispute_make_one_case(
    connectors: Connectors,
) -> None:
    events = [
        event_of(connectors, example_bytes(PINGAN)),
        *connectors[GRID].convert(example_bytes(GRID), RECEIVED_AT).events,
        *connectors[HOTLINE].convert(example_bytes(HOTLINE), RECEIVED_AT).events,
        event_of(connectors, HANDSET_EXAMPLE.read_bytes()),
    ]
    state, _ = correlate(events, default_policy())
    assert [sorted(c.event_refs) for c in state.cases.values()] == [
        sorted(e.event_ref for e in events)
    ]


P = PINGAN
ID = "PA-330681-20261125-000123"
PINGAN_CASES = [
    Bad(
        "unknown channel",
        P,
        changed(P, channel="wechat"),
        "validate",
        "unknown_enum",
        "channel",
        ID,
    ),
    Bad("unknown kind", P, changed(P, kind="投诉"), "validate", "unknown_enum", "kind", ID),
    Bad("no reporter", P, changed(P, reporter=DROP), "validate", "missing_field", "reporter", ID),
    Bad(
        "reporter without account id",
        P,
        changed(P, reporter__id=DROP),
        "validate",
        "missing_field",
        "reporter.id",
        ID,
    ),
    Bad(
        "citizen without location",
        P,
        changed(P, location=DROP),
        "validate",
        "missing_field",
        "location",
        ID,
    ),
    Bad(
        "location with neither point nor address",
        P,
        changed(P, location={"accuracy_m": 10.0}),
        "validate",
        "missing_field",
        "location.lon",
        ID,
    ),
    Bad(
        "handset without grid code",
        P,
        handset(grid_code=DROP),
        "validate",
        "missing_field",
        "grid_code",
        "PA-330681-20261125-000131",
    ),
    Bad(
        "photo hash not sha256",
        P,
        changed(P, photos__0__sha256="abc123"),
        "validate",
        "bad_format",
        "photos[0].sha256",
        ID,
    ),
    Bad(
        "photo of an unknown type",
        P,
        changed(P, photos__1__mime="application/pdf"),
        "validate",
        "unknown_enum",
        "photos[1].mime",
        ID,
    ),
    Bad(
        "ten photos",
        P,
        changed(P, photos=[{"sha256": "0" * 64}] * 10),
        "validate",
        "too_long",
        "photos",
        ID,
    ),
    Bad(
        "occurred after submitted",
        P,
        changed(P, occurred_at="2026-11-25T18:00:00+08:00"),
        "validate",
        "impossible_date",
        "occurred_at",
        ID,
    ),
    Bad(
        "accuracy as text",
        P,
        changed(P, location__accuracy_m="12m"),
        "validate",
        "wrong_type",
        "location.accuracy_m",
        ID,
    ),
    Bad(
        "point out of China",
        P,
        changed(P, location__lon=29.62, location__lat=120.41),
        "validate",
        "impossible_point",
        "location.lat",
        ID,
    ),
]


@pytest.mark.parametrize("case", PINGAN_CASES, ids=[c.name for c in PINGAN_CASES])
def test_a_bad_report_is_refused_with_its_reason_and_field(
    connectors: Connectors, case: Bad
) -> None:
    [rejection] = connectors[case.source].convert(case.payload, RECEIVED_AT).results
    assert isinstance(rejection, Rejection), rejection
    assert (rejection.stage, rejection.reason) == (case.stage, case.reason), rejection.errors
    assert case.field in [e.field for e in rejection.errors]
    assert rejection.source_id == case.source_id


def test_the_examples_are_valid_against_the_raw_schema() -> None:
    from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry

    codec = AvroCodec(EmbeddedSchemaRegistry())
    for path in (EXAMPLES / "pingan.json", HANDSET_EXAMPLE):
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        framed = codec.encode("fusionhub.raw.PinganReport", doc)
        decoded = codec.decode(framed, "fusionhub.raw.PinganReport")
        assert decoded["report_no"] == doc["report_no"]
