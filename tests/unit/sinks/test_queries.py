from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from fusionhub.sinks import CaseFilter, CaseQueries, SqlCaseStore
from tests.unit.sinks.builders import T0, case_record, event_record, score, utc

pytestmark = pytest.mark.unit

LANXI = "330781"


@pytest.fixture
def queries(store: SqlCaseStore, engine: Engine) -> CaseQueries:
    store.write_batch(
        [
            case_record("C1", 1, township="330681109", status="new", opened_at=T0),
            case_record(
                "C2",
                1,
                township="330681109",
                status="closed",
                priority=1,
                opened_at=T0 + timedelta(hours=1),
            ),
            case_record(
                "C3",
                1,
                township="330681001",
                status="new",
                platform="市场监管",
                opened_at=T0 + timedelta(hours=2),
            ),
            case_record(
                "C4", 1, township=f"{LANXI}001", status="new", opened_at=T0 + timedelta(hours=3)
            ),
        ],
        [],
    )
    return CaseQueries(engine)


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [row["case_id"] for row in rows]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CaseFilter(), ["C4", "C3", "C2", "C1"]),
        (CaseFilter(county="330681"), ["C3", "C2", "C1"]),
        (CaseFilter(township="330681109", status="new"), ["C1"]),
        (CaseFilter(platform="市场监管"), ["C3"]),
        (CaseFilter(priority=1), ["C2"]),
        (CaseFilter(county="330681", status="new"), ["C3", "C1"]),
        (CaseFilter(status="escalated"), []),
    ],
)
def test_list_cases_returns_the_matching_cases_most_recently_updated_first(
    queries: CaseQueries, filters: CaseFilter, expected: list[str]
) -> None:
    assert ids(queries.list_cases(filters)) == expected


def test_the_opened_range_includes_its_start_and_excludes_its_end_in_any_time_zone(
    queries: CaseQueries,
) -> None:
    window = CaseFilter(opened_from=utc(T0 + timedelta(hours=1)), opened_to=T0 + timedelta(hours=3))
    assert ids(queries.list_cases(window)) == ["C3", "C2"]


def test_pages_of_cases_do_not_overlap_and_together_hold_every_case(queries: CaseQueries) -> None:
    pages = [ids(queries.list_cases(limit=3, offset=offset)) for offset in (0, 3, 6)]
    assert pages == [["C4", "C3", "C2"], ["C1"], []]


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_a_page_size_out_of_range_is_refused(queries: CaseQueries, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        queries.list_cases(limit=limit, offset=offset)


def test_a_filter_value_is_a_parameter_not_sql(queries: CaseQueries) -> None:
    assert queries.list_cases(CaseFilter(county="330681' OR '1'='1")) == []


def test_get_case_returns_the_timeline_and_every_report_with_its_score(
    store: SqlCaseStore, queries: CaseQueries
) -> None:
    store.write_batch(
        [
            case_record(
                "C9",
                2,
                event_refs=["grid:C9-1", "hotline:H1", "petition:P1"],
                members={"hotline:H1": score(0.82, person=0.4, text=0.12)},
                status="dispatched",
            )
        ],
        [event_record("grid:C9-1"), event_record("hotline:H1")],
    )
    case = queries.get_case("C9")
    assert case is not None
    assert (case["version"], case["status"], case["report_count"]) == (2, "dispatched", 3)
    assert case["sources"] == ["grid", "hotline"]
    assert [(step["seq"], step["actor"]) for step in case["history"]] == [(1, "a1"), (2, "a2")]
    linked = {item["event_ref"]: item for item in case["events"]}
    assert [item["event_ref"] for item in case["events"]] == [
        "grid:C9-1",
        "hotline:H1",
        "petition:P1",
    ]
    assert linked["grid:C9-1"]["score"] is None  # the opening report was not compared
    assert linked["hotline:H1"]["score"]["total"] == 0.82
    assert linked["hotline:H1"]["score"]["person"] == 0.4
    assert linked["hotline:H1"]["event"]["parties"][0]["phone_masked"] == "138****2345"
    assert linked["hotline:H1"]["event"]["occurred_at"] == T0
    assert linked["petition:P1"]["event"] is None  # not arrived yet


def test_get_case_of_an_unknown_id_is_none(queries: CaseQueries) -> None:
    assert queries.get_case("nope") is None


def test_counts_by_township_and_status_add_up_to_the_cases_of_each_county(
    queries: CaseQueries,
) -> None:
    everything = queries.counts_by_township_status()
    assert sum(row["count"] for row in everything) == 4
    assert queries.counts_by_township_status(county="330681") == [
        {"county_code": "330681", "township_code": "330681001", "status": "new", "count": 1},
        {"county_code": "330681", "township_code": "330681109", "status": "closed", "count": 1},
        {"county_code": "330681", "township_code": "330681109", "status": "new", "count": 1},
    ]
