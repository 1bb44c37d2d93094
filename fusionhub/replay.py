"""``fusionhub replay``: a replay folder through the same connectors and ``CaseBook`` as the
stream workers, with no broker. Also how an operator back-fills history or tries a new policy.

Events are grouped by the same partition key the stream uses (the county) and each group runs
through its own ``CaseBook`` in event-time order, so the cases are the ones the stream makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fusionhub.connectors.base import SourceConnector
from fusionhub.connectors.errors import Rejection
from fusionhub.core.casebook import CaseBook
from fusionhub.core.cases import Case, case_to_dict
from fusionhub.core.correlation import event_order_key
from fusionhub.core.events import DeviceHealthRecord, Event, Source
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.ingest.files import iter_items, source_files
from fusionhub.ingest.pipeline import partition_key


@dataclass
class ReplayResult:
    cases: list[Case] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    accepted: int = 0
    duplicate: int = 0
    device_health: int = 0

    def summary(self) -> dict[str, int]:
        """Counts for standard error; accepted + rejected + duplicate + device_health = received."""
        return {
            "received": self.received,
            "accepted": self.accepted,
            "rejected": len(self.rejects),
            "duplicate": self.duplicate,
            "device_health": self.device_health,
            "cases": len(self.cases),
        }


def replay_inputs(folder: Path) -> Iterator[tuple[Source, bytes]]:
    """Every input item of a replay folder, source by source, as raw bytes."""
    for source, files in source_files(folder):
        for item in iter_items(source, files):
            yield source, item.payload


def reject_line(rejection: Rejection) -> dict[str, Any]:
    """One line of the rejects file."""
    return {
        "source": rejection.source.value,
        "source_id": rejection.source_id,
        "stage": rejection.stage,
        "reason": rejection.reason,
        "errors": [{"field": e.field, "message": e.message} for e in rejection.errors],
    }


def replay(
    folder: Path,
    connectors: Mapping[Source, SourceConnector],
    policy: CorrelationPolicy,
    received_at: datetime,
) -> ReplayResult:
    """Convert every input, then correlate the accepted events per partition key."""
    result, events = load_events(folder, connectors, received_at)
    result.cases = correlate_events(events, policy)
    return result


def input_bytes(folder: Path) -> int:
    """The size of a replay folder's inputs, for progress shown against it."""
    return sum(f.stat().st_size for _, files in source_files(folder) for f in files)


def load_events(
    folder: Path,
    connectors: Mapping[Source, SourceConnector],
    received_at: datetime,
    progress: Callable[[int], None] | None = None,
) -> tuple[ReplayResult, list[Event]]:
    """Convert every input of ``folder``: the counts (no cases yet) and the accepted events.
    ``progress`` hears the size of each input converted."""
    result = ReplayResult()
    seen: set[str] = set()
    events: list[Event] = []
    for source, payload in replay_inputs(folder):
        if progress is not None:
            progress(len(payload))
        for item in connectors[source].convert(payload, received_at).results:
            result.received += 1
            if isinstance(item, Rejection):
                result.rejects.append(reject_line(item))
            elif item.event_ref in seen:
                result.duplicate += 1
            elif isinstance(item, DeviceHealthRecord):
                seen.add(item.event_ref)
                result.device_health += 1
            else:
                seen.add(item.event_ref)
                events.append(item)
    result.accepted = len(events)
    return result, events


def correlate_events(
    events: list[Event],
    policy: CorrelationPolicy,
    progress: Callable[[int], None] | None = None,
) -> list[Case]:
    """The cases the stream makes of ``events``: one ``CaseBook`` per partition key, in event
    order. Called by ``replay`` and by the policy fitting on held-out events; ``progress``
    hears every thousand events correlated."""
    books: dict[bytes, CaseBook] = {}
    # Each case's latest state as the stream publishes it: a case the book has since dropped
    # (finished long enough ago) keeps its last state, as a consumer of the case topics does.
    latest: dict[str, Case] = {}
    for done, event in enumerate(sorted(events, key=event_order_key), 1):
        key = partition_key(event.jurisdiction.county_code)
        book = books.get(key)
        if book is None:
            # Not setdefault: a new book derives its candidate index's geometry from the
            # policy (about 150 us), which setdefault would pay for every event.
            book = books[key] = CaseBook(policy)
        for change in book.on_event(event).changes:
            latest[change.case.case_id] = change.case
        if progress is not None and (done % 1000 == 0 or done == len(events)):
            progress(done % 1000 or 1000)
    return sorted(latest.values(), key=lambda c: (c.opened_at, c.case_id))


def case_lines(cases: list[Case]) -> Iterator[dict[str, Any]]:
    """The output lines of docs/sources.md, one per case, with why each report is there.

    Beyond the fields of ``case_to_dict``: ``scores``, the breakdown that attached each report
    after the first, and ``near_misses``, for each report another case also scored, that case
    and its breakdown (``fusionhub evaluate`` explains its errors with both). Fields are only
    ever added to these lines, so external scorers reading ``event_refs`` keep working.
    """
    for case in cases:
        line = case_to_dict(case)
        line["scores"] = [{"event_ref": ref, **score.as_dict()} for ref, score in case.scores]
        line["near_misses"] = [
            {"event_ref": ref, "case_id": other, **score.as_dict()}
            for ref, other, score in case.near_misses
        ]
        yield line
