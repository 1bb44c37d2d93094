from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.api.text import (
    case_page_text,
    case_text,
    columns,
    fit,
    local_time,
    table,
    township_counts_text,
)

pytestmark = pytest.mark.unit


def summary(case_id: str, township_name: str | None = "枫桥镇") -> dict[str, Any]:
    return {
        "case_id": case_id,
        "status": "new",
        "priority": 2,
        "platform": "综治工作",
        "category": "dispute.neighbour",
        "township_code": "330681109",
        "township_name": township_name,
        "opened_at": "2026-11-25T00:00:00+00:00",
        "report_count": 1,
    }


@given(st.text(alphabet="枫桥镇abc…-", max_size=30), st.integers(min_value=1, max_value=20))
def test_fitting_text_fills_exactly_the_columns_asked_for_when_it_can(
    text: str, width: int
) -> None:
    fitted = fit(text, width)
    # A wide character cannot be split, so a cut may leave one column short.
    assert width - 1 <= columns(fitted) <= width
    if columns(text) <= width:
        assert fitted.rstrip(" ") == text.rstrip(" ")


def test_table_columns_line_up_with_chinese_text() -> None:
    lines = table(["A", "B"], [["枫桥镇", "x"], ["abc", "y"]]).splitlines()
    # The second column starts after six columns of the first and two of space on every line.
    assert [columns(line) for line in lines] == [9, 9, 9, 9]
    assert [line[-1] for line in lines] == ["B", "-", "x", "y"]


def test_times_are_shown_in_china_time() -> None:
    assert local_time("2026-11-25T00:00:00+00:00") == "2026-11-25 08:00"
    assert local_time(None) == "-"


def test_a_partial_page_says_which_cases_it_shows_and_where_the_next_page_starts() -> None:
    page = {"total": 5, "limit": 2, "offset": 2, "items": [summary("C3"), summary("C4", None)]}
    text = case_page_text(page)
    assert "cases 3-4 of 5 (next page: --offset 4)" in text
    assert "枫桥镇" in text
    assert "330681109" in text
    assert "2026-11-25 08:00" in text


def test_an_empty_page_says_so() -> None:
    assert case_page_text({"total": 0, "limit": 20, "offset": 0, "items": []}).startswith(
        "no cases"
    )


def test_a_case_shows_its_timeline_and_why_each_report_joined() -> None:
    case = {
        **summary("C9"),
        "version": 2,
        "level": "township",
        "county_code": "330681",
        "county_name": "诸暨市",
        "village_code": None,
        "updated_at": "2026-11-25T01:00:00+00:00",
        "deadline": "2026-11-28T00:00:00+00:00",
        "sources": ["grid", "hotline"],
        "history": [
            {
                "seq": 1,
                "at": "2026-11-25T00:00:00Z",
                "status": "new",
                "actor": "correlation",
                "note": "opened",
            },
        ],
        "events": [
            {
                "event_ref": "grid:G1",
                "score": None,
                "event": {
                    "occurred_at": "2026-11-25T00:00:00Z",
                    "severity": 3,
                    "address": "某村3组",
                    "text": "楼道堆物",
                },
            },
            {
                "event_ref": "hotline:H1",
                "event": None,
                "score": {"total": 0.82, "person": 0.4, "ref": 0.0, "veto": None},
            },
        ],
    }
    text = case_text(case)
    assert "case C9  [new]  priority 2" in text
    assert "2026-11-25 08:00  new" in text
    assert "opened" in text
    assert "#0 grid:G1" in text
    assert "opened the case" in text
    assert "楼道堆物" in text
    assert "#1 hotline:H1  (report not stored yet)" in text
    assert "score 0.82 (person 0.40)" in text


def test_township_counts_get_one_column_per_status_present() -> None:
    counts = {
        "county": None,
        "total": 3,
        "townships": [
            {
                "township_code": "330681109",
                "township_name": "枫桥镇",
                "total": 3,
                "by_status": {"closed": 1, "new": 2},
            },
        ],
    }
    lines = township_counts_text(counts).splitlines()
    assert lines[0].split() == ["TOWNSHIP", "NAME", "TOTAL", "NEW", "CLOSED"]
    assert lines[2].split() == ["330681109", "枫桥镇", "3", "2", "1"]
    assert lines[-1] == "3 cases in 1 townships"
