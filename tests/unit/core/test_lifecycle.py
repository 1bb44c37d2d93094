"""Case handling commands, priorities, deadlines and the overdue check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fusionhub.core.case_events import CaseEscalated, CaseStatusChanged
from fusionhub.core.cases import CaseLevel, CaseStatus, case_to_dict, compute_priority
from fusionhub.core.correlation import CorrelationState, correlate
from fusionhub.core.lifecycle import (
    AcceptCase,
    CloseCase,
    CommandRefused,
    DispatchCase,
    EscalateCase,
    RecordProgress,
    ReopenCase,
    ResolveCase,
    apply_command,
    check_overdue,
    handle,
)
from fusionhub.sources.grid import GRID
from tests.unit.core.corr_factory import POLICY, at, make_event

pytestmark = pytest.mark.unit

OPENED = at(25, 9)


def one_case(category: str = "street_vending", severity: int = 3) -> tuple[CorrelationState, str]:
    event = make_event(GRID, "WG-1", OPENED, category, "人行道水果摊占道经营", severity=severity)
    state, _ = correlate([event], POLICY)
    return state, next(iter(state.cases))


def test_a_case_goes_through_accept_dispatch_progress_resolve_and_close() -> None:
    state, case_id = one_case()
    t = OPENED
    for command in (
        AcceptCase(),
        DispatchCase("城管中队"),
        RecordProgress("已到场"),
        ResolveCase("摊位已清理"),
        CloseCase("满意"),
    ):
        t += timedelta(hours=1)
        state, events = apply_command(state, case_id, command, t)
        assert any(isinstance(e, CaseStatusChanged) for e in events)
    case = state.cases[case_id]
    assert case.status is CaseStatus.CLOSED
    assert case.evaluation == "满意"
    assert case.version == 6
    assert [h.status for h in case.history] == [
        CaseStatus.NEW,
        CaseStatus.NEW,
        CaseStatus.DISPATCHED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    ]
    assert case.history[2].note == "城管中队"


def test_handle_returns_a_changed_copy_and_leaves_the_given_case_alone() -> None:
    state, case_id = one_case()
    before = state.cases[case_id]
    after, _ = handle(before, AcceptCase(), OPENED)
    assert after.accepted_at == OPENED
    assert before.accepted_at is None
    assert len(before.history) == 1


@pytest.mark.parametrize(
    ("commands", "refused", "reason"),
    [
        ((), CloseCase("满意"), "not allowed in new"),
        ((), DispatchCase("城管中队"), "accept the case before dispatching"),
        ((AcceptCase(),), AcceptCase(), "already accepted"),
        ((AcceptCase(),), DispatchCase("  "), "needs a department"),
        ((AcceptCase(), DispatchCase("城管")), ReopenCase("again"), "not allowed in dispatched"),
        ((EscalateCase(),), EscalateCase(), "not allowed in escalated"),
    ],
)
def test_commands_that_do_not_fit_the_status_are_refused_with_a_reason(
    commands: tuple[object, ...], refused: object, reason: str
) -> None:
    state, case_id = one_case()
    for command in commands:
        state, _ = apply_command(state, case_id, command, OPENED)  # type: ignore[arg-type]
    version = state.cases[case_id].version
    with pytest.raises(CommandRefused, match=reason):
        apply_command(state, case_id, refused, OPENED)  # type: ignore[arg-type]
    assert state.cases[case_id].version == version


def test_a_county_case_cannot_be_escalated_again_after_redispatch() -> None:
    state, case_id = one_case()
    state, events = apply_command(state, case_id, EscalateCase("重大"), OPENED)
    assert isinstance(events[0], CaseEscalated)
    state, _ = apply_command(state, case_id, DispatchCase("县执法局"), OPENED)
    with pytest.raises(CommandRefused, match="already at county level"):
        apply_command(state, case_id, EscalateCase(), OPENED)


def test_a_closed_case_can_be_reopened_and_dispatched_again() -> None:
    state, case_id = one_case()
    for command in (
        AcceptCase(),
        DispatchCase("城管"),
        ResolveCase("已处理"),
        CloseCase("不满意"),
        ReopenCase("群众不满意"),
        DispatchCase("城管二中队"),
    ):
        state, _ = apply_command(state, case_id, command, OPENED)
    assert state.cases[case_id].status is CaseStatus.DISPATCHED
    assert state.cases[case_id].evaluation is None


def test_overdue_township_cases_escalate_to_the_county_and_others_do_not() -> None:
    state, case_id = one_case()
    deadline = state.cases[case_id].deadline
    assert deadline == OPENED + POLICY.deadline("street_vending", 3)
    state, early = check_overdue(state, deadline - timedelta(minutes=1))
    assert early == []
    state, late = check_overdue(state, deadline + timedelta(minutes=1))
    assert next(type(e) for e in late) is CaseEscalated
    assert state.cases[case_id].level is CaseLevel.COUNTY
    state, again = check_overdue(state, deadline + timedelta(days=3))
    assert again == []


def test_resolved_cases_are_never_escalated_as_overdue() -> None:
    state, case_id = one_case()
    for command in (AcceptCase(), DispatchCase("城管"), ResolveCase("已处理")):
        state, _ = apply_command(state, case_id, command, OPENED)
    state, events = check_overdue(state, OPENED + timedelta(days=30))
    assert events == []
    assert state.cases[case_id].level is CaseLevel.TOWNSHIP


def test_a_reopened_case_past_its_deadline_escalates_at_the_next_check() -> None:
    state, case_id = one_case()
    for command in (AcceptCase(), DispatchCase("城管"), ResolveCase("已处理")):
        state, _ = apply_command(state, case_id, command, OPENED)
    later = OPENED + timedelta(days=30)
    state, passed_over = check_overdue(state, later)
    assert passed_over == []
    state, _ = apply_command(state, case_id, ReopenCase("市民反映仍在占道"), later)
    state, events = check_overdue(state, later + timedelta(hours=2))
    assert next(type(e) for e in events) is CaseEscalated
    assert state.cases[case_id].level is CaseLevel.COUNTY


@pytest.mark.parametrize(
    ("severity", "sources", "reports", "category", "expected"),
    [
        (3, 1, 1, "street_vending", 3),
        (3, 3, 3, "street_vending", 2),
        (3, 3, 5, "street_vending", 1),
        (4, 1, 1, "fire", 2),
        (2, 3, 5, "fire", 1),
        (9, 1, 1, "roads", 4),
    ],
)
def test_priority_rises_with_severity_source_mix_and_report_count(
    severity: int, sources: int, reports: int, category: str, expected: int
) -> None:
    assert compute_priority(severity, sources, reports, POLICY.category(category)) == expected


def test_case_to_dict_gives_the_replay_output_line() -> None:
    state, case_id = one_case()
    line = case_to_dict(state.cases[case_id])
    assert list(line) == [
        "case_id",
        "county_code",
        "township_code",
        "category",
        "platform",
        "priority",
        "status",
        "opened_at",
        "event_refs",
    ]
    assert line["platform"] == "综合执法"
    assert line["opened_at"] == "2026-11-25T09:00:00+08:00"
    assert line["event_refs"] == ["grid:WG-1"]
    assert "history" in case_to_dict(state.cases[case_id], detail=True)
