"""``fusionhub ingest-raw``: consume the raw topics, convert, produce, then commit."""

from __future__ import annotations

import logging
import threading

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.events import Source
from fusionhub.ingest.pipeline import IngestPipeline, IngestReport, PreparedBatch
from fusionhub.ingest.publisher import KafkaPublisher
from fusionhub.ingest.raw import RAW_SUBJECTS, native_document
from fusionhub.serialization import DecodeError

log = logging.getLogger(__name__)


class RawTopicRunner:
    """Moves source-native records from the raw topics into the event log.

    Offsets are committed only after everything a poll produced (events, dead letters, device
    health) is acknowledged, so a crash re-reads records and never skips one; the refs already
    seen make the re-read records duplicates rather than second events.
    """

    def __init__(
        self,
        pipeline: IngestPipeline,
        publisher: KafkaPublisher,
        clients: KafkaClients,
        topics: TopicNames,
        group_id: str,
    ) -> None:
        self.pipeline = pipeline
        self.publisher = publisher
        self.by_topic = {topics.raw(s.value): s for s in Source}
        self.consumer = clients.consumer(
            *self.by_topic,
            role="ingest-raw",
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.report = IngestReport()

    def run_once(self, timeout_ms: int = 500) -> int:
        """Poll once, convert and produce everything, commit; returns the records handled."""
        polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=2000)
        records = [r for batch in polled.values() for r in batch]
        if not records:
            return 0
        outgoing, refs = [], []
        for record in records:
            source = self.by_topic[record.topic]
            prepared = self._prepare(source, record.value or b"")
            self.report.items.extend(prepared.report.items)
            outgoing.extend(prepared.records)
            refs.extend(prepared.new_refs)
        try:
            self.publisher.send_and_wait(outgoing)
        except Exception:
            self.pipeline.seen.forget(refs)
            raise
        self.pipeline.seen.confirm(refs)
        self.consumer.commit()
        return len(records)

    def _prepare(self, source: Source, value: bytes) -> PreparedBatch:
        try:
            native = self.pipeline.codec.decode(value, RAW_SUBJECTS[source])
        except DecodeError as exc:
            return self.pipeline.reject_undecodable(source, value, str(exc))
        payload, content_type = native_document(source, native)
        return self.pipeline.prepare(source, payload, content_type)

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set; called by ``fusionhub ingest-raw``."""
        try:
            while not stop.is_set():
                self.run_once()
        finally:
            self.consumer.close()
