"""``fusionhub sink``: the case store's consumer process, with its metrics and dead letters."""

from __future__ import annotations

import logging
import signal
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from fusionhub.settings import Settings
from fusionhub.sinks.consumer import CaseSinkRunner
from fusionhub.sinks.store import SqlCaseStore
from fusionhub.streams.topics import TopicNames
from fusionhub.wiring import build_codec, build_dead_letters

log = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class SinkMetrics:
    """What the sink counts, and the end-to-end latency from ingest receipt to case stored."""

    def __init__(self, registry: CollectorRegistry, clock: Callable[[], datetime]) -> None:
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
        self.seen_retries = 0
        # Receipt times of recent events, to time the case that first holds each of them.
        self._received: OrderedDict[str, datetime] = OrderedDict()

    def on_stored(self, cases: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        """After a batch is stored: count rows, observe latency for newly cased reports."""
        self.rows.labels("cases").inc(len(cases))
        self.rows.labels("events").inc(len(events))
        self.batches.inc()
        for event in events:
            self._received[event["event_ref"]] = event["received_at"]
        while len(self._received) > 200_000:
            self._received.popitem(last=False)
        now = self.clock()
        for case in cases:
            for ref in case["event_refs"]:
                received = self._received.pop(ref, None)
                if received is not None:
                    self.latency.observe(max((now - received).total_seconds(), 0.0))


def build_sink(settings: Settings) -> tuple[CaseSinkRunner, SinkMetrics, CollectorRegistry]:
    """The runner with metrics and dead-letter hooks; called once by ``fusionhub sink``."""
    registry = CollectorRegistry()
    metrics = SinkMetrics(registry, lambda: datetime.now(UTC))
    codec = build_codec(settings)
    letters = build_dead_letters(settings, codec)
    # The store first: an unusable database folder fails before any broker connection.
    store = SqlCaseStore.from_url(settings.database.resolved_url(settings.data_dir))
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    dead_topic = TopicNames(settings.topic_prefix).dead_letter

    def dead_letter(record: Any, reason: str) -> None:
        letter = letters.seal(
            source="sink",
            stage="decode",
            reason="undecodable_avro",
            detail=reason,
            original=record.value or b"",
            origin_topic=record.topic,
        )
        producer.send(dead_topic, letter, key=b"sink").get(timeout=30)
        metrics.undecodable.inc()

    runner = CaseSinkRunner(
        settings, store, codec=codec, on_undecodable=dead_letter, on_stored=metrics.on_stored
    )
    return runner, metrics, registry


def observe_runner(runner: CaseSinkRunner, metrics: SinkMetrics, group: str) -> None:
    """Copy the runner's retry count and lag into metrics; runs on the runner's own thread
    (kafka-python consumers are not thread-safe)."""
    metrics.retries.inc(runner.retries - metrics.seen_retries)
    metrics.seen_retries = runner.retries
    consumer = runner.consumer
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            lag = max(highwater - consumer.position(tp), 0)
            metrics.lag.labels(group, tp.topic, str(tp.partition)).set(lag)


def run_sink(settings: Settings) -> None:
    """Store cases until SIGTERM or Ctrl-C; /metrics on ``settings.metrics.sink_port``."""
    runner, metrics, registry = build_sink(settings)
    start_http_server(settings.metrics.sink_port, addr=settings.metrics.host, registry=registry)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    group = f"{settings.streams.app_id}-sink"
    try:
        while not stop.is_set():
            runner.run_once(stop)
            observe_runner(runner, metrics, group)
    finally:
        runner.close()
    log.info("sink stopped: %s records stored", runner.rows_written)
