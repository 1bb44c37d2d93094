"""Past-tense domain events emitted by the correlation engine and the case lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fusionhub.core.scoring_types import ScoreBreakdown


@dataclass(frozen=True, slots=True)
class CaseOpened:
    """A report matched no open case, so a new case was opened for it.

    ``repeat_of`` is set when the report is about a problem whose case was already resolved or
    closed (重复投诉).
    """

    case_id: str
    event_ref: str
    at: datetime
    category: str
    township_code: str | None
    priority: int
    repeat_of: str | None = None


@dataclass(frozen=True, slots=True)
class EventAttached:
    """A report was judged to be about an open case and joined it."""

    case_id: str
    event_ref: str
    at: datetime
    score: ScoreBreakdown


@dataclass(frozen=True, slots=True)
class CaseUpdated:
    """A case changed (version bumped); ``reason`` says what changed."""

    case_id: str
    version: int
    at: datetime
    status: str
    priority: int
    reason: str


@dataclass(frozen=True, slots=True)
class CaseEscalated:
    """A case moved up a level (township to county), by command or because it is overdue."""

    case_id: str
    at: datetime
    from_level: str
    to_level: str
    reason: str


@dataclass(frozen=True, slots=True)
class CaseStatusChanged:
    """A lifecycle command moved a case to another status."""

    case_id: str
    at: datetime
    from_status: str
    to_status: str
    actor: str
    note: str


@dataclass(frozen=True, slots=True)
class CasesMerged:
    """A dispatcher merged ``case_id`` into ``into`` (两案合并): its reports moved there."""

    case_id: str
    into: str
    at: datetime
    event_refs: tuple[str, ...]
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class CaseSplit:
    """A dispatcher split reports out of ``case_id`` into the new case ``new_case_id``."""

    case_id: str
    new_case_id: str
    at: datetime
    event_refs: tuple[str, ...]
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class CaseDropped:
    """A finished case left the engine's state: its retention passed in event time
    (``core.retention``). Its last published state stays the case's final state."""

    case_id: str
    at: datetime


Output = (
    CaseOpened
    | EventAttached
    | CaseUpdated
    | CaseEscalated
    | CaseStatusChanged
    | CasesMerged
    | CaseSplit
    | CaseDropped
)
