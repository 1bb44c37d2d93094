"""Forgetting finished cases, so that the engine's state (and recovering it) stays bounded.

A resolved, closed or merged-away case is dropped from ``CorrelationState`` once its retention
(``CorrelationPolicy.retention_hours``: the longer of ``finished_retention`` and its category's
window) has passed in event time: the case, the refs leading to it, its candidate profile and
the ids of the actions applied to it. Until then a repeat complaint still links to it, a quoted
ref still finds it and actions on it still apply; afterwards a report quoting it opens a new
case and an action naming it is refused as for an unknown case.

Pure and deterministic: the decision depends only on the log (the event-time watermark and the
times in each case's history), and only on each case's current state, not on when it was
filed, so a state rebuilt from a snapshot (``core.snapshot``) drops exactly what the
uninterrupted run drops. Like the engine, these functions MUTATE the state they are given.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from fusionhub.core.case_events import CaseDropped
from fusionhub.core.cases import Case
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.scoring import bare_ref

if TYPE_CHECKING:
    from fusionhub.core.correlation import CorrelationState


def due_hour(case: Case, policy: CorrelationPolicy) -> int:
    """The hour (since 1970) after which a finished case may be dropped: its retention counted
    from the hour of the last entry of its history, the one that finished it."""
    finished = int(case.history[-1].at.timestamp() // 3600)
    return finished + policy.retention_hours(case.category)


def note_finished(state: CorrelationState, case: Case, policy: CorrelationPolicy) -> None:
    """File a case that has just finished (or finished again) under its due hour.

    Called by ``CaseBook`` after every action that leaves a case finished, and by the restore
    of a snapshot for every finished case. Filing twice is harmless: an entry whose case has
    since changed is skipped when its hour comes.
    """
    _file(state, case.case_id, due_hour(case, policy))


def _file(state: CorrelationState, case_id: str, hour: int) -> None:
    bucket = state.finished.get(hour)
    if bucket is None:
        state.finished[hour] = bucket = []
        heapq.heappush(state.finished_hours, hour)
    bucket.append(case_id)


def drop_finished(state: CorrelationState, policy: CorrelationPolicy) -> list[CaseDropped]:
    """Drop every case whose retention ended before the watermark's hour; returns them.

    Called by ``correlation.step`` whenever the watermark advances, after the candidate index
    was pruned. A case still in the candidate index (a report joined it late) is kept and
    looked at again next hour; a case reopened since it was filed is skipped.
    """
    if state.watermark is None:
        return []
    at = state.watermark
    now_hour = int(at.timestamp() // 3600)
    dropped: list[CaseDropped] = []
    keep: list[str] = []
    while state.finished_hours and state.finished_hours[0] < now_hour:
        # In case id order: the order cases were filed in is not part of the state a snapshot
        # keeps (a restore files them in opening order), and drops must come out the same.
        for case_id in sorted(state.finished.pop(heapq.heappop(state.finished_hours))):
            case = state.cases.get(case_id)
            if case is None or not case.is_finished or due_hour(case, policy) >= now_hour:
                continue  # gone, reopened, or finished again later (filed under that hour)
            if case_id in state.index.profiles:
                keep.append(case_id)
                continue
            forget(state, case)
            dropped.append(CaseDropped(case_id, at))
    for case_id in keep:
        _file(state, case_id, now_hour)
    return dropped


def forget(state: CorrelationState, case: Case) -> None:
    """Remove ``case`` and everything leading to it from ``state``.

    Refs now leading to another case (reports merged or split away) are left alone; a ref of a
    case merged into this one that still names this one is left dangling, and lookups treat a
    missing case as no match.
    """
    case_id = case.case_id
    del state.cases[case_id]
    refs = state.refs
    for ref in case.event_refs:
        key = bare_ref(ref)
        if refs.get(key) == case_id:
            del refs[key]
    if refs.get(case_id) in (case_id, case.merged_into):
        del refs[case_id]
    state.index.remove(case_id)
    for command_id in state.case_commands.pop(case_id, ()):
        state.commands.pop(command_id, None)
