"""``fusionhub ingest-raw``: consume the raw topics, convert, produce, then commit.

The third way in: departments publish source-native Avro records to ``{prefix}.raw.SOURCE``
(one topic per registered source, its raw schema ``SourceSpec.raw_subject``). Each record is
turned back into the document its source system would have sent (``SourceSpec.document``:
JSON, or a MANSCDP Notify for video) and goes through the same connectors and pipeline as HTTP
and file input, so one set of rules decides what is accepted.
"""

from __future__ import annotations

import logging
import threading

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.registry import SourceRegistry, SourceSpec
from fusionhub.ingest.pipeline import IngestPipeline, IngestReport, PreparedBatch
from fusionhub.ingest.publisher import KafkaPublisher
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
        *,
        publisher: KafkaPublisher,
        clients: KafkaClients,
        topics: TopicNames,
        group_id: str,
        sources: SourceRegistry,
    ) -> None:
        self.pipeline = pipeline
        self.publisher = publisher
        self.by_topic = {topics.raw(spec.name): spec for spec in sources}
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
            spec = self.by_topic[record.topic]
            prepared = self._prepare(spec, record.value or b"")
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

    def _prepare(self, spec: SourceSpec, value: bytes) -> PreparedBatch:
        try:
            native = self.pipeline.codec.decode(value, spec.raw_subject)
        except DecodeError as exc:
            return self.pipeline.reject_undecodable(spec.source, value, str(exc))
        payload, content_type = spec.document(native)
        return self.pipeline.prepare(spec.source, payload, content_type)

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set; called by ``fusionhub ingest-raw``."""
        try:
            while not stop.is_set():
                self.run_once()
        finally:
            self.consumer.close()
