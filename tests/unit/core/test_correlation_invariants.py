"""Properties every replay must have, whatever the events."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.core.correlation import correlate, event_order_key
from fusionhub.core.events import Event
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO
from tests.unit.core.corr_factory import POLICY, at, make_event

pytestmark = pytest.mark.unit

_CATEGORIES = ("fire", "dispute.neighbour", "dispute.land", "street_vending", "crowding", "other")
_VILLAGES = ("330681109290", "330681109291", None)
_TEXTS = ("邻居翻建房屋改排水沟", "民房着火冒黑烟", "人行道水果摊占道", "广场人员聚集", "两家吵架")
_SOURCES = (GRID, HOTLINE, PETITION, VIDEO)


@st.composite
def event_batches(draw: st.DrawFn) -> list[Event]:
    """Events crowded into one township, a few hours, few people: many near-matches."""
    n = draw(st.integers(min_value=1, max_value=25))
    events: list[Event] = []
    for i in range(n):
        source = draw(st.sampled_from(_SOURCES))
        minute = draw(st.integers(min_value=0, max_value=3)) * 40
        with_point = draw(st.booleans())
        refs: tuple[str, ...] = ()
        if events and draw(st.integers(0, 4)) == 0:
            refs = (draw(st.sampled_from(events)).source_id,)
        events.append(
            make_event(
                source,
                f"S{i:04d}",
                at(25, 9 + minute // 60, minute % 60),
                draw(st.sampled_from(_CATEGORIES)),
                draw(st.sampled_from(_TEXTS)),
                village=draw(st.sampled_from(_VILLAGES)),
                point=(120.41 + draw(st.integers(0, 3)) * 0.001, 29.62) if with_point else None,
                tokens=tuple(draw(st.sets(st.sampled_from(("p1", "p2", "p3", "p4")), max_size=2))),
                refs=refs,
            )
        )
    return events


def _memberships(events: list[Event]) -> dict[str, tuple[str, ...]]:
    state, _ = correlate(events, POLICY)
    return {case_id: tuple(case.event_refs) for case_id, case in state.cases.items()}


@settings(max_examples=150, deadline=None)
@given(event_batches())
def test_every_event_is_in_exactly_one_case(events: list[Event]) -> None:
    cases = _memberships(events)
    counted = Counter(ref for refs in cases.values() for ref in refs)
    assert set(counted) == {e.event_ref for e in events}
    assert set(counted.values()) == {1}


@settings(max_examples=100, deadline=None)
@given(event_batches())
def test_replaying_the_same_events_gives_the_same_case_ids_and_members(
    events: list[Event],
) -> None:
    assert _memberships(events) == _memberships(list(events))


@settings(max_examples=100, deadline=None)
@given(event_batches(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter_even_for_equal_timestamps(
    events: list[Event], rnd: random.Random
) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert _memberships(shuffled) == _memberships(events)


def test_equal_timestamps_are_ordered_by_source_then_ref() -> None:
    same = at(25, 9)
    video = make_event(VIDEO, "2", same, "fire", "烟火检测")
    grid_b = make_event(GRID, "B", same, "fire", "民房起火")
    grid_a = make_event(GRID, "A", same, "fire", "民房起火")
    ordered = sorted([video, grid_b, grid_a], key=event_order_key)
    assert [e.event_ref for e in ordered] == ["grid:A", "grid:B", "video:2"]


def test_a_redelivered_event_changes_nothing() -> None:
    event = make_event(GRID, "A", at(25, 9), "fire", "民房起火冒烟")
    state, first = correlate([event], POLICY)
    state, again = correlate([event], POLICY, state)
    assert len(first) == 1
    assert again == []
    assert [c.event_refs for c in state.cases.values()] == [["grid:A"]]
