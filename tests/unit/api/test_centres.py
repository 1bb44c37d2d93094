from __future__ import annotations

import pytest

from fusionhub.api.centres import PROVINCE, Centre, CentreDirectory

pytestmark = pytest.mark.unit

COUNTY = Centre("zhuji", "诸暨市社会治理中心", county="330681")
TOWNSHIP = Centre("fengqiao", "枫桥镇综治中心", township="330681109")
DEPARTMENT = Centre("market", "市场监管所", county="330681", department="市场监管所")
ANY_DEPARTMENT = Centre("roads", "公路段", department="公路段")

# (county, township, department) of a case, and who sees it.
CASES = {
    "fengqiao_new": ("330681", "330681109", None),
    "jiyang_dispatched_to_market": ("330681", "330681001", "市场监管所"),
    "yiwu_dispatched_to_market": ("330782", "330782001", "市场监管所"),
    "zhuji_without_township": ("330681", None, None),
}
SEES = {
    PROVINCE: set(CASES),
    COUNTY: {"fengqiao_new", "jiyang_dispatched_to_market", "zhuji_without_township"},
    TOWNSHIP: {"fengqiao_new"},
    DEPARTMENT: {"jiyang_dispatched_to_market"},
    ANY_DEPARTMENT: set(),
}


@pytest.mark.parametrize("centre", list(SEES), ids=lambda c: c.key)
def test_each_centre_sees_its_jurisdiction_and_nothing_else(centre: Centre) -> None:
    seen = {name for name, codes in CASES.items() if centre.sees(*codes)}
    assert seen == SEES[centre]


def test_the_kind_follows_from_what_is_set() -> None:
    kinds = [c.kind for c in (PROVINCE, COUNTY, TOWNSHIP, DEPARTMENT)]
    assert kinds == ["province", "county", "township", "department"]


def test_a_department_reports_progress_and_resolution_only() -> None:
    assert [
        a for a in ("accept", "dispatch", "progress", "resolve", "close") if DEPARTMENT.may(a)
    ] == [
        "progress",
        "resolve",
    ]
    assert all(COUNTY.may(a) for a in ("accept", "dispatch", "merge", "split", "close"))


def test_a_case_as_the_store_gives_it_is_judged_by_its_codes_and_department() -> None:
    case = {"county_code": "330681", "township_code": "330681001", "department": "市场监管所"}
    assert DEPARTMENT.sees_case(case)
    assert not TOWNSHIP.sees_case(case)


def test_the_directory_finds_a_centre_by_its_token_only() -> None:
    directory = CentreDirectory([("p" * 20, PROVINCE), ("t" * 20, TOWNSHIP)])
    assert directory.find("t" * 20) is TOWNSHIP
    assert directory.find("p" * 20) is PROVINCE
    assert directory.find("t" * 19) is None
    assert directory.find("") is None


def test_a_directory_without_any_token_is_refused() -> None:
    with pytest.raises(ValueError, match="FUSIONHUB_API__TOKEN"):
        CentreDirectory([("", PROVINCE)])


def test_what_a_centre_says_about_itself_has_no_token() -> None:
    assert TOWNSHIP.describe() == {
        "key": "fengqiao",
        "name": "枫桥镇综治中心",
        "kind": "township",
        "county_code": None,
        "township_code": "330681109",
        "department": None,
    }
