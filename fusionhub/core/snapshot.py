"""A partition's engine state as plain per-case entries, and the state rebuilt from them.

The stream worker keeps each partition's state in snapshots (``fusionhub.streams.snapshots``)
so that a worker taking a partition over restores it instead of replaying the partition's whole
history. A snapshot holds one ``CaseEntry`` per case the state holds and the watermark; every
other structure of ``CorrelationState`` (refs, the candidate index's keys and expiry buckets,
the deadline and retention buckets, the applied action ids) is derived from those entries by
``restore_state``. The derivation gives a state that behaves exactly as the one it replaces:
the index prunes, the overdue check escalates and retention drops by each case's current
values, never by when it was filed. Tests replay a log with a snapshot taken anywhere in it and
compare with the uninterrupted run.

Pure: no I/O, no clock. Serialisation is ``fusionhub.serialization.state``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from fusionhub.core.cases import Case, CaseLevel
from fusionhub.core.correlation import CorrelationState, file_deadline, new_state
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.retention import note_finished
from fusionhub.core.scoring import bare_ref
from fusionhub.core.scoring_types import CaseProfile


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """One case as a snapshot keeps it: the case, its candidate profile while new reports may
    still join it (None once its window passed), and the ids of the actions applied to it."""

    case: Case
    profile: CaseProfile | None
    commands: tuple[str, ...] = ()


def case_entry(state: CorrelationState, case_id: str) -> CaseEntry:
    """The entry of a case ``state`` holds; KeyError for a case it does not hold.

    Called by the worker when it encodes a changed case for the next snapshot.
    """
    return CaseEntry(
        state.cases[case_id],
        state.index.profiles.get(case_id),
        tuple(state.case_commands.get(case_id, ())),
    )


def case_entries(state: CorrelationState) -> Iterator[CaseEntry]:
    """Every case ``state`` holds as an entry, in opening order."""
    for case_id in state.cases:
        yield case_entry(state, case_id)


def unpruned(state: CorrelationState) -> list[str]:
    """Cases still in the candidate index although their window ended before the watermark's
    hour: opened or joined by late reports since the watermark last advanced. The index prunes
    them when it next advances; until then later reports may still join them. A snapshot keeps
    this list (it is short) so that the restored index keeps them too."""
    index = state.index
    if state.watermark is None:
        return []
    now_hour = int(state.watermark.timestamp() // 3600)
    found: list[str] = []
    for hour in index.expiry_hours:
        if hour < now_hour:
            for case_id in index.expiry[hour]:
                p = index.profiles.get(case_id)
                if p is not None and p.expires_at.timestamp() // 3600 < now_hour:
                    found.append(case_id)
    return sorted(set(found))


def restore_state(
    policy: CorrelationPolicy,
    entries: Iterable[CaseEntry],
    watermark: datetime | None,
    unpruned_ids: Iterable[str] = (),
) -> CorrelationState:
    """The state a snapshot describes.

    Called when a worker restores a partition, with the entries of one snapshot in its order,
    its watermark and its ``unpruned`` list. An entry's profile may be one the original index
    has pruned since the case last changed (the snapshot reuses an entry until its case
    changes): every profile whose window ended before the watermark's hour is pruned again
    here, except those the original had not yet pruned, so the index equals the original's.
    Finished cases due to be dropped are dropped, as in the original, when the watermark next
    advances.
    """
    state = new_state(policy)
    state.watermark = watermark
    for entry in entries:
        _put(state, entry, policy)
    if watermark is not None:
        kept = [p for c in unpruned_ids if (p := state.index.profiles.get(c)) is not None]
        state.index.prune(watermark)
        for profile in kept:
            state.index.add(profile)
    return state


def _put(state: CorrelationState, entry: CaseEntry, policy: CorrelationPolicy) -> None:
    case = entry.case
    case_id = case.case_id
    state.cases[case_id] = case
    for ref in case.event_refs:
        state.refs[bare_ref(ref)] = case_id
    # A merged-away case's id leads to the case it went into, as the merge left it.
    state.refs[case_id] = case.merged_into or case_id
    if entry.profile is not None:
        state.index.add(entry.profile)
    if entry.commands:
        state.case_commands[case_id] = list(entry.commands)
        for command_id in entry.commands:
            state.commands[command_id] = case_id
    if case.is_finished:
        note_finished(state, case, policy)
    elif case.level is CaseLevel.TOWNSHIP:
        file_deadline(state, case)
