"""Past-tense domain events emitted by the correlation engine and the case lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fusionhub.core.scoring_types import ScoreBreakdown


@dataclass(frozen=True, slots=True, init=False)
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

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        case_id: str,
        event_ref: str,
        at: datetime,
        category: str,
        township_code: str | None,
        priority: int,
        repeat_of: str | None = None,
    ) -> None:
        object.__setattr__(self, "case_id", case_id)
        object.__setattr__(self, "event_ref", event_ref)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "township_code", township_code)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "repeat_of", repeat_of)


@dataclass(frozen=True, slots=True, init=False)
class EventAttached:
    """A report was judged to be about an open case and joined it."""

    case_id: str
    event_ref: str
    at: datetime
    score: ScoreBreakdown

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(
        self,
        case_id: str,
        event_ref: str,
        at: datetime,
        score: ScoreBreakdown,
    ) -> None:
        object.__setattr__(self, "case_id", case_id)
        object.__setattr__(self, "event_ref", event_ref)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "score", score)


@dataclass(frozen=True, slots=True, init=False)
class CaseUpdated:
    """A case changed (version bumped); ``reason`` says what changed."""

    case_id: str
    version: int
    at: datetime
    status: str
    priority: int
    reason: str

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        case_id: str,
        version: int,
        at: datetime,
        status: str,
        priority: int,
        reason: str,
    ) -> None:
        object.__setattr__(self, "case_id", case_id)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True, init=False)
class CaseEscalated:
    """A case moved up a level (township to county), by command or because it is overdue."""

    case_id: str
    at: datetime
    from_level: str
    to_level: str
    reason: str

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(
        self,
        case_id: str,
        at: datetime,
        from_level: str,
        to_level: str,
        reason: str,
    ) -> None:
        object.__setattr__(self, "case_id", case_id)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "from_level", from_level)
        object.__setattr__(self, "to_level", to_level)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True, init=False)
class CaseStatusChanged:
    """A lifecycle command moved a case to another status."""

    case_id: str
    at: datetime
    from_status: str
    to_status: str
    actor: str
    note: str

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        case_id: str,
        at: datetime,
        from_status: str,
        to_status: str,
        actor: str,
        note: str,
    ) -> None:
        object.__setattr__(self, "case_id", case_id)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "from_status", from_status)
        object.__setattr__(self, "to_status", to_status)
        object.__setattr__(self, "actor", actor)
        object.__setattr__(self, "note", note)


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
