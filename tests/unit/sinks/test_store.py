from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from fusionhub.sinks import SqlCaseStore, open_engine
from fusionhub.sinks.schema import case_history, case_members, cases, events
from tests.unit.sinks.builders import T0, case_record, event_record, score, table_contents

pytestmark = pytest.mark.unit


def stored_case(engine: Engine, case_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    return None if row is None else row._asdict()


def members_of(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(case_members.c.event_ref, case_members.c.case_id)).all())


def test_a_newer_version_replaces_the_case_and_an_older_or_equal_one_changes_nothing(
    store: SqlCaseStore, engine: Engine
) -> None:
    store.write_batch([case_record("C1", 2, status="dispatched")], [])
    before = table_contents(engine)
    assert store.write_batch([case_record("C1", 1, status="new")], []) == 0
    assert store.write_batch([case_record("C1", 2, status="closed")], []) == 0
    assert table_contents(engine) == before
    assert store.write_batch([case_record("C1", 3, status="resolved")], []) == 1
    case = stored_case(engine, "C1")
    assert case is not None
    assert (case["version"], case["status"]) == (3, "resolved")


def test_a_redelivered_batch_leaves_every_table_identical(
    store: SqlCaseStore, engine: Engine
) -> None:
    batch_cases = [
        case_record("C1", 1),
        case_record(
            "C1", 2, event_refs=["grid:C1-1", "hotline:H9"], members={"hotline:H9": score(0.8)}
        ),
        case_record("C2", 4, township="330681001"),
    ]
    batch_events = [
        event_record("grid:C1-1"),
        event_record("hotline:H9"),
        event_record("grid:C2-1"),
    ]
    store.write_batch(batch_cases, batch_events)
    first = table_contents(engine)
    assert store.write_batch(batch_cases, batch_events) == 0
    assert table_contents(engine) == first
    assert {name: len(rows) for name, rows in first.items()} == {
        "cases": 2,
        "case_members": 3,
        "case_history": 6,
        "case_corrections": 0,
        "events": 3,
    }


def test_members_and_history_are_rebuilt_from_the_newest_version(
    store: SqlCaseStore, engine: Engine
) -> None:
    store.write_batch([case_record("C1", 2, event_refs=["grid:A", "grid:B"])], [])
    store.write_batch([case_record("C1", 3, event_refs=["grid:A"])], [])
    assert members_of(engine) == {"grid:A": "C1"}
    with engine.connect() as conn:
        actors = conn.execute(select(case_history.c.actor).order_by(case_history.c.seq)).scalars()
        assert list(actors) == ["a1", "a2", "a3"]


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_a_report_moved_to_another_case_ends_in_the_case_that_claimed_it_last(
    store: SqlCaseStore, engine: Engine, order: str
) -> None:
    # C1 held grid:X at minute 1; C2 took it over at minute 5; C1 (minute 9) no longer lists it.
    writes = [
        case_record("C1", 1, event_refs=["grid:C1", "grid:X"], minutes=1),
        case_record(
            "C2", 1, event_refs=["grid:C2", "grid:X"], members={"grid:X": score(0.9)}, minutes=5
        ),
        case_record("C1", 2, event_refs=["grid:C1"], minutes=9),
    ]
    for record in writes if order == "in order" else writes[::-1]:
        store.write_batch([record], [])
    assert members_of(engine) == {"grid:C1": "C1", "grid:C2": "C2", "grid:X": "C2"}


def test_an_older_case_state_does_not_take_a_report_back_from_a_later_claim(
    store: SqlCaseStore, engine: Engine
) -> None:
    store.write_batch([case_record("C2", 1, event_refs=["grid:X"], minutes=5)], [])
    store.write_batch([case_record("C1", 1, event_refs=["grid:C1", "grid:X"], minutes=1)], [])
    assert members_of(engine)["grid:X"] == "C2"


def test_two_cases_claiming_one_report_in_the_same_batch_leave_it_with_the_later(
    store: SqlCaseStore, engine: Engine
) -> None:
    store.write_batch(
        [
            case_record("C2", 1, event_refs=["grid:X"], minutes=7),
            case_record("C1", 1, event_refs=["grid:X"], minutes=3),
        ],
        [],
    )
    assert members_of(engine) == {"grid:X": "C2"}


def test_events_are_stored_once_and_parties_keep_only_masked_and_tokenised_fields(
    store: SqlCaseStore, engine: Engine
) -> None:
    leaky = event_record("grid:E1")
    leaky["parties"][0]["phone"] = "13812342345"  # what a careless producer might add
    store.write_batch([], [leaky])
    store.write_batch([], [event_record("grid:E1", text="a later, different text")])
    with engine.connect() as conn:
        [row] = conn.execute(select(events)).all()
    assert row.text == "楼道堆物"
    assert "13812342345" not in row.parties
    assert json.loads(row.parties) == [
        {
            "role": "appellant",
            "name_masked": "何**",
            "phone_masked": "138****2345",
            "phone_token": None,
            "id_masked": None,
            "id_token": None,
        }
    ]
    assert (row.county_code, row.township_rule, row.lon) == ("330681", "grid_code", 120.4139)


def test_timestamps_come_back_as_the_same_instant_in_utc(
    store: SqlCaseStore, engine: Engine
) -> None:
    store.write_batch([case_record("C1", 1)], [])
    case = stored_case(engine, "C1")
    assert case is not None
    assert case["opened_at"] == T0
    assert case["opened_at"].tzinfo == UTC


versions = st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=12)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(deliveries=versions, split=st.integers(min_value=1, max_value=4))
def test_any_delivery_order_with_duplicates_ends_like_storing_the_highest_version_alone(
    deliveries: list[int], split: int
) -> None:
    def record(version: int) -> dict[str, Any]:
        refs = [f"grid:R{i}" for i in range(version % 3 + 1)]
        return case_record("C1", version, event_refs=refs, status=f"s{version}")

    delivered = open_engine("sqlite://")
    expected = open_engine("sqlite://")
    try:
        store = SqlCaseStore(delivered)
        for start in range(0, len(deliveries), split):
            store.write_batch([record(v) for v in deliveries[start : start + split]], [])
        SqlCaseStore(expected).write_batch([record(max(deliveries))], [])
        assert table_contents(delivered) == table_contents(expected)
    finally:
        delivered.dispose()
        expected.dispose()
