"""Source times: ISO 8601, +08:00 when no offset is given, impossible dates told apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.connectors.errors import FieldError, Reason
from fusionhub.connectors.timeparse import parse_source_time

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T09:12:33+08:00", datetime(2026, 11, 25, 9, 12, 33, tzinfo=CST)),
        ("2026-11-25T09:12:33", datetime(2026, 11, 25, 9, 12, 33, tzinfo=CST)),
        ("2026-11-25 09:12", datetime(2026, 11, 25, 9, 12, tzinfo=CST)),
        ("2026-11-25T01:12:33Z", datetime(2026, 11, 25, 9, 12, 33, tzinfo=CST)),
        ("2026-11-25T09:12:33.5+0800", datetime(2026, 11, 25, 9, 12, 33, 500000, tzinfo=CST)),
        ("2026-11-25", datetime(2026, 11, 25, tzinfo=CST)),
    ],
)
def test_iso_times_are_read_as_china_standard_time_unless_an_offset_says_otherwise(
    text: str, expected: datetime
) -> None:
    parsed = parse_source_time(text, "t")
    assert parsed == expected
    assert isinstance(parsed, datetime)
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-02-30T10:00:00", Reason.IMPOSSIBLE_DATE),
        ("2026-11-25T25:00:00", Reason.IMPOSSIBLE_DATE),
        ("1999-12-31T23:59:59", Reason.IMPOSSIBLE_DATE),
        ("2101-01-01T00:00:00", Reason.IMPOSSIBLE_DATE),
        ("25/11/2026 09:12", Reason.BAD_FORMAT),
        ("2026-11-25T09:12:33 CST", Reason.BAD_FORMAT),
        ("2026-11-25T01:12:33z", Reason.BAD_FORMAT),
        ("", Reason.BAD_FORMAT),
        (1764033153, Reason.WRONG_TYPE),
    ],
)
def test_bad_times_name_their_problem(value: object, reason: Reason) -> None:
    error = parse_source_time(value, "call_time")
    assert isinstance(error, FieldError)
    assert (error.field, error.reason) == ("call_time", reason)


@given(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2100, 12, 30)))
def test_any_real_time_survives_a_round_trip(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    assert parse_source_time(aware.isoformat(), "t") == aware
