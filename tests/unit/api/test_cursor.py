from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.api.cursor import ORDERS, Cursor, CursorError, cursor_after, decode_cursor

pytestmark = pytest.mark.unit

ROW = {
    "case_id": "C0123456789abcdef",
    "priority": 2,
    "deadline": datetime(2026, 11, 28, 8, tzinfo=UTC),
    "opened_at": datetime(2026, 11, 25, 8, tzinfo=UTC),
    "updated_at": datetime(2026, 11, 25, 9, tzinfo=UTC),
}


@pytest.mark.parametrize("sort", list(ORDERS))
def test_a_cursor_reads_back_as_the_key_it_was_made_from(sort: str) -> None:
    cursor = cursor_after(sort, ROW)
    assert decode_cursor(cursor.encode(), sort) == cursor
    assert cursor.values[-1] == ROW["case_id"]


@given(
    st.integers(min_value=1, max_value=4),
    st.datetimes(timezones=st.just(UTC)),
    st.text(min_size=1, max_size=40),
)
def test_any_urgency_key_survives_the_round_trip(
    priority: int, deadline: datetime, case_id: str
) -> None:
    cursor = Cursor("urgency", (priority, deadline, case_id))
    assert decode_cursor(cursor.encode(), "urgency") == cursor


def test_a_cursor_of_another_order_is_refused() -> None:
    made = cursor_after("opened", ROW).encode()
    with pytest.raises(CursorError, match="urgency"):
        decode_cursor(made, "urgency")


@pytest.mark.parametrize("text", ["", "%%%", "bm90IGpzb24", "WzEsMiwzXQ", "WyJvcGVuZWQiLDEsMl0"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(text, "opened")
