"""Dispatcher corrections: merging two cases (两案合并) and splitting reports out of one."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.core.casebook import CaseAction, CaseBook
from fusionhub.core.cases import CaseStatus, case_id_for, case_to_dict
from fusionhub.core.correction_labels import labels_from_corrections
from fusionhub.core.corrections import split_case_id
from fusionhub.core.events import Event
from fusionhub.policies import load_policy
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION

from .corr_factory import at, make_event

pytestmark = pytest.mark.unit

DRAIN = make_event(GRID, "WG-1", at(25, 9), "dispute.neighbour", "两户因排水沟发生争执")
DRAIN_CALL = make_event(
    HOTLINE, "12345-1", at(25, 9, 20), "dispute.neighbour", "两户因排水沟发生争执"
)
STALL = make_event(
    GRID,
    "WG-2",
    at(25, 9, 30),
    "street_vending",
    "人行道水果摊占道经营",
    township="330681110",
    village="330681110200",
)
ELSEWHERE = make_event(
    GRID,
    "WG-3",
    at(25, 9, 40),
    "street_vending",
    "人行道水果摊占道经营",
    township="330109001",
    village="330109001001",
)


def book_of(*events: Event) -> tuple[CaseBook, list[str]]:
    book = CaseBook(load_policy())
    ids: list[str] = []
    for event in events:
        for change in book.on_event(event).changes:
            if change.case.case_id not in ids:
                ids.append(change.case.case_id)
    return book, ids


def correction(
    case_id: str,
    name: str,
    command_id: str = "fix-1",
    note: str | None = "同一事件",
    **fields: object,
) -> CaseAction:
    return CaseAction(
        command_id=command_id,
        case_id=case_id,
        action=name,
        actor="值班员",
        issued_at=at(25, 11),
        note=note,
        **fields,  # type: ignore[arg-type]
    )


def test_a_merge_moves_every_report_into_the_surviving_case_and_ends_the_other() -> None:
    book, [drain, stall] = book_of(DRAIN, STALL)
    outcome = book.on_action(correction(stall, "merge", into_case_id=drain))
    assert outcome.refused is None
    assert {c.case.case_id for c in outcome.changes} == {drain, stall}
    gone, kept = book.state.cases[stall], book.state.cases[drain]
    assert gone.status is CaseStatus.MERGED
    assert gone.merged_into == drain
    assert gone.event_refs == []
    assert kept.event_refs == ["grid:WG-1", "grid:WG-2"]
    assert kept.history[-1].note == f"{stall} merged in: 同一事件"
    assert gone.history[-1].note == f"merged into {drain}: 同一事件"
    [fix] = kept.corrections
    assert (fix.action, fix.moved, fix.kept) == ("merge", ("grid:WG-2",), ("grid:WG-1",))


def test_a_later_report_like_either_merged_case_joins_the_surviving_case() -> None:
    book, [drain, stall] = book_of(DRAIN, STALL)
    book.on_action(correction(stall, "merge", into_case_id=drain))
    later = make_event(
        HOTLINE,
        "12345-9",
        at(25, 10, 0),
        "street_vending",
        "人行道水果摊占道经营",
        township="330681110",
        village="330681110200",
        refs=("grid:WG-2",),
    )
    [change] = book.on_event(later).changes
    assert change.case.case_id == drain
    assert "hotline:12345-9" in book.state.cases[drain].event_refs


def test_a_split_opens_a_new_normal_case_with_the_reports_moved_out() -> None:
    book, [drain] = book_of(DRAIN, DRAIN_CALL)
    assert book.state.cases[drain].event_refs == ["grid:WG-1", "hotline:12345-1"]
    outcome = book.on_action(
        correction(drain, "split", note="不是同一户", event_refs=("hotline:12345-1",))
    )
    assert outcome.refused is None
    new_id = split_case_id("fix-1")
    old, new = book.state.cases[drain], book.state.cases[new_id]
    assert old.event_refs == ["grid:WG-1"]
    assert new.event_refs == ["hotline:12345-1"]
    assert new.status is CaseStatus.NEW
    assert new.county_code == old.county_code
    assert "不是同一户" in new.history[0].note
    assert book.on_action(correction(new_id, "accept", command_id="acc-1")).refused is None
    assert book.state.cases[new_id].accepted_at is not None


@pytest.mark.parametrize(
    ("name", "fields", "reason"),
    [
        ("merge", {"into_case_id": "SELF"}, "a case cannot be merged into itself"),
        ("merge", {"into_case_id": "Cnope"}, "unknown case Cnope"),
        ("merge", {}, "merge needs into_case_id"),
        ("split", {}, "split needs event_refs"),
        ("split", {"event_refs": ("video:V-1",)}, "not in case"),
        ("split", {"event_refs": ("grid:WG-1", "grid:WG-1")}, "event refs given twice"),
        (
            "split",
            {"event_refs": ("grid:WG-1", "hotline:12345-1")},
            "a split must leave at least one report in the case",
        ),
    ],
)
def test_corrections_that_make_no_sense_are_refused_with_a_reason(
    name: str, fields: dict[str, object], reason: str
) -> None:
    book, [drain] = book_of(DRAIN, DRAIN_CALL)
    if fields.get("into_case_id") == "SELF":
        fields = {"into_case_id": drain}
    version = book.state.cases[drain].version
    outcome = book.on_action(correction(drain, name, **fields))
    assert outcome.refused is not None
    assert reason in outcome.refused
    assert outcome.changes == []
    assert book.state.cases[drain].version == version


def test_a_correction_without_a_reason_is_refused() -> None:
    book, [drain, stall] = book_of(DRAIN, STALL)
    outcome = book.on_action(correction(stall, "merge", note="  ", into_case_id=drain))
    assert outcome.refused == "merge needs a reason (note)"


def test_cases_of_different_counties_are_not_merged() -> None:
    book, [stall, elsewhere] = book_of(STALL, ELSEWHERE)
    outcome = book.on_action(correction(elsewhere, "merge", into_case_id=stall))
    assert outcome.refused is not None
    assert "different counties" in outcome.refused
    assert book.state.cases[elsewhere].status is CaseStatus.NEW


def test_a_closed_case_is_neither_merged_nor_merged_into() -> None:
    book, [drain, stall] = book_of(DRAIN, STALL)
    for n, (name, extra) in enumerate(
        [("accept", {}), ("dispatch", {"department": "司法所"}), ("resolve", {})]
    ):
        action = correction(drain, name, command_id=f"h{n}", note="已调解", **extra)
        assert book.on_action(action).refused is None
    book.on_action(correction(drain, "close", command_id="h9", evaluation="满意"))
    assert book.state.cases[drain].status is CaseStatus.CLOSED
    into_closed = book.on_action(correction(stall, "merge", into_case_id=drain))
    from_closed = book.on_action(correction(drain, "merge", command_id="f2", into_case_id=stall))
    assert into_closed.refused == f"case {drain} is closed"
    assert from_closed.refused == f"case {drain} is closed"


def test_a_case_merged_away_takes_no_more_actions() -> None:
    book, [drain, stall] = book_of(DRAIN, STALL)
    book.on_action(correction(stall, "merge", into_case_id=drain))
    outcome = book.on_action(correction(stall, "accept", command_id="late"))
    assert outcome.refused == f"case {stall} was merged into {drain}"


def test_a_redelivered_merge_is_applied_once() -> None:
    book, [drain, stall] = book_of(DRAIN, STALL)
    book.on_action(correction(stall, "merge", into_case_id=drain))
    again = book.on_action(correction(stall, "merge", into_case_id=drain))
    assert again.duplicate
    assert len(book.state.cases[drain].corrections) == 1


def _log(split_first: bool) -> list[Event | CaseAction]:
    drain, stall = case_id_for("grid:WG-1"), case_id_for("grid:WG-2")
    split = correction(drain, "split", "s1", event_refs=("hotline:12345-1",))
    merge = correction(stall, "merge", "m1", into_case_id=drain)
    return [DRAIN, DRAIN_CALL, STALL, *((split, merge) if split_first else (merge, split))]


def _replayed(log: list[Event | CaseAction]) -> list[dict[str, object]]:
    book = CaseBook(load_policy())
    for record in log:
        book.on_input(record)
    return sorted((case_to_dict(c, detail=True) for c in book.cases()), key=lambda d: d["case_id"])


@settings(max_examples=10, deadline=None)
@given(st.booleans())
def test_a_replay_of_the_same_log_gives_the_same_cases(split_first: bool) -> None:
    first = _replayed(_log(split_first))
    assert _replayed(_log(split_first)) == first
    assert [c["status"] for c in first].count("merged") == 1
    assert len(first) == 3


def test_merge_and_split_are_labels_a_tuner_can_learn_from() -> None:
    lines = [
        json.dumps(
            {
                "action": "merge",
                "case_id": "C1",
                "into": "C2",
                "event_refs": ["grid:B"],
                "into_event_refs": ["grid:A", "hotline:C"],
                "reason": "同一事件",
                "at": "2026-11-25T11:00:00+08:00",
            }
        ),
        "",
        {
            "action": "split",
            "case_id": "C2",
            "new_case_id": "C3",
            "event_refs_moved": ["hotline:C"],
            "event_refs_kept": ["grid:A", "grid:B"],
            "reason": "不是同一户",
            "at": "2026-11-25T12:00:00+08:00",
        },
    ]
    assert labels_from_corrections(lines) == [
        ("grid:A", "grid:B", True),
        ("grid:A", "hotline:C", False),
        ("grid:B", "hotline:C", False),
    ]


def test_a_corrections_line_that_is_not_understood_is_an_error_with_its_line_number() -> None:
    with pytest.raises(ValueError, match="line 2: unknown action 'undo'"):
        labels_from_corrections(
            ['{"action":"merge","event_refs":[],"into_event_refs":[]}', '{"action":"undo"}']
        )
    with pytest.raises(ValueError, match="line 1: split lacks event_refs_kept"):
        labels_from_corrections([{"action": "split", "event_refs_moved": []}])


def test_a_split_time_follows_the_command_not_the_clock() -> None:
    book, [drain] = book_of(DRAIN, DRAIN_CALL)
    book.on_action(correction(drain, "split", event_refs=("hotline:12345-1",)))
    assert book.state.cases[split_case_id("fix-1")].opened_at == at(25, 11)


def test_a_later_report_quoting_a_report_split_out_joins_the_new_case() -> None:
    book, [drain] = book_of(DRAIN, DRAIN_CALL)
    book.on_action(correction(drain, "split", event_refs=("hotline:12345-1",)))
    follow_up = make_event(
        PETITION,
        "XF-1",
        at(25, 12),
        "dispute.neighbour",
        "再次反映排水沟纠纷",
        refs=("hotline:12345-1",),
    )
    [change] = book.on_event(follow_up).changes
    assert change.case.case_id == split_case_id("fix-1")
    assert book.state.cases[drain].event_refs == ["grid:WG-1"]
