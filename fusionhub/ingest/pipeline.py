"""From a payload to records ready to produce, and the per-item answer for the sender.

Every item ends as exactly one of: accepted (an event), rejected (a dead letter with a reason),
duplicate (its source id was already ingested), or device health. ``IngestReport`` carries the
counts, which always add up to what was received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fusionhub.connectors.base import SourceConnector
from fusionhub.connectors.errors import FieldError, Reason, Rejection
from fusionhub.core.events import DeviceHealthRecord, Event, Source
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.publisher import OutgoingRecord
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import (
    DEVICE_HEALTH_SUBJECT,
    EVENT_SUBJECT,
    device_health_to_record,
    event_to_record,
)
from fusionhub.streams.topics import TopicNames

ACCEPTED, REJECTED, DUPLICATE, DEVICE_HEALTH = "accepted", "rejected", "duplicate", "device_health"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    status: str
    event_ref: str | None = None
    reason: str | None = None
    errors: tuple[tuple[str, str], ...] = ()

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


@dataclass
class PreparedBatch:
    """Records to produce for one payload, and the refs to remember once they are acknowledged."""

    report: IngestReport
    records: list[OutgoingRecord]
    new_refs: list[str]


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
        batch = self.connectors[source].convert(payload, self.clock(), content_type)
        prepared = PreparedBatch(IngestReport(), [], [])
        for result in batch.results:
            self.metrics.received.labels(source.value).inc()
            if isinstance(result, Rejection):
                self._reject(source, result, prepared)
            elif not self.seen.claim(result.event_ref):
                self.metrics.duplicates.labels(source.value).inc()
                prepared.report.items.append(ItemOutcome(DUPLICATE, result.event_ref))
            elif isinstance(result, Event):
                self._accept(source, result, prepared)
            else:
                self._device_health(source, result, prepared)
        return prepared

    def reject_whole(self, source: Source, rejection: Rejection, size: int) -> PreparedBatch:
        """A payload refused before any connector saw it (e.g. too large for the API).

        ``rejection.original`` may hold only a head of the payload; ``size`` is its full size.
        """
        prepared = PreparedBatch(IngestReport(), [], [])
        self.metrics.received.labels(source.value).inc()
        self._reject(source, rejection, prepared, size)
        return prepared

    def reject_undecodable(self, source: Source, original: bytes, detail: str) -> PreparedBatch:
        """A raw-topic record that is not Avro of its source's native schema."""
        error = FieldError("$", detail, Reason.MALFORMED_AVRO)
        rejection = Rejection(source, None, "parse", Reason.MALFORMED_AVRO.value, [error], original)
        return self.reject_whole(source, rejection, len(original))

    def _accept(self, source: Source, event: Event, out: PreparedBatch) -> None:
        value = self.codec.encode(EVENT_SUBJECT, event_to_record(event))
        key = partition_key(event.jurisdiction.county_code)
        ref = event.event_ref.encode()
        out.records.append(OutgoingRecord(self.topics.events, key, value, [("event_ref", ref)]))
        out.new_refs.append(event.event_ref)
        out.report.items.append(ItemOutcome(ACCEPTED, event.event_ref))
        self.metrics.accepted.labels(source.value).inc()

    def _device_health(self, source: Source, rec: DeviceHealthRecord, out: PreparedBatch) -> None:
        value = self.codec.encode(DEVICE_HEALTH_SUBJECT, device_health_to_record(rec))
        headers = [("event_ref", rec.event_ref.encode())]
        out.records.append(
            OutgoingRecord(self.topics.device_health, rec.device_id.encode(), value, headers)
        )
        out.new_refs.append(rec.event_ref)
        out.report.items.append(ItemOutcome(DEVICE_HEALTH, rec.event_ref))
        self.metrics.device_health.labels(source.value).inc()

    def _reject(
        self, source: Source, rej: Rejection, out: PreparedBatch, size: int | None = None
    ) -> None:
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
        key = source.value.encode()
        out.records.append(OutgoingRecord(self.topics.dead_letter, key, letter))
        ref = f"{source.value}:{rej.source_id}" if rej.source_id else None
        out.report.items.append(ItemOutcome(REJECTED, ref, rej.reason, errors))
        self.metrics.rejected.labels(source.value, rej.reason).inc()
