"""The gazetteer built from a few hand-made rows: code lookups, point-in-county, names in text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.core.events import GeoPoint
from fusionhub.core.gazetteer import County, Gazetteer, Township, Village, village_aliases

pytestmark = pytest.mark.unit


def _square(lon: float, lat: float, size: float = 1.0) -> list[list[list[tuple[float, float]]]]:
    ring = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat)]
    return [[ring]]


COUNTIES = [County("330681", "诸暨市", "绍兴市"), County("330784", "永康市", "金华市")]
TOWNSHIPS = [
    Township("330681109", "枫桥镇", "330681"),
    Township("330681001", "城关镇", "330681"),
    Township("330784001", "城关镇", "330784"),
    Township("330784114", "芝英镇", "330784"),
]
VILLAGES = [
    Village("330681109290", "枫源村委会", "330681109"),
    Village("330784114271", "枫源村委会", "330784114"),
    Village("330681109291", "新村委会", "330681109"),
    Village("330681109292", "杜黄新村委会", "330681109"),
    Village("330681109293", "社区居委会", "330681109"),
    Village("330681109294", "天竺社区居委会", "330681109"),
    Village("330681001201", "下宅村委会", "330681001"),
]
BOUNDARIES = {"330681": _square(120.0, 29.0), "330784": _square(119.5, 28.5, 0.5)}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(COUNTIES, TOWNSHIPS, VILLAGES, BOUNDARIES)


def _codes(gazetteer: Gazetteer, text: str, within: str | None = None) -> dict[str, str]:
    return {m.kind: m.code for m in gazetteer.find_in_text(text, within)}


def test_codes_look_up_their_divisions_by_name(gazetteer: Gazetteer) -> None:
    assert gazetteer.county("330681") == County("330681", "诸暨市", "绍兴市")
    township = gazetteer.township("330681109")
    village = gazetteer.village("330681109290")
    assert township is not None
    assert township.name == "枫桥镇"
    assert village is not None
    assert (village.name, village.township_code) == ("枫源村委会", "330681109")


@pytest.mark.parametrize("code", ["330999", "330681999", "330681109999", "", "abc"])
def test_unknown_codes_find_nothing(gazetteer: Gazetteer, code: str) -> None:
    assert gazetteer.county(code) is None
    assert gazetteer.township(code) is None
    assert gazetteer.village(code) is None
    assert not gazetteer.knows(code)


@pytest.mark.parametrize(
    ("lon", "lat", "county"),
    [(120.5, 29.5, "330681"), (119.7, 28.7, "330784"), (119.7, 29.5, None), (125.0, 40.0, None)],
)
def test_points_fall_in_the_county_whose_boundary_holds_them(
    gazetteer: Gazetteer, lon: float, lat: float, county: str | None
) -> None:
    assert gazetteer.county_of_point(GeoPoint(lon, lat)) == county


def test_non_finite_point_is_in_no_county(gazetteer: Gazetteer) -> None:
    assert gazetteer.county_of_point(GeoPoint(float("nan"), 29.5)) is None


def test_full_address_names_county_township_and_village(gazetteer: Gazetteer) -> None:
    matches = gazetteer.find_in_text("诸暨市枫桥镇枫源村下宅18号")
    assert [(m.kind, m.code, m.text, m.start) for m in matches] == [
        ("county", "330681", "诸暨市", 0),
        ("township", "330681109", "枫桥镇", 3),
        ("village", "330681109290", "枫源村", 6),
    ]
    assert matches[2].name == "枫源村委会"


def test_village_name_found_in_two_counties_is_not_trusted_province_wide(
    gazetteer: Gazetteer,
) -> None:
    assert _codes(gazetteer, "枫源村下宅18号") == {}


@pytest.mark.parametrize(
    ("within", "village"), [("330681", "330681109290"), ("330784", "330784114271")]
)
def test_scope_given_picks_the_village_of_that_county(
    gazetteer: Gazetteer, within: str, village: str
) -> None:
    assert _codes(gazetteer, "枫源村下宅18号", within)["village"] == village


def test_county_name_in_text_narrows_the_search(gazetteer: Gazetteer) -> None:
    assert _codes(gazetteer, "永康市枫源村") == {"county": "330784", "village": "330784114271"}


def test_recurring_township_name_needs_a_scope(gazetteer: Gazetteer) -> None:
    assert "township" not in _codes(gazetteer, "城关镇人民路5号")
    assert _codes(gazetteer, "城关镇人民路5号", "330784")["township"] == "330784001"
    assert _codes(gazetteer, "永康市城关镇人民路5号")["township"] == "330784001"


def test_address_in_another_county_than_the_scope_names_nothing(gazetteer: Gazetteer) -> None:
    assert _codes(gazetteer, "永康市枫源村", "330681") == {}
    assert _codes(gazetteer, "永康市芝英镇", "330681109") == {}


def test_township_named_in_text_confines_the_village(gazetteer: Gazetteer) -> None:
    assert _codes(gazetteer, "诸暨市下宅村") == {"county": "330681", "village": "330681001201"}
    assert "village" not in _codes(gazetteer, "诸暨市枫桥镇下宅村")


def test_longest_name_wins(gazetteer: Gazetteer) -> None:
    assert _codes(gazetteer, "枫桥镇杜黄新村")["village"] == "330681109292"


def test_two_character_village_name_needs_a_township(gazetteer: Gazetteer) -> None:
    assert _codes(gazetteer, "枫桥镇新村3组")["village"] == "330681109291"
    assert _codes(gazetteer, "新村3组", "330681109")["village"] == "330681109291"
    assert "village" not in _codes(gazetteer, "诸暨市幸福新村3幢")


@pytest.mark.parametrize("text", ["社区", "村", "枫桥镇社区服务中心", "枫桥镇村口", "枫桥镇居委会"])
def test_generic_words_never_name_a_village(gazetteer: Gazetteer, text: str) -> None:
    assert "village" not in _codes(gazetteer, text)


def test_community_is_found_by_its_short_name(gazetteer: Gazetteer) -> None:
    assert _codes(gazetteer, "枫桥镇天竺社区")["village"] == "330681109294"


def test_unknown_scope_is_refused(gazetteer: Gazetteer) -> None:
    with pytest.raises(ValueError, match="330999"):
        gazetteer.find_in_text("枫源村", "330999")


@pytest.mark.parametrize(
    ("name", "aliases"),
    [
        ("枫源村委会", {"枫源村委会", "枫源村"}),
        ("富城村村民委员会", {"富城村村民委员会", "富城村村", "富城村"}),
        ("天竺社区居委会", {"天竺社区居委会", "天竺社区"}),
        ("六居委会", {"六居委会", "六社区"}),
        ("围垦生活区", {"围垦生活区"}),
        ("村委会", set()),
        ("社区", set()),
    ],
)
def test_village_aliases_are_the_ways_addresses_write_names(name: str, aliases: set[str]) -> None:
    assert village_aliases(name) == aliases


PIECES = [
    "诸暨市",
    "永康市",
    "枫桥镇",
    "城关镇",
    "芝英镇",
    "枫源村",
    "新村",
    "社区",
    "下宅",
    "18号",
]


@given(st.lists(st.sampled_from(PIECES), max_size=8), st.sampled_from([None, "330681", "330784"]))
def test_every_match_lies_in_scope_and_quotes_the_text(
    pieces: list[str], within: str | None
) -> None:
    gazetteer = Gazetteer(COUNTIES, TOWNSHIPS, VILLAGES, BOUNDARIES)
    text = "".join(pieces)
    matches = gazetteer.find_in_text(text, within)
    for match in matches:
        assert text[match.start : match.start + len(match.text)] == match.text
        if within is not None:
            assert match.code.startswith(within) or within.startswith(match.code)
    towns = {m.code for m in matches if m.kind == "township"}
    for village in (m for m in matches if m.kind == "village"):
        assert not towns or village.code[:9] in towns
