"""Case handling: the commands operators give and the overdue check.

``handle`` is pure: it returns a new ``Case`` (the one given is left untouched) and the domain
events. A command that does not fit the case's status raises ``CommandRefused`` with the reason;
nothing changes then. Statuses: new (受理) -> dispatched (派遣) -> in_progress (处置) ->
resolved (办结) -> closed (评价); escalated and reopened re-enter dispatch.
"""

from __future__ import annotations

import copy
import heapq
from dataclasses import dataclass
from datetime import datetime

from fusionhub.core.case_events import CaseEscalated, CaseStatusChanged, CaseUpdated, Output
from fusionhub.core.cases import Case, CaseLevel, CaseStatus, Transition
from fusionhub.core.correlation import CorrelationState, file_deadline

S = CaseStatus


class CommandRefused(Exception):  # noqa: N818 - the domain name, not an error in the code
    """The command does not apply to the case as it stands; ``reason`` says why."""

    def __init__(self, case_id: str, reason: str) -> None:
        super().__init__(f"{case_id}: {reason}")
        self.case_id = case_id
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AcceptCase:
    """受理: an operator takes the case on."""

    actor: str = "operator"


@dataclass(frozen=True, slots=True)
class DispatchCase:
    """派遣: send the case to a department (again, after escalation or reopening)."""

    department: str
    actor: str = "operator"


@dataclass(frozen=True, slots=True)
class RecordProgress:
    """处置: the department reports what it did."""

    note: str
    actor: str = "department"


@dataclass(frozen=True, slots=True)
class ResolveCase:
    """办结: the department reports the problem solved."""

    summary: str
    actor: str = "department"


@dataclass(frozen=True, slots=True)
class CloseCase:
    """评价: the citizen's evaluation closes the case (e.g. 满意, 基本满意, 不满意)."""

    evaluation: str
    actor: str = "citizen"


@dataclass(frozen=True, slots=True)
class ReopenCase:
    """重办: a resolved or closed case is opened again."""

    reason: str
    actor: str = "operator"


@dataclass(frozen=True, slots=True)
class EscalateCase:
    """上报: hand a township case to the county platform."""

    reason: str = "requested"
    actor: str = "operator"


Command = (
    AcceptCase | DispatchCase | RecordProgress | ResolveCase | CloseCase | ReopenCase | EscalateCase
)

_ALLOWED_FROM: dict[type[Command], frozenset[CaseStatus]] = {
    AcceptCase: frozenset({S.NEW}),
    DispatchCase: frozenset({S.NEW, S.DISPATCHED, S.ESCALATED, S.REOPENED}),
    RecordProgress: frozenset({S.DISPATCHED, S.IN_PROGRESS}),
    ResolveCase: frozenset({S.DISPATCHED, S.IN_PROGRESS}),
    CloseCase: frozenset({S.RESOLVED}),
    ReopenCase: frozenset({S.RESOLVED, S.CLOSED}),
    EscalateCase: frozenset({S.NEW, S.DISPATCHED, S.IN_PROGRESS, S.REOPENED}),
}


def allowed_from(command: type[Command]) -> frozenset[CaseStatus]:
    """The statuses ``command`` applies in; other checks (accepted once, accepted before a
    dispatch, not at county level twice) come on top when it is applied."""
    return _ALLOWED_FROM[command]


def handle(case: Case, command: Command, at: datetime) -> tuple[Case, list[Output]]:
    """Apply one command at time ``at``; returns the changed copy and its events.

    Called by the command API and by ``apply_command``. Raises ``CommandRefused`` when the
    command does not fit the status (e.g. closing a case not yet resolved, dispatching one not
    yet accepted, escalating a county case).
    """
    if case.status not in _ALLOWED_FROM[type(command)]:
        raise CommandRefused(case.case_id, f"{type(command).__name__} not allowed in {case.status}")
    new = _copy(case)
    if isinstance(command, AcceptCase):
        return new, _accept(new, command, at)
    if isinstance(command, DispatchCase):
        return new, _dispatch(new, command, at)
    if isinstance(command, EscalateCase):
        return _escalate(new, at, command.actor, command.reason)
    if isinstance(command, CloseCase | ReopenCase):
        # A reopened case waits for a new evaluation.
        new.evaluation = command.evaluation if isinstance(command, CloseCase) else None
    return new, _changed(new, at, _TARGET[type(command)], command.actor, _note_of(command))


_TARGET: dict[type[Command], CaseStatus] = {
    RecordProgress: S.IN_PROGRESS,
    ResolveCase: S.RESOLVED,
    CloseCase: S.CLOSED,
    ReopenCase: S.REOPENED,
}


def _note_of(command: RecordProgress | ResolveCase | CloseCase | ReopenCase) -> str:
    if isinstance(command, RecordProgress):
        return command.note
    if isinstance(command, ResolveCase):
        return command.summary
    if isinstance(command, CloseCase):
        return command.evaluation
    return command.reason


def _accept(case: Case, command: AcceptCase, at: datetime) -> list[Output]:
    if case.accepted_at is not None:
        raise CommandRefused(case.case_id, "already accepted")
    case.accepted_at = at
    return _changed(case, at, S.NEW, command.actor, "accepted")


def _dispatch(case: Case, command: DispatchCase, at: datetime) -> list[Output]:
    if case.status is S.NEW and case.accepted_at is None:
        raise CommandRefused(case.case_id, "accept the case before dispatching it")
    if not command.department.strip():
        raise CommandRefused(case.case_id, "dispatch needs a department")
    case.department = command.department
    return _changed(case, at, S.DISPATCHED, command.actor, command.department)


def _changed(case: Case, at: datetime, status: CaseStatus, actor: str, note: str) -> list[Output]:
    before = case.status
    case.status = status
    case.version += 1
    case.updated_at = max(case.updated_at, at)
    case.history.append(Transition(at, status, actor, note))
    return [
        CaseStatusChanged(case.case_id, at, before.value, status.value, actor, note),
        CaseUpdated(
            case.case_id, case.version, at, status.value, case.priority, f"status:{status}"
        ),
    ]


def _escalate(case: Case, at: datetime, actor: str, reason: str) -> tuple[Case, list[Output]]:
    if case.level is CaseLevel.COUNTY:
        raise CommandRefused(case.case_id, "already at county level")
    case.level = CaseLevel.COUNTY
    events = _changed(case, at, S.ESCALATED, actor, reason)
    escalated = CaseEscalated(
        case.case_id, at, CaseLevel.TOWNSHIP.value, CaseLevel.COUNTY.value, reason
    )
    return case, [escalated, *events]


def apply_command(
    state: CorrelationState, case_id: str, command: Command, at: datetime
) -> tuple[CorrelationState, list[Output]]:
    """``handle`` a command for a case held in the engine state, storing the result there.

    Raises KeyError for an unknown case id and ``CommandRefused`` as ``handle`` does.
    """
    case, events = handle(state.cases[case_id], command, at)
    state.cases[case_id] = case
    if isinstance(command, ReopenCase):
        # The overdue check forgets finished cases; a reopened one is watched again.
        file_deadline(state, case)
    return state, events


def check_overdue(state: CorrelationState, now: datetime) -> tuple[CorrelationState, list[Output]]:
    """Escalate every unfinished township case whose deadline passed before ``now``.

    Called periodically by the stream worker (``now`` from the event-time watermark or the
    caller's clock; this module never reads one). Mutates and returns ``state``. Only deadline
    buckets that fell due are visited, so the cost follows the number of overdue cases.
    """
    now_minute = int(now.timestamp() // 60)
    due: list[int] = []
    while state.deadline_minutes and state.deadline_minutes[0] <= now_minute:
        due.append(heapq.heappop(state.deadline_minutes))
    events: list[Output] = []
    for minute in due:
        waiting: list[str] = []
        # In case id order: the order cases were filed in is not part of the state a snapshot
        # keeps, and escalations must come out the same after a restore.
        for case_id in sorted(state.deadlines.pop(minute)):
            case = state.cases.get(case_id)
            if case is None or case.is_finished or case.level is CaseLevel.COUNTY:
                continue
            if case.deadline > now:
                waiting.append(case_id)
                continue
            escalated, produced = _escalate(_copy(case), now, "overdue_check", "overdue")
            state.cases[case_id] = escalated
            events.extend(produced)
        if waiting:
            state.deadlines[minute] = waiting
            heapq.heappush(state.deadline_minutes, minute)
    return state, events


def _copy(case: Case) -> Case:
    new = copy.copy(case)
    new.history = [*case.history]
    return new
