"""The cases of one partition of the input log: reports, actions and clock ticks applied in log
order. The stream worker and the replay command drive the same ``CaseBook``.

Pure: no I/O, no clock. Commands are plain data with the time they were issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fusionhub.core.case_events import (
    CaseDropped,
    CaseEscalated,
    CaseOpened,
    CaseStatusChanged,
    CaseUpdated,
    EventAttached,
    Output,
)
from fusionhub.core.cases import FINISHED_STATUSES, Case, CaseStatus
from fusionhub.core.corrections import MergeCases, SplitCase, merge_cases, split_case
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
    allowed_from,
    apply_command,
    check_overdue,
)
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.retention import note_finished

ACTIONS = (
    "accept",
    "dispatch",
    "progress",
    "resolve",
    "close",
    "reopen",
    "escalate",
    "merge",
    "split",
)


@dataclass(frozen=True, slots=True)
class CaseAction:
    """An action on a case as a command centre or department publishes it.

    ``note`` is also the reason of a merge or split; ``into_case_id`` is the case a merge moves
    this one into, ``event_refs`` the reports a split moves out of it.
    """

    command_id: str
    case_id: str
    action: str
    actor: str
    issued_at: datetime
    department: str | None = None
    note: str | None = None
    evaluation: str | None = None
    county_code: str | None = None
    into_case_id: str | None = None
    event_refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, init=False)
class Change:
    """A case's state right after one change, and what the change was."""

    case: Case
    change: str

    # Written out: compiled, the __init__ a dataclass generates is ten times slower.
    def __init__(
        self,
        case: Case,
        change: str,
    ) -> None:
        object.__setattr__(self, "case", case)
        object.__setattr__(self, "change", change)


@dataclass(slots=True, init=False)
class Outcome:
    """What one input did: the changed cases, or why an action was refused; ``dropped`` names
    finished cases that left the state (their retention passed), their last ``Change`` being
    their final state."""

    changes: list[Change] = field(default_factory=list)
    refused: str | None = None
    duplicate: bool = False
    dropped: list[str] = field(default_factory=list)

    # Written out: compiled, the __init__ a dataclass generates is ten times slower.
    def __init__(
        self,
        changes: list[Change] | None = None,
        refused: str | None = None,
        duplicate: bool = False,
        dropped: list[str] | None = None,
    ) -> None:
        self.changes = changes if changes is not None else []
        self.refused = refused
        self.duplicate = duplicate
        self.dropped = dropped if dropped is not None else []


CaseCommand = Command | MergeCases | SplitCase

_BUILDERS: dict[str, Callable[[CaseAction], CaseCommand | None]] = {
    "accept": lambda a: AcceptCase(actor=a.actor),
    "dispatch": lambda a: DispatchCase(a.department, a.actor) if a.department else None,
    "progress": lambda a: RecordProgress(note=a.note or "", actor=a.actor),
    "resolve": lambda a: ResolveCase(summary=a.note or "", actor=a.actor),
    "close": lambda a: CloseCase(a.evaluation, a.actor) if a.evaluation else None,
    "reopen": lambda a: ReopenCase(reason=a.note or "reopened", actor=a.actor),
    "escalate": lambda a: EscalateCase(reason=a.note or "requested", actor=a.actor),
    "merge": lambda a: (
        MergeCases(a.into_case_id, a.note or "", a.actor) if a.into_case_id else None
    ),
    "split": lambda a: SplitCase(a.event_refs, a.note or "", a.actor) if a.event_refs else None,
}
_REQUIRED = {
    "dispatch": "department",
    "close": "evaluation",
    "merge": "into_case_id",
    "split": "event_refs",
}
# A correction becomes a label for tuning the engine: it must say why.
_CORRECTIONS = frozenset({"merge", "split"})


_LIFECYCLE: dict[str, type[Command]] = {
    "accept": AcceptCase,
    "dispatch": DispatchCase,
    "progress": RecordProgress,
    "resolve": ResolveCase,
    "close": CloseCase,
    "reopen": ReopenCase,
    "escalate": EscalateCase,
}


def actions_for(status: CaseStatus) -> tuple[str, ...]:
    """The actions a case in ``status`` may be given, judged by its status alone, in the order
    of ``ACTIONS``. The console offers these; the worker still refuses what else does not fit
    (accepting twice, dispatching before accepting, escalating a county case)."""
    allowed = [name for name, kind in _LIFECYCLE.items() if status in allowed_from(kind)]
    if status not in FINISHED_STATUSES:
        allowed += ["merge", "split"]
    return tuple(name for name in ACTIONS if name in allowed)


def to_command(action: CaseAction) -> CaseCommand:
    """The command for an action; raises ``CommandRefused`` when it lacks a field."""
    builder = _BUILDERS.get(action.action)
    if builder is None:
        raise CommandRefused(action.case_id, f"unknown action {action.action!r}")
    if action.action in _CORRECTIONS and not (action.note or "").strip():
        raise CommandRefused(action.case_id, f"{action.action} needs a reason (note)")
    command = builder(action)
    if command is None:
        raise CommandRefused(action.case_id, f"{action.action} needs {_REQUIRED[action.action]}")
    return command


class CaseBook:
    """Correlation state, with the actions applied to the cases it holds, for one partition of
    the log."""

    def __init__(self, policy: CorrelationPolicy, state: CorrelationState | None = None) -> None:
        self.policy = policy
        self.state: CorrelationState = state if state is not None else new_state(policy)

    def on_event(self, event: Event) -> Outcome:
        """Correlate one report, then escalate what its event time made overdue.

        A report already seen (same ref) changes nothing, so redelivery is harmless.
        """
        self.state, outputs = step(self.state, event, self.policy)
        if self.state.watermark is not None:
            self.state, overdue = check_overdue(self.state, self.state.watermark)
            outputs.extend(overdue)
        return self._outcome(outputs)

    def on_action(self, action: CaseAction) -> Outcome:
        """Apply one action; an unknown case, an unfit status, a missing field or a case merged
        away is refused with a reason, and an action id already applied is a duplicate that
        changes nothing (so a redelivered merge or split is not applied twice). The ids of
        applied actions are kept as long as the case they acted on."""
        if action.command_id in self.state.commands:
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
        if case.merged_into is not None:
            return Outcome(refused=f"case {case.case_id} was merged into {case.merged_into}")
        try:
            outputs = self._apply(action, to_command(action))
        except CommandRefused as exc:
            return Outcome(refused=exc.reason)
        self._remember(action)
        return self._outcome(outputs)

    def _remember(self, action: CaseAction) -> None:
        """Note the action as applied, and file the cases it finished for dropping."""
        state = self.state
        state.commands[action.command_id] = action.case_id
        state.case_commands.setdefault(action.case_id, []).append(action.command_id)
        for case_id in (action.case_id, action.into_case_id):
            case = state.cases.get(case_id) if case_id else None
            if case is not None and case.is_finished:
                note_finished(state, case, self.policy)

    def _apply(self, action: CaseAction, command: CaseCommand) -> list[Output]:
        state, case_id, at = self.state, action.case_id, action.issued_at
        command_id = action.command_id
        if isinstance(command, MergeCases):
            self.state, outputs = merge_cases(
                state, case_id, command, self.policy, at=at, command_id=command_id
            )
        elif isinstance(command, SplitCase):
            self.state, outputs = split_case(
                state, case_id, command, self.policy, at=at, command_id=command_id
            )
        else:
            self.state, outputs = apply_command(state, case_id, command, at)
        return outputs

    def on_tick(self, at: datetime) -> Outcome:
        """Time passed (wall clock written into the log): escalate overdue cases."""
        self.state, outputs = check_overdue(self.state, at)
        return self._outcome(outputs)

    def on_input(self, value: Event | CaseAction | datetime) -> Outcome:
        """Apply one record of the log, whichever kind it is: a report, an action or a tick."""
        if isinstance(value, CaseAction):
            return self.on_action(value)
        if isinstance(value, datetime):
            return self.on_tick(value)
        return self.on_event(value)

    def cases(self) -> list[Case]:
        """Every case this partition holds (not those dropped), in opening order."""
        return list(self.state.cases.values())

    def _outcome(self, outputs: list[Output]) -> Outcome:
        # One change per case per input, labelled by the last thing that happened to it.
        last: dict[str, str] = {}
        dropped: list[str] = []
        for out in outputs:
            if isinstance(out, CaseDropped):
                dropped.append(out.case_id)
            else:
                last[out.case_id] = _label(out)
        changes = [Change(self.state.cases[cid], label) for cid, label in last.items()]
        return Outcome(changes, dropped=dropped)


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
