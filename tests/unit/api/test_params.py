from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.api.params import (
    CHINA_TIME,
    DEFAULT_LIMIT,
    ParamError,
    parse_case_list,
    parse_county_only,
    parse_moment,
)

pytestmark = pytest.mark.unit


def problems(pairs: list[tuple[str, str]], max_limit: int = 100) -> dict[str, str]:
    with pytest.raises(ParamError) as refused:
        parse_case_list(pairs, max_limit)
    return {p.field: p.message for p in refused.value.problems}


def test_no_parameters_ask_for_the_first_page_of_everything_newest_opened_first() -> None:
    query = parse_case_list([], 500)
    assert (query.counties, query.statuses, query.priorities) == ((), (), ())
    assert (query.sort, query.limit, query.offset) == ("opened", DEFAULT_LIMIT, 0)


def test_the_default_page_never_exceeds_a_smaller_cap() -> None:
    assert parse_case_list([], 10).limit == 10


def test_repeated_filters_are_alternatives_and_keep_their_order() -> None:
    query = parse_case_list(
        [("status", "new"), ("priority", "2"), ("status", "dispatched"), ("priority", "1")], 500
    )
    assert query.statuses == ("new", "dispatched")
    assert query.priorities == (2, 1)


def test_a_date_means_midnight_in_china_and_a_bare_time_is_china_time() -> None:
    assert parse_moment("2026-11-25") == datetime(2026, 11, 24, 16, tzinfo=UTC)
    assert parse_moment("2026-11-25T08:30") == datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert parse_moment("2026-11-25T08:30:00Z") == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


@given(st.datetimes(timezones=st.just(CHINA_TIME)))
def test_any_iso_moment_reads_back_as_the_same_instant(moment: datetime) -> None:
    assert parse_moment(moment.isoformat()) == moment
    assert parse_case_list([("opened_from", moment.isoformat())], 10).opened_from == moment


@given(st.integers().filter(lambda n: not 1 <= n <= 4))
def test_a_priority_outside_one_to_four_is_refused(priority: int) -> None:
    assert "1..4" in problems([("priority", str(priority))])["priority"]


@given(st.text(alphabet="0123456789a", max_size=8).filter(lambda s: len(s) != 6 or "a" in s))
def test_a_county_that_is_not_six_digits_is_refused(county: str) -> None:
    assert "6-digit" in problems([("county", county)])["county"]


def test_every_problem_is_reported_with_its_parameter() -> None:
    found = problems(
        [
            ("opened_from", "2026-02-30"),
            ("limit", "101"),
            ("platform", "交通"),
            ("offset", "x"),
            ("colour", "red"),
        ]
    )
    assert set(found) == {"opened_from", "limit", "platform", "offset", "colour"}
    assert "1..100" in found["limit"]
    assert "综治工作" in found["platform"]


def test_an_empty_window_is_refused() -> None:
    same = "2026-11-25T08:00+08:00"
    assert "later" in problems([("opened_from", same), ("opened_to", same)])["opened_to"]


def test_the_township_counts_take_one_optional_county() -> None:
    assert parse_county_only([]) is None
    assert parse_county_only([("county", "330681")]) == "330681"
    with pytest.raises(ParamError, match="at most once"):
        parse_county_only([("county", "330681"), ("county", "330782")])
    with pytest.raises(ParamError, match="unknown parameter"):
        parse_county_only([("township", "330681109")])
