"""Candidate index: windows expire by event time; repeats of finished cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fusionhub.core.case_events import CaseOpened
from fusionhub.core.correlation import correlate, new_state, step
from fusionhub.core.lifecycle import (
    AcceptCase,
    CloseCase,
    DispatchCase,
    RecordProgress,
    ResolveCase,
    apply_command,
)
from fusionhub.core.textsim import address_core, house_numbers
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from tests.unit.core.corr_factory import POLICY, at, make_event

pytestmark = pytest.mark.unit

POINT = (120.41, 29.62)


def vending(n: int, when_day: int, hour: int = 9) -> object:
    return make_event(
        GRID,
        f"WG-330681109-202611{when_day:02d}-{n:05d}",
        at(when_day, hour),
        "street_vending",
        "人行道上有水果摊占道经营挡路",
        point=POINT,
    )


def test_a_case_leaves_the_candidate_index_once_its_window_passed_in_event_time() -> None:
    state = new_state(POLICY)
    first = make_event(GRID, "A", at(25, 9), "street_vending", "水果摊占道经营", point=POINT)
    state, _ = step(state, first, POLICY)
    assert len(state.index.profiles) == 1
    later = make_event(GRID, "B", at(27, 9), "fire", "民房起火冒黑烟", point=(121.0, 30.0))
    state, _ = step(state, later, POLICY)
    case_a = next(c for c in state.cases.values() if c.event_refs == ["grid:A"])
    assert case_a.case_id not in state.index.profiles
    assert case_a.case_id in state.cases


def test_the_same_vending_spot_next_week_is_a_new_case() -> None:
    first = make_event(GRID, "A", at(18, 9), "street_vending", "水果摊占道经营", point=POINT)
    again = make_event(GRID, "B", at(25, 9), "street_vending", "水果摊占道经营", point=POINT)
    state, _ = correlate([first, again], POLICY)
    assert len(state.cases) == 2


def _close(state: object, case_id: str) -> None:
    t = at(25, 12)
    for command in (
        AcceptCase(),
        DispatchCase("城管中队"),
        RecordProgress("已劝离"),
        ResolveCase("摊贩已清理"),
        CloseCase("满意"),
    ):
        apply_command(state, case_id, command, t)  # type: ignore[arg-type]
        t += timedelta(minutes=10)


def test_a_report_quoting_a_closed_case_opens_a_repeat_case_linked_to_it() -> None:
    order = "12345-330681-20261125-000123"
    call = make_event(
        HOTLINE, order, at(25, 9), "street_vending", "门口有人占道卖水果", tokens=("p1",)
    )
    state, _ = correlate([call], POLICY)
    old_id = next(iter(state.cases))
    _close(state, old_id)
    quoting = make_event(
        PETITION,
        "XF330681-2026-000001",
        at(30, 9),
        "street_vending",
        f"我打过12345（工单号{order}），又有人摆摊了",
        tokens=("p9",),
        refs=(order,),
    )
    state, outputs = step(state, quoting, POLICY)
    opened = [o for o in outputs if isinstance(o, CaseOpened)]
    assert len(opened) == 1
    assert opened[0].repeat_of == old_id
    assert state.cases[opened[0].case_id].repeat_of == old_id
    assert state.cases[old_id].event_refs == [call.event_ref]


def test_the_same_person_reporting_again_after_closure_opens_a_repeat() -> None:
    first = make_event(
        HOTLINE,
        "H1",
        at(25, 9),
        "dispute.neighbour",
        "邻居翻建房屋把排水沟改到我家门口",
        tokens=("p1",),
        address="诸暨市枫桥镇枫源村下宅18号",
    )
    state, _ = correlate([first], POLICY)
    old_id = next(iter(state.cases))
    _close(state, old_id)
    again = make_event(
        HOTLINE,
        "H2",
        at(28, 9),
        "dispute.neighbour",
        "邻居改的排水沟又把我家淹了",
        tokens=("p1",),
        address="诸暨市枫桥镇枫源村下宅18号",
    )
    state, outputs = step(state, again, POLICY)
    assert [o.repeat_of for o in outputs if isinstance(o, CaseOpened)] == [old_id]


def test_text_helpers_find_door_numbers_and_the_address_below_the_village() -> None:
    assert house_numbers("枫源村下宅18号与20号") == frozenset({"18", "20"})
    assert address_core("诸暨市枫桥镇枫源村下宅18号") == "下宅18号"
