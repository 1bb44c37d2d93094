"""The case: one incident, however many reports it came in by.

A ``Case`` is mutable plain data with ``__slots__`` so that a million open cases fit in memory;
the engine and the lifecycle are the only writers. ``case_to_dict`` gives the replay output line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any

from fusionhub.core.events import Platform, Source
from fusionhub.core.policy import CategoryPolicy
from fusionhub.core.scoring_types import ScoreBreakdown


class CaseStatus(StrEnum):
    """Where a case is in handling (受理 派遣 处置 办结 评价, plus escalated and reopened);
    ``merged`` is the end of a case whose reports a dispatcher moved into another (两案合并)."""

    NEW = "new"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    MERGED = "merged"


FINISHED_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.MERGED})


class CaseLevel(StrEnum):
    """Which command platform holds the case."""

    TOWNSHIP = "township"
    COUNTY = "county"


ENGINE_ACTOR = "correlation"

# Each source gets a bit of ``Case.source_mask`` the first time a case meets it: a memo of the
# process, not a list of sources (any source works), so masks are never stored or sent; cases
# give their sources by name (``Case.sources``), in name order.
_SOURCE_BITS: dict[str, int] = {}
_SOURCE_OF_BIT: dict[int, Source] = {}


def _bit_of(source: str) -> int:
    bit = _SOURCE_BITS.get(source)
    if bit is None:
        bit = _SOURCE_BITS[source] = 1 << len(_SOURCE_BITS)
        _SOURCE_OF_BIT[bit] = Source.of(source)
    return bit


@dataclass(frozen=True, slots=True, init=False)
class Transition:
    """One entry of a case's history: the status it entered, when, by whom and why."""

    at: datetime
    status: CaseStatus
    actor: str
    note: str = ""

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(
        self,
        at: datetime,
        status: CaseStatus,
        actor: str,
        note: str = "",
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "actor", actor)
        object.__setattr__(self, "note", note)


@dataclass(frozen=True, slots=True)
class Correction:
    """A dispatcher's correction of the engine, kept on every case it touched.

    For a merge ``case_id`` is the case merged away, ``other_case_id`` the one it went into,
    ``moved`` its reports and ``kept`` the surviving case's reports before the merge. For a split
    ``case_id`` is the case split, ``other_case_id`` the new case, ``moved`` the reports that left
    and ``kept`` those that stayed. The export of corrections as labels reads these.
    """

    command_id: str
    action: str
    case_id: str
    other_case_id: str
    moved: tuple[str, ...]
    kept: tuple[str, ...]
    reason: str
    actor: str
    at: datetime


@dataclass(slots=True, init=False)
class Case:
    """One incident and everything the hub knows about its handling.

    ``version`` increases on every change. ``sources`` is kept as a bit mask (see ``sources``)
    and ``scores`` holds ``(event_ref, breakdown)`` for every report that joined after the first
    (a tuple, so the many single-report cases share the empty one). ``merged_into`` points to
    the surviving case once this one is merged away; ``corrections`` are the merges and splits
    that touched the case, oldest first (the empty tuple, shared, for nearly every case).
    ``near_misses`` holds ``(event_ref, other_case_id, breakdown)`` for reports of this case
    that another case also scored: the best such case, which the report did not join (vetoed,
    under the threshold or outscored).
    """

    case_id: str
    county_code: str | None
    township_code: str | None
    village_code: str | None
    category: str
    platform: Platform
    priority: int
    opened_at: datetime
    updated_at: datetime
    deadline: datetime
    event_refs: list[str]
    history: list[Transition]
    status: CaseStatus = CaseStatus.NEW
    level: CaseLevel = CaseLevel.TOWNSHIP
    version: int = 1
    source_mask: int = 0
    person_token_count: int = 0
    min_severity: int = 4
    repeat_of: str | None = None
    scores: tuple[tuple[str, ScoreBreakdown], ...] = ()
    near_misses: tuple[tuple[str, str, ScoreBreakdown], ...] = ()
    accepted_at: datetime | None = None
    department: str | None = None
    evaluation: str | None = None
    merged_into: str | None = None
    corrections: tuple[Correction, ...] = ()

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        case_id: str,
        county_code: str | None,
        township_code: str | None,
        village_code: str | None,
        category: str,
        platform: Platform,
        priority: int,
        opened_at: datetime,
        updated_at: datetime,
        deadline: datetime,
        event_refs: list[str],
        history: list[Transition],
        status: CaseStatus = CaseStatus.NEW,
        level: CaseLevel = CaseLevel.TOWNSHIP,
        version: int = 1,
        source_mask: int = 0,
        person_token_count: int = 0,
        min_severity: int = 4,
        repeat_of: str | None = None,
        scores: tuple[tuple[str, ScoreBreakdown], ...] = (),
        near_misses: tuple[tuple[str, str, ScoreBreakdown], ...] = (),
        accepted_at: datetime | None = None,
        department: str | None = None,
        evaluation: str | None = None,
        merged_into: str | None = None,
        corrections: tuple[Correction, ...] = (),
    ) -> None:
        self.case_id = case_id
        self.county_code = county_code
        self.township_code = township_code
        self.village_code = village_code
        self.category = category
        self.platform = platform
        self.priority = priority
        self.opened_at = opened_at
        self.updated_at = updated_at
        self.deadline = deadline
        self.event_refs = event_refs
        self.history = history
        self.status = status
        self.level = level
        self.version = version
        self.source_mask = source_mask
        self.person_token_count = person_token_count
        self.min_severity = min_severity
        self.repeat_of = repeat_of
        self.scores = scores
        self.near_misses = near_misses
        self.accepted_at = accepted_at
        self.department = department
        self.evaluation = evaluation
        self.merged_into = merged_into
        self.corrections = corrections

    @property
    def sources(self) -> tuple[Source, ...]:
        """The distinct source systems that reported this incident, in name order."""
        mask = self.source_mask
        return tuple(sorted(s for bit, s in _SOURCE_OF_BIT.items() if mask & bit))

    @property
    def is_finished(self) -> bool:
        """Resolved or closed (a new report about it opens a repeat case), or merged away (its
        reports and refs lead to the case it was merged into)."""
        return self.status in FINISHED_STATUSES

    def add_source(self, source: Source) -> None:
        """Record that ``source`` reported this incident."""
        self.source_mask |= _bit_of(source)

    def __copy__(self) -> Case:
        """A shallow copy, as ``copy.copy`` makes: every field shared, none copied.

        The overdue check copies a case per escalation; the generic slots copy is 8x slower.
        """
        return Case(*_field_values(self))


_field_values = attrgetter(*(f.name for f in fields(Case)))


def source_mask_of(event_refs: Iterable[str]) -> int:
    """The ``Case.source_mask`` of a set of reports, read from their ``SOURCE:`` prefixes."""
    mask = 0
    for ref in event_refs:
        prefix, colon, _ = ref.partition(":")
        if colon and _SOURCE_NAME.fullmatch(prefix):
            mask |= _bit_of(prefix)
    return mask


_SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)


def case_id_for(first_event_ref: str) -> str:
    """Deterministic case id from the report that opened the case.

    Replays and separate stream partitions give the same id to the same case, whatever else
    they have seen.
    """
    return "C" + hashlib.blake2b(first_event_ref.encode("utf-8"), digest_size=8).hexdigest()


def compute_priority(
    min_severity: int, source_count: int, report_count: int, category: CategoryPolicy
) -> int:
    """Priority 1 (highest) to 4 from severity, source mix and number of reports.

    Severity is the most serious (lowest) severity of any report. Three or more distinct source
    systems confirm the incident, and five or more reports show it affects many people: each
    raises the priority by one. A burst category (fire, crowding) is never below priority 2.
    """
    priority = min(max(min_severity, 1), 4)
    if category.burst:
        priority = min(priority, 2)
    if source_count >= 3:
        priority -= 1
    if report_count >= 5:
        priority -= 1
    return max(priority, 1)


def case_to_dict(case: Case, detail: bool = False) -> dict[str, Any]:
    """The replay output line of docs/sources.md; ``detail`` adds history and scores.

    Called by the replay command and the case sinks when writing a case out.
    """
    line: dict[str, Any] = {
        "case_id": case.case_id,
        "county_code": case.county_code,
        "township_code": case.township_code,
        "category": case.category,
        "platform": case.platform.value,
        "priority": case.priority,
        "status": case.status.value,
        "opened_at": case.opened_at.isoformat(),
        "event_refs": list(case.event_refs),
    }
    if detail:
        line.update(
            village_code=case.village_code,
            level=case.level.value,
            version=case.version,
            updated_at=case.updated_at.isoformat(),
            deadline=case.deadline.isoformat(),
            sources=[s.value for s in case.sources],
            person_token_count=case.person_token_count,
            repeat_of=case.repeat_of,
            merged_into=case.merged_into,
            department=case.department,
            evaluation=case.evaluation,
            history=[
                {"at": t.at.isoformat(), "status": t.status.value, "actor": t.actor, "note": t.note}
                for t in case.history
            ],
            scores=[{"event_ref": ref, **score.as_dict()} for ref, score in case.scores],
        )
    return line
