"""From a payload to records ready to produce, and the per-item answer for the sender.

Every item ends as exactly one of: accepted (an event), rejected (a dead letter with a reason),
duplicate (its source id was already ingested), or device health. ``IngestReport`` carries the
counts, which always add up to what was received.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.base import SourceConnector
from fusionhub.connectors.errors import FieldError, Reason, Rejection
from fusionhub.core.events import DeviceHealthRecord, Event, Source
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import (
    DEVICE_HEALTH_SUBJECT,
    EVENT_SUBJECT,
    device_health_to_record,
    event_to_record,
)

ACCEPTED, REJECTED, DUPLICATE, DEVICE_HEALTH = "accepted", "rejected", "duplicate", "device_health"


# Built per record, so these are plain classes: compiled, their __init__ is native (a compiled
# dataclass keeps Python's). Nothing mutates one after it is built.
class ItemOutcome:
    """What became of one input item: its status, its ref, and why it was refused."""

    def __init__(
        self,
        status: str,
        event_ref: str | None = None,
        reason: str | None = None,
        errors: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.status = status
        self.event_ref = event_ref
        self.reason = reason
        self.errors = errors

    def __repr__(self) -> str:
        return (
            f"ItemOutcome(status={self.status!r}, event_ref={self.event_ref!r}, "
            f"reason={self.reason!r}, errors={self.errors!r})"
        )

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"status": self.status}
        if self.event_ref:
            out["event_ref"] = self.event_ref
        if self.reason:
            out["reason"] = self.reason
            out["errors"] = [{"field": f, "message": m} for f, m in self.errors]
        return out


@dataclass
class IngestReport:
    """What one payload (or one file) gave, item by item and in sum."""

    items: list[ItemOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def received(self) -> int:
        return len(self.items)

    def summary(self) -> dict[str, int]:
        """Counts by status; ``received`` is their sum by construction."""
        statuses = (ACCEPTED, REJECTED, DUPLICATE, DEVICE_HEALTH)
        return {"received": self.received} | {s: self.count(s) for s in statuses}


class OutgoingRecord:
    """One record to produce: topic, key (partitioning) and Avro value."""

    def __init__(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.topic = topic
        self.key = key
        self.value = value


class Converted:
    """One input item converted and encoded, before duplicate detection."""

    def __init__(self, outcome: ItemOutcome, record: OutgoingRecord) -> None:
        self.outcome = outcome
        self.record = record


@dataclass
class PreparedBatch:
    """Records to produce for one payload, and the refs to remember once they are acknowledged."""

    report: IngestReport
    records: list[OutgoingRecord]
    new_refs: list[str]


@dataclass
class Judgement:
    """What ``IngestPipeline.judge`` decided for a list of converted items."""

    report: IngestReport
    keep: list[int]  # indices of the items to produce (all but the duplicates)
    new_refs: list[str]  # to confirm once those items are acknowledged


class SeenRefs:
    """Event refs already ingested, so the same source id sent twice makes one event.

    Refs enter ``pending`` when prepared and become seen only after the broker acknowledged
    them; a failed publish forgets them, so the sender's retry is not mistaken for a duplicate.
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._seen: set[str] = set(known)
        self._pending: set[str] = set()

    def claim(self, ref: str) -> bool:
        """True if ``ref`` is new (and now pending); False if seen or pending already."""
        if ref in self._seen or ref in self._pending:
            return False
        self._pending.add(ref)
        return True

    def confirm(self, refs: Iterable[str]) -> None:
        for ref in refs:
            self._pending.discard(ref)
            self._seen.add(ref)

    def forget(self, refs: Iterable[str]) -> None:
        for ref in refs:
            self._pending.discard(ref)

    def __len__(self) -> int:
        return len(self._seen)


def partition_key(county_code: str | None) -> bytes:
    """Events are keyed by county so every report of one incident meets in one partition."""
    return (county_code or "unknown").encode()


class IngestPipeline:
    """Connectors, dedup, Avro encoding and dead letters, shared by every way in."""

    def __init__(
        self,
        *,
        connectors: Mapping[Source, SourceConnector],
        codec: AvroCodec,
        dead_letters: DeadLetterWriter,
        topics: TopicNames,
        metrics: IngestMetrics,
        seen: SeenRefs,
        clock: Callable[[], datetime],
    ) -> None:
        self.connectors = connectors
        self.codec = codec
        self.dead_letters = dead_letters
        self.topics = topics
        self.metrics = metrics
        self.seen = seen
        self.clock = clock

    def prepare(
        self, source: Source, payload: bytes, content_type: str | None = None
    ) -> PreparedBatch:
        """Convert one payload and build its outgoing records; never raises on bad input.

        Called once per HTTP body, raw-topic message or file line. Counters are updated here.
        """
        return self.admit(source, self.convert(source, payload, content_type))

    def convert(
        self, source: Source, payload: bytes, content_type: str | None = None
    ) -> list[Converted]:
        """The CPU-heavy half: connectors, Avro encoding, sealing dead letters. No dedup and
        no counters, so file ingest can run it in worker processes."""
        batch = self.connectors[source].convert(payload, self.clock(), content_type)
        return [self._converted(source, result) for result in batch.results]

    def admit(self, source: Source, converted: list[Converted]) -> PreparedBatch:
        """The stateful half: drop duplicates, count, and collect what is to be produced."""
        judged = self.judge(source, [item.outcome for item in converted])
        records = [converted[i].record for i in judged.keep]
        return PreparedBatch(judged.report, records, judged.new_refs)

    def judge(self, source: Source, outcomes: list[ItemOutcome]) -> Judgement:
        """``admit`` on the outcomes alone: which items to produce, the report, the new refs.

        Called in input order, by ``admit`` and by the parent of file-ingest workers, which
        produce the records themselves. An item whose ref is already seen, or pending from an
        earlier item, becomes a duplicate; counters are updated here.
        """
        judged = Judgement(IngestReport(), [], [])
        rejected: Counter[str] = Counter()
        for index, outcome in enumerate(outcomes):
            status, ref = outcome.status, outcome.event_ref
            if status != REJECTED and ref is not None and not self.seen.claim(ref):
                judged.report.items.append(ItemOutcome(DUPLICATE, ref))
                continue
            if status == REJECTED:
                rejected[outcome.reason or ""] += 1
            else:
                judged.new_refs.append(ref or "")
            judged.keep.append(index)
            judged.report.items.append(outcome)
        self._count(source, judged.report, rejected)
        return judged

    def _count(self, source: Source, report: IngestReport, rejected: Counter[str]) -> None:
        # Once per batch rather than per item: a labelled counter costs a lookup each time.
        m, label = self.metrics, source.value
        counts = Counter(i.status for i in report.items)
        m.received.labels(label).inc(len(report.items))
        for counter, status in (
            (m.accepted, ACCEPTED),
            (m.duplicates, DUPLICATE),
            (m.device_health, DEVICE_HEALTH),
        ):
            if counts[status]:
                counter.labels(label).inc(counts[status])
        for reason, n in rejected.items():
            m.rejected.labels(label, reason).inc(n)

    def _converted(
        self, source: Source, result: Event | DeviceHealthRecord | Rejection
    ) -> Converted:
        if isinstance(result, Rejection):
            return self._rejected(source, result)
        if isinstance(result, Event):
            value = self.codec.encode_object(EVENT_SUBJECT, result, event_to_record)
            key = partition_key(result.jurisdiction.county_code)
            record = OutgoingRecord(self.topics.events, key, value)
            return Converted(ItemOutcome(ACCEPTED, result.event_ref), record)
        value = self.codec.encode(DEVICE_HEALTH_SUBJECT, device_health_to_record(result))
        record = OutgoingRecord(self.topics.device_health, result.device_id.encode(), value)
        return Converted(ItemOutcome(DEVICE_HEALTH, result.event_ref), record)

    def _rejected(self, source: Source, rej: Rejection, size: int | None = None) -> Converted:
        errors = tuple((e.field, e.message) for e in rej.errors)
        letter = self.dead_letters.seal(
            source=source.value,
            source_id=rej.source_id,
            stage=rej.stage,
            reason=rej.reason,
            errors=errors,
            original=rej.original,
            original_size=size,
        )
        record = OutgoingRecord(self.topics.dead_letter, source.value.encode(), letter)
        ref = f"{source.value}:{rej.source_id}" if rej.source_id else None
        return Converted(ItemOutcome(REJECTED, ref, rej.reason, errors), record)

    def reject_whole(self, source: Source, rejection: Rejection, size: int) -> PreparedBatch:
        """A payload refused before any connector saw it (e.g. too large for the API).

        ``rejection.original`` may hold only a head of the payload; ``size`` is its full size.
        """
        return self.admit(source, [self._rejected(source, rejection, size)])

    def reject_undecodable(self, source: Source, original: bytes, detail: str) -> PreparedBatch:
        """A raw-topic record that is not Avro of its source's native schema."""
        error = FieldError("$", detail, Reason.MALFORMED_AVRO)
        rejection = Rejection(source, None, "parse", Reason.MALFORMED_AVRO.value, [error], original)
        return self.reject_whole(source, rejection, len(original))
