"""Dispatcher corrections of the engine: two cases merged into one (两案合并), and reports split
out of a case into a new one.

Pure like the engine: ``merge_cases`` and ``split_case`` MUTATE the state given (as ``step``
does) and return the domain events; a correction that makes no sense raises ``CommandRefused``
with the reason before anything changes. Both keep the state consistent: every report stays in
exactly one case, ``refs`` leads each report's id to the case now holding it, a merged-away case
leaves the candidate index (its profile joins the surviving case's), and the cases changed get
new copies (earlier ``Change`` values keep showing the state they were made from).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from fusionhub.core.case_events import CasesMerged, CaseSplit, CaseUpdated, Output
from fusionhub.core.cases import (
    Case,
    CaseStatus,
    Correction,
    Transition,
    case_id_for,
    compute_priority,
    source_mask_of,
)
from fusionhub.core.correlation import CorrelationState, file_deadline
from fusionhub.core.lifecycle import CommandRefused
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.profile_merge import merge_profiles
from fusionhub.core.scoring import bare_ref


@dataclass(frozen=True, slots=True)
class MergeCases:
    """两案合并: every report of the case acted on moves into ``into``; that case ends merged."""

    into: str
    reason: str
    actor: str = "operator"


@dataclass(frozen=True, slots=True)
class SplitCase:
    """Move ``event_refs`` out of the case acted on into a new case of their own."""

    event_refs: tuple[str, ...]
    reason: str
    actor: str = "operator"


def split_case_id(command_id: str) -> str:
    """The id of the case a split opens: derived from the command, so a replay gives it again.

    Prefixed so that it can never equal the id of a case opened by a report (``case_id_for``).
    """
    return case_id_for(f"split:{command_id}")


def merge_cases(
    state: CorrelationState,
    case_id: str,
    command: MergeCases,
    policy: CorrelationPolicy,
    *,
    at: datetime,
    command_id: str,
) -> tuple[CorrelationState, list[Output]]:
    """Merge case ``case_id`` into ``command.into`` at time ``at`` (the command's issue time).

    Called by ``CaseBook.on_action``. Raises ``CommandRefused`` for an unknown, finished or
    merged case on either side, a case merged into itself, and cases of different counties.
    """
    gone, into = _correctable(state, case_id), _correctable(state, command.into)
    if gone is into:
        raise CommandRefused(case_id, "a case cannot be merged into itself")
    if gone.county_code != into.county_code:
        raise CommandRefused(
            case_id,
            f"cases {case_id} and {into.case_id} are in different counties "
            f"({gone.county_code}, {into.county_code})",
        )
    moved, kept = tuple(gone.event_refs), tuple(into.event_refs)
    correction = Correction(
        command_id, "merge", case_id, into.case_id, moved, kept, command.reason, command.actor, at
    )
    # Both states share one time, at least either's last: the store gives a report to the case
    # whose claim is the later one, so the survivor's claim must not be older than the loser's.
    when = max(at, gone.updated_at, into.updated_at)
    survivor = _absorb(into, gone, policy)
    note = f"{case_id} merged in: {command.reason}"
    _touch(survivor, when, correction, Transition(at, into.status, command.actor, note))
    merged = _merged_away(gone, when, correction)
    _hand_over(state, merged, survivor, into.deadline)
    return state, [
        CasesMerged(case_id, into.case_id, at, moved, command.actor, command.reason),
        _updated(merged, at, f"merged_into:{into.case_id}"),
        _updated(survivor, at, f"merged:{case_id}"),
    ]


def _hand_over(state: CorrelationState, merged: Case, survivor: Case, deadline: datetime) -> None:
    """Put a merge into ``state``: both new copies, every ref (and the old case id) leading to
    the survivor, its deadline refiled if it moved, the profiles joined."""
    state.cases[merged.case_id], state.cases[survivor.case_id] = merged, survivor
    for ref in merged.corrections[-1].moved:
        state.refs[bare_ref(ref)] = survivor.case_id
    state.refs[merged.case_id] = survivor.case_id
    if survivor.deadline != deadline:
        file_deadline(state, survivor)
    profile = merge_profiles(state.index, merged.case_id, survivor)
    if profile is not None:
        survivor.person_token_count = len(profile.tokens)


def split_case(
    state: CorrelationState,
    case_id: str,
    command: SplitCase,
    policy: CorrelationPolicy,
    *,
    at: datetime,
    command_id: str,
) -> tuple[CorrelationState, list[Output]]:
    """Move ``command.event_refs`` out of case ``case_id`` into a new case, at time ``at``.

    The new case's id is ``split_case_id(command_id)``; it starts new, at township level, with
    the old case's place and category. Called by ``CaseBook.on_action``. Raises
    ``CommandRefused`` for an unknown, finished or merged case, no refs, a ref given twice, a
    ref not in the case, and a split that would leave the case without reports.
    """
    case = _correctable(state, case_id)
    moving = _checked_refs(case, command.event_refs)
    new_id = split_case_id(command_id)
    if new_id in state.cases:
        raise CommandRefused(case_id, f"case {new_id} already exists")
    moved = tuple(r for r in case.event_refs if r in moving)
    kept = tuple(r for r in case.event_refs if r not in moving)
    correction = Correction(
        command_id, "split", case_id, new_id, moved, kept, command.reason, command.actor, at
    )
    when = max(at, case.updated_at)
    rest = _copy(case)
    rest.event_refs = list(kept)
    rest.scores = tuple(s for s in case.scores if s[0] not in moving)
    rest.source_mask = source_mask_of(kept)
    note = f"{len(moved)} report(s) split out to {new_id}: {command.reason}"
    _touch(rest, when, correction, Transition(at, rest.status, command.actor, note))
    new = _split_out(case, correction, when, policy)
    state.cases[case_id], state.cases[new_id] = rest, new
    state.refs.update({bare_ref(ref): new_id for ref in (*moved, new_id)})
    file_deadline(state, new)
    return state, [
        CaseSplit(case_id, new_id, at, moved, command.actor, command.reason),
        _updated(rest, at, f"split:{new_id}"),
        _updated(new, at, f"split_from:{case_id}"),
    ]


def _correctable(state: CorrelationState, case_id: str) -> Case:
    case = state.cases.get(case_id)
    if case is None:
        raise CommandRefused(case_id, f"unknown case {case_id}")
    if case.merged_into is not None:
        raise CommandRefused(case_id, f"case {case_id} was merged into {case.merged_into}")
    if case.is_finished:
        raise CommandRefused(case_id, f"case {case_id} is {case.status}")
    return case


def _checked_refs(case: Case, refs: tuple[str, ...]) -> set[str]:
    if not refs:
        raise CommandRefused(case.case_id, "split needs the event refs to move")
    moving = set(refs)
    if len(moving) != len(refs):
        twice = sorted({r for r in refs if refs.count(r) > 1})
        raise CommandRefused(case.case_id, f"event refs given twice: {', '.join(twice)}")
    missing = sorted(moving.difference(case.event_refs))
    if missing:
        raise CommandRefused(case.case_id, f"not in case {case.case_id}: {', '.join(missing)}")
    if len(moving) == len(case.event_refs):
        raise CommandRefused(case.case_id, "a split must leave at least one report in the case")
    return moving


def _absorb(into: Case, gone: Case, policy: CorrelationPolicy) -> Case:
    """A copy of ``into`` holding ``gone``'s reports too, its priority and deadline brought in
    line with them (never lowered: a merge must not make a case less urgent)."""
    case = _copy(into)
    case.event_refs = [*into.event_refs, *gone.event_refs]
    case.scores = (*into.scores, *gone.scores)
    case.source_mask |= gone.source_mask
    case.min_severity = min(into.min_severity, gone.min_severity)
    case.county_code = case.county_code or gone.county_code
    case.township_code = case.township_code or gone.township_code
    if case.village_code is None and case.township_code == gone.township_code:
        case.village_code = gone.village_code
    # Without profiles the distinct people are unknown; the larger count is a floor.
    case.person_token_count = max(into.person_token_count, gone.person_token_count)
    category = policy.category(case.category)
    priority = compute_priority(
        case.min_severity, len(case.sources), len(case.event_refs), category
    )
    case.priority = min(case.priority, priority)
    case.deadline = min(
        into.deadline,
        gone.deadline,
        case.opened_at + policy.deadline(case.category, case.priority),
    )
    return case


def _merged_away(gone: Case, when: datetime, correction: Correction) -> Case:
    """A copy of ``gone`` as it ends: merged, pointing to the survivor, with no reports."""
    case = _copy(gone)
    case.status = CaseStatus.MERGED
    case.merged_into = correction.other_case_id
    case.event_refs, case.scores, case.source_mask, case.person_token_count = [], (), 0, 0
    note = f"merged into {correction.other_case_id}: {correction.reason}"
    entry = Transition(correction.at, CaseStatus.MERGED, correction.actor, note)
    _touch(case, when, correction, entry)
    return case


def _split_out(
    case: Case, correction: Correction, when: datetime, policy: CorrelationPolicy
) -> Case:
    at, moved = correction.at, correction.moved
    mask = source_mask_of(moved)
    priority = compute_priority(
        case.min_severity, bin(mask).count("1"), len(moved), policy.category(case.category)
    )
    note = f"split from {case.case_id}: {correction.reason}"
    # The engine keeps no per-report severity: the old case's worst is the safe guess. The moved
    # reports' scores measured them against the old case, so the new one starts without any.
    return Case(
        case_id=correction.other_case_id,
        county_code=case.county_code,
        township_code=case.township_code,
        village_code=case.village_code,
        category=case.category,
        platform=case.platform,
        priority=priority,
        opened_at=at,
        updated_at=when,
        deadline=at + policy.deadline(case.category, priority),
        event_refs=list(moved),
        history=[Transition(at, CaseStatus.NEW, correction.actor, note)],
        source_mask=mask,
        min_severity=case.min_severity,
        corrections=(correction,),
    )


def _touch(case: Case, when: datetime, correction: Correction, entry: Transition) -> None:
    case.version += 1
    case.updated_at = when
    case.history.append(entry)
    case.corrections = (*case.corrections, correction)


def _updated(case: Case, at: datetime, reason: str) -> CaseUpdated:
    return CaseUpdated(case.case_id, case.version, at, case.status.value, case.priority, reason)


def _copy(case: Case) -> Case:
    new = copy.copy(case)
    new.history = [*case.history]
    new.event_refs = [*case.event_refs]
    return new
