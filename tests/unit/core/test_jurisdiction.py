"""Jurisdiction resolution on Zhejiang's real divisions, with the examples of docs/sources.md."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.core.events import GeoPoint, Jurisdiction
from fusionhub.core.gazetteer import Gazetteer
from fusionhub.core.geo import to_wgs84
from fusionhub.core.jurisdiction import CameraInfo, LocationHints, resolve_jurisdiction
from fusionhub.regions import load_camera_registry, load_gazetteer

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).parents[2] / "fixtures" / "examples"
RULES = {
    "grid_code",
    "camera_registry",
    "device_id",
    "region_code",
    "address_text",
    "point_in_county",
    "issuer_code",
    "text_mention",
}
WEST_LAKE = GeoPoint(120.1445, 30.2440)
FENGQIAO_CAMERA = "33068110001320000012"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def cameras() -> dict[str, CameraInfo]:
    return load_camera_registry(EXAMPLES / "cameras.csv")


def _levels(j: Jurisdiction) -> dict[str, tuple[str | None, str | None]]:
    return {
        "county": (j.county_code, j.county_rule),
        "township": (j.township_code, j.township_rule),
        "village": (j.village_code, j.village_rule),
        "grid": (j.grid_code, j.grid_rule),
    }


def test_grid_code_decides_county_township_village_and_grid(gazetteer: Gazetteer) -> None:
    report = json.loads((EXAMPLES / "grid.json").read_text(encoding="utf-8"))
    location = report["location"]
    point = to_wgs84(location["lon"], location["lat"], location["crs"])
    hints = LocationHints(
        grid_code=report["grid_code"], address_texts=(location["address"],), point=point
    )
    jurisdiction, used_point = resolve_jurisdiction(hints, gazetteer)
    assert _levels(jurisdiction) == {
        "county": ("330681", "grid_code"),
        "township": ("330681109", "grid_code"),
        "village": ("330681109290", "grid_code"),
        "grid": ("330681109290002", "grid_code"),
    }
    assert used_point == point


def test_hotline_address_gives_the_village_inside_the_region_code(gazetteer: Gazetteer) -> None:
    order = json.loads((EXAMPLES / "hotline.json").read_text(encoding="utf-8"))
    hints = LocationHints(region_code=order["region_code"], address_texts=(order["address"],))
    jurisdiction, point = resolve_jurisdiction(hints, gazetteer)
    assert _levels(jurisdiction) == {
        "county": ("330681", "region_code"),
        "township": ("330681109", "region_code"),
        "village": ("330681109290", "address_text"),
        "grid": (None, None),
    }
    assert point is None


def test_address_alone_gives_all_three_levels(gazetteer: Gazetteer) -> None:
    hints = LocationHints(address_texts=("诸暨市枫桥镇枫源村下宅",))
    jurisdiction, _ = resolve_jurisdiction(hints, gazetteer)
    assert (jurisdiction.village_code, jurisdiction.county_rule) == ("330681109290", "address_text")


def test_camera_without_a_point_gets_the_registry_point_and_grid(
    gazetteer: Gazetteer, cameras: dict[str, CameraInfo]
) -> None:
    jurisdiction, point = resolve_jurisdiction(
        LocationHints(device_id=FENGQIAO_CAMERA), gazetteer, cameras
    )
    assert point == cameras[FENGQIAO_CAMERA].point
    assert point is not None
    assert _levels(jurisdiction)["grid"] == (cameras[FENGQIAO_CAMERA].grid_code, "camera_registry")
    assert _levels(jurisdiction)["township"] == ("330681109", "camera_registry")


def test_alarm_point_wins_over_the_registry_point(
    gazetteer: Gazetteer, cameras: dict[str, CameraInfo]
) -> None:
    own = GeoPoint(120.411, 29.627)
    _, point = resolve_jurisdiction(
        LocationHints(device_id=FENGQIAO_CAMERA, point=own), gazetteer, cameras
    )
    assert point == own


def test_camera_without_grid_gives_its_township(gazetteer: Gazetteer) -> None:
    camera = CameraInfo("33068110001320000099", "路口", None, None, "330681109")
    jurisdiction, point = resolve_jurisdiction(
        LocationHints(device_id=camera.device_id), gazetteer, {camera.device_id: camera}
    )
    assert _levels(jurisdiction)["township"] == ("330681109", "camera_registry")
    assert (jurisdiction.village_code, point) == (None, None)


def test_unregistered_device_id_gives_only_its_county(gazetteer: Gazetteer) -> None:
    jurisdiction, _ = resolve_jurisdiction(
        LocationHints(device_id="33068199001320000001"), gazetteer
    )
    assert _levels(jurisdiction)["county"] == ("330681", "device_id")
    assert jurisdiction.township_code is None


def test_point_in_west_lake_falls_in_xihu_district(gazetteer: Gazetteer) -> None:
    jurisdiction, point = resolve_jurisdiction(LocationHints(point=WEST_LAKE), gazetteer)
    assert _levels(jurisdiction)["county"] == ("330106", "point_in_county")
    assert (jurisdiction.township_code, point) == (None, WEST_LAKE)


def test_point_at_sea_decides_nothing(gazetteer: Gazetteer) -> None:
    jurisdiction, _ = resolve_jurisdiction(LocationHints(point=GeoPoint(124.5, 28.0)), gazetteer)
    assert jurisdiction == Jurisdiction()


def test_township_of_another_county_is_never_reported(gazetteer: Gazetteer) -> None:
    hints = LocationHints(
        device_id="33068199001320000001",
        region_code="330106002",
        address_texts=("杭州市西湖区北山街道上保社区",),
        point=WEST_LAKE,
    )
    jurisdiction, _ = resolve_jurisdiction(hints, gazetteer)
    assert _levels(jurisdiction)["county"] == ("330681", "device_id")
    assert (jurisdiction.township_code, jurisdiction.village_code) == (None, None)


def test_recurring_township_name_is_trusted_only_inside_the_known_county(
    gazetteer: Gazetteer,
) -> None:
    alone, _ = resolve_jurisdiction(LocationHints(address_texts=("白云街道",)), gazetteer)
    assert alone == Jurisdiction()
    scoped, _ = resolve_jurisdiction(
        LocationHints(region_code="330783", address_texts=("白云街道",)), gazetteer
    )
    assert _levels(scoped)["township"] == ("330783004", "address_text")


def test_an_order_numbered_by_a_county_call_centre_finds_its_township_inside_that_county(
    gazetteer: Gazetteer,
) -> None:
    alone, _ = resolve_jurisdiction(LocationHints(address_texts=("白云街道",)), gazetteer)
    assert alone == Jurisdiction()
    numbered, _ = resolve_jurisdiction(
        LocationHints(address_texts=("白云街道",), issuer_code="330783"), gazetteer
    )
    assert _levels(numbered)["county"] == ("330783", "issuer_code")
    assert _levels(numbered)["township"] == ("330783004", "address_text")


def test_the_issuing_county_never_overrides_a_county_the_report_itself_gives(
    gazetteer: Gazetteer,
) -> None:
    hints = LocationHints(address_texts=("诸暨市枫桥镇枫源村",), issuer_code="330783")
    jurisdiction, _ = resolve_jurisdiction(hints, gazetteer)
    assert _levels(jurisdiction)["county"] == ("330681", "address_text")
    assert jurisdiction.village_code == "330681109290"


def test_a_callers_words_give_the_village_only_when_the_address_does_not(
    gazetteer: Gazetteer,
) -> None:
    words = ("市民来电反映：枫桥镇枫源村下宅垃圾好几天没人收。",)
    told, _ = resolve_jurisdiction(
        LocationHints(issuer_code="330681", mention_texts=words), gazetteer
    )
    assert _levels(told)["village"] == ("330681109290", "text_mention")
    addressed, _ = resolve_jurisdiction(
        LocationHints(region_code="330681109290", mention_texts=("路过暨阳街道时看到",)),
        gazetteer,
    )
    assert _levels(addressed)["village"] == ("330681109290", "region_code")


@pytest.mark.parametrize(
    "hints",
    [
        LocationHints(grid_code="330681109999001"),
        LocationHints(grid_code="33068110929000X"),
        LocationHints(region_code="999999"),
        LocationHints(region_code="33068"),
        LocationHints(region_code="abcdef"),
        LocationHints(device_id="99999910001320000012"),
        LocationHints(device_id=""),
        LocationHints(issuer_code="999999"),
        LocationHints(issuer_code="330681109"),
    ],
)
def test_unknown_codes_are_ignored(gazetteer: Gazetteer, hints: LocationHints) -> None:
    assert resolve_jurisdiction(hints, gazetteer) == (Jurisdiction(), None)


def test_unknown_grid_falls_through_to_the_next_rule(gazetteer: Gazetteer) -> None:
    hints = LocationHints(grid_code="330681109999001", region_code="330681109")
    jurisdiction, _ = resolve_jurisdiction(hints, gazetteer)
    assert _levels(jurisdiction)["township"] == ("330681109", "region_code")
    assert jurisdiction.grid_code is None


HINT_POOL = st.builds(
    LocationHints,
    grid_code=st.sampled_from([None, "330681109290002", "330106002051001", "330681109999001"]),
    device_id=st.sampled_from([None, FENGQIAO_CAMERA, "33010610001320000001", "1234"]),
    region_code=st.sampled_from([None, "330681", "330681109", "330106002", "330784114271"]),
    address_texts=st.lists(
        st.sampled_from(["诸暨市枫桥镇枫源村下宅", "枫源村", "北山街道上保社区", "永康市芝英镇"]),
        max_size=2,
    ).map(tuple),
    point=st.sampled_from([None, WEST_LAKE, GeoPoint(120.41, 29.62)]),
)


@given(hints=HINT_POOL)
def test_every_level_lies_inside_the_one_above(
    gazetteer: Gazetteer, cameras: dict[str, CameraInfo], hints: LocationHints
) -> None:
    jurisdiction, _ = resolve_jurisdiction(hints, gazetteer, cameras)
    chain = [code for code, _ in _levels(jurisdiction).values()]
    for upper, lower in itertools.pairwise(chain):
        if lower is not None:
            assert upper is not None
            assert lower.startswith(upper)
    for code, rule in _levels(jurisdiction).values():
        assert (code is None) == (rule is None)
        assert rule is None or rule in RULES
