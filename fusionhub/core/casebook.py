"""The cases of one partition of the input log: reports, actions and clock ticks applied in log
order. The stream worker and the replay command drive the same ``CaseBook``.

Pure: no I/O, no clock. Commands are plain data with the time they were issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fusionhub.core.case_events import (
    CaseEscalated,
    CaseOpened,
    CaseStatusChanged,
    CaseUpdated,
    EventAttached,
    Output,
)
from fusionhub.core.cases import Case
from fusionhub.core.correlation import CorrelationState, new_state, step
from fusionhub.core.events import Event
from fusionhub.core.lifecycle import (
    AcceptCase,
    CloseCase,
    Command,
    CommandRefused,
    DispatchCase,
    EscalateCase,
    RecordProgress,
    ReopenCase,
    ResolveCase,
    apply_command,
    check_overdue,
)
from fusionhub.core.policy import CorrelationPolicy

ACTIONS = ("accept", "dispatch", "progress", "resolve", "close", "reopen", "escalate")


@dataclass(frozen=True, slots=True)
class CaseAction:
    """An action on a case as a command centre or department publishes it."""

    command_id: str
    case_id: str
    action: str
    actor: str
    issued_at: datetime
    department: str | None = None
    note: str | None = None
    evaluation: str | None = None
    county_code: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """A case's state right after one change, and what the change was."""

    case: Case
    change: str


@dataclass(slots=True)
class Outcome:
    """What one input did: the changed cases, or why an action was refused."""

    changes: list[Change] = field(default_factory=list)
    refused: str | None = None
    duplicate: bool = False


_BUILDERS: dict[str, Callable[[CaseAction], Command | None]] = {
    "accept": lambda a: AcceptCase(actor=a.actor),
    "dispatch": lambda a: DispatchCase(a.department, a.actor) if a.department else None,
    "progress": lambda a: RecordProgress(note=a.note or "", actor=a.actor),
    "resolve": lambda a: ResolveCase(summary=a.note or "", actor=a.actor),
    "close": lambda a: CloseCase(a.evaluation, a.actor) if a.evaluation else None,
    "reopen": lambda a: ReopenCase(reason=a.note or "reopened", actor=a.actor),
    "escalate": lambda a: EscalateCase(reason=a.note or "requested", actor=a.actor),
}
_REQUIRED = {"dispatch": "department", "close": "evaluation"}


def to_command(action: CaseAction) -> Command:
    """The lifecycle command for an action; raises ``CommandRefused`` when it lacks a field."""
    builder = _BUILDERS.get(action.action)
    if builder is None:
        raise CommandRefused(action.case_id, f"unknown action {action.action!r}")
    command = builder(action)
    if command is None:
        raise CommandRefused(action.case_id, f"{action.action} needs {_REQUIRED[action.action]}")
    return command


class CaseBook:
    """Correlation state plus the actions already applied, for one partition of the log."""

    def __init__(self, policy: CorrelationPolicy) -> None:
        self.policy = policy
        self.state: CorrelationState = new_state(policy)
        self._applied_commands: set[str] = set()

    def on_event(self, event: Event) -> Outcome:
        """Correlate one report, then escalate what its event time made overdue.

        A report already seen (same ref) changes nothing, so redelivery is harmless.
        """
        self.state, outputs = step(self.state, event, self.policy)
        if self.state.watermark is not None:
            self.state, overdue = check_overdue(self.state, self.state.watermark)
            outputs.extend(overdue)
        return Outcome(self._changes(outputs))

    def on_action(self, action: CaseAction) -> Outcome:
        """Apply one action; an unknown case, an unfit status or a missing field is refused
        with a reason, and an action id already applied is a duplicate that changes nothing."""
        if action.command_id in self._applied_commands:
            return Outcome(duplicate=True)
        case = self.state.cases.get(action.case_id)
        if case is None:
            return Outcome(refused=f"unknown case {action.case_id}")
        if action.county_code is not None and action.county_code != case.county_code:
            # Routed by the county it names: a wrong county must not act on another's case.
            return Outcome(
                refused=f"case {action.case_id} is in county {case.county_code}, "
                f"not {action.county_code}"
            )
        try:
            self.state, outputs = apply_command(
                self.state, action.case_id, to_command(action), action.issued_at
            )
        except CommandRefused as exc:
            return Outcome(refused=exc.reason)
        self._applied_commands.add(action.command_id)
        return Outcome(self._changes(outputs))

    def on_tick(self, at: datetime) -> Outcome:
        """Time passed (wall clock written into the log): escalate overdue cases."""
        self.state, outputs = check_overdue(self.state, at)
        return Outcome(self._changes(outputs))

    def on_input(self, value: Event | CaseAction | datetime) -> Outcome:
        """Apply one record of the log, whichever kind it is: a report, an action or a tick."""
        if isinstance(value, CaseAction):
            return self.on_action(value)
        if isinstance(value, datetime):
            return self.on_tick(value)
        return self.on_event(value)

    def cases(self) -> list[Case]:
        """Every case of this partition, in opening order."""
        return list(self.state.cases.values())

    def _changes(self, outputs: list[Output]) -> list[Change]:
        # One change per case per input, labelled by the last thing that happened to it.
        last: dict[str, str] = {}
        for out in outputs:
            last[out.case_id] = _label(out)
        return [Change(self.state.cases[cid], label) for cid, label in last.items()]


def _label(out: Output) -> str:
    if isinstance(out, CaseOpened):
        return "repeat_opened" if out.repeat_of else "opened"
    if isinstance(out, EventAttached):
        return "event_attached"
    if isinstance(out, CaseEscalated):
        return "escalated"
    if isinstance(out, CaseStatusChanged):
        return out.to_status
    if isinstance(out, CaseUpdated):
        return out.reason
    return type(out).__name__
