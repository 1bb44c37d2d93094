"""What the sink loop counts, and the end-to-end latency from ingest receipt to case stored."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from fusionhub.sinks.contract import SinkBatch

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
# Receipt times of this many recent events are kept to time the case that first holds each.
_RECEIPTS_KEPT = 200_000


class SinkMetrics:
    """The sink's Prometheus metrics, whatever the sink. Updated by ``SinkLoop`` only."""

    def __init__(self, registry: CollectorRegistry, clock: Callable[[], datetime]) -> None:
        self.registry = registry
        self.clock = clock
        self.rows = Counter(
            "fusionhub_sink_rows_written", "Records stored, by table.", ["table"], registry=registry
        )
        self.batches = Counter("fusionhub_sink_batches", "Batches committed.", registry=registry)
        self.retries = Counter(
            "fusionhub_sink_retries",
            "Store attempts that failed and were retried.",
            registry=registry,
        )
        self.undecodable = Counter(
            "fusionhub_sink_undecodable", "Records dead-lettered as undecodable.", registry=registry
        )
        self.latency = Histogram(
            "fusionhub_end_to_end_latency_seconds",
            "From ingest receipt of a report to its case stored.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.lag = Gauge(
            "fusionhub_consumer_lag_records",
            "Records on the broker not yet processed.",
            ["group", "topic", "partition"],
            registry=registry,
        )
        self._received: OrderedDict[str, datetime] = OrderedDict()

    def on_stored(self, batch: SinkBatch) -> None:
        """After a batch is stored and flushed: count rows, observe latency for reports whose
        first case just got stored."""
        self.rows.labels("cases").inc(len(batch.cases))
        self.rows.labels("events").inc(len(batch.events))
        self.batches.inc()
        for event in batch.events:
            self._received[event["event_ref"]] = event["received_at"]
        while len(self._received) > _RECEIPTS_KEPT:
            self._received.popitem(last=False)
        now = self.clock()
        for case in batch.cases:
            for ref in case["event_refs"]:
                received = self._received.pop(ref, None)
                if received is not None:
                    self.latency.observe(max((now - received).total_seconds(), 0.0))
