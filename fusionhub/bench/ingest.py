"""``fusionhub bench ingest``: the connector path against kafka-python producing the same bytes.

Both sides run in the same process against the same broker, alternating, several rounds; the
figures are medians and the ratio is taken per round before the median. The connector path is
file lines in, acknowledged Avro events on the broker out (parse, validate, normalise, resolve
jurisdiction, protect personal data, encode, produce). The raw path produces each input line's
bytes as they are, with the same producer settings.

Each side's clock starts once it is ready: worker processes forked, producers created and the
fresh topics' metadata known to each. The connector side runs as ``fusionhub ingest`` does, one
worker process per core, each converting and producing with a producer of its own; the raw side
is one kafka-python producer. The single-process figure runs the connector path in one process.
A new topic has no leader for a moment; counted in, that wait was about 140 ms of the raw side's
300 ms round and flattered the ratio of short runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.events import Source
from fusionhub.heap import settle_startup_heap
from fusionhub.ingest.files import ingest_files, input_files, iter_items
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.parallel import default_workers, open_ingest
from fusionhub.ingest.pipeline import IngestPipeline
from fusionhub.ingest.publisher import KafkaPublisher

JSON_SOURCES = (Source("grid"), Source("hotline"), Source("petition"))


@dataclass(frozen=True)
class IngestRun:
    """One round's hub, built by the composition root: a fresh topic prefix with the hub's
    topics and ``raw_topic`` created, and how to build its ingest parts."""

    topics: TopicNames
    clients: KafkaClients
    raw_topic: str
    pipeline: Callable[[IngestMetrics], IngestPipeline]
    publisher: Callable[[IngestMetrics], KafkaPublisher]
    # The ingest producer's batching, given to the raw side's producer too.
    producer_options: Mapping[str, Any]
    drop: Callable[[], object]  # deletes the run's topics


NewRun = Callable[[], IngestRun]


@dataclass(frozen=True)
class Round:
    connector_eps: float
    single_process_eps: float
    raw_eps: float


def _connector_round(run: IngestRun, folder: Path, workers: int) -> tuple[float, int]:
    """Like ``fusionhub ingest`` of each source's file, timed from ready to acknowledged."""
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = run.pipeline(metrics)
    settle_startup_heap()  # as ``fusionhub ingest`` does; it applies to the raw rounds too
    items = 0
    topics = run.topics
    with open_ingest(pipeline, workers, lambda: run.publisher(metrics)) as chunked:
        chunked.ready([topics.events, topics.dead_letter, topics.device_health])
        started = time.perf_counter()
        for source in JSON_SOURCES:
            report = ingest_files(chunked, source, input_files(source, folder))
            items += report.received
        elapsed = time.perf_counter() - started
    return items / elapsed, items


def _raw_round(run: IngestRun, folder: Path) -> float:
    payloads = [
        item.payload
        for source in JSON_SOURCES
        for item in iter_items(source, input_files(source, folder))
    ]
    topic = run.raw_topic
    producer = run.clients.producer(
        "bench", acks="all", enable_idempotence=True, **run.producer_options
    )
    producer.partitions_for(topic)  # ready, as the connector side is
    started = time.perf_counter()
    for i in range(0, len(payloads), 2000):
        futures = [producer.send(topic, p) for p in payloads[i : i + 2000]]
        producer.flush()
        for fut in futures:
            fut.get(timeout=0)
    elapsed = time.perf_counter() - started
    producer.close()
    return len(payloads) / elapsed


def bench_ingest(
    new_run: NewRun, folder: Path, rounds: int = 3, workers: int = 0
) -> dict[str, object]:
    """Alternate connector and raw rounds on fresh topics; return the medians and the ratio.

    The connector path runs as ``fusionhub ingest`` does (``workers`` conversion processes, 0
    meaning one per core) and, for comparison, with conversion in the producing process.
    """
    workers = workers or default_workers()
    results: list[Round] = []
    items = 0
    used: list[IngestRun] = []
    try:
        for _ in range(rounds):
            used.extend(new_run() for _ in range(3))
            connector_eps, items = _connector_round(used[-3], folder, workers)
            single_eps, _ = _connector_round(used[-2], folder, 1)
            raw_eps = _raw_round(used[-1], folder)
            results.append(Round(connector_eps, single_eps, raw_eps))
    finally:
        # After the last round, so the broker's clean-up cannot slow a measured one.
        for run in used:
            run.drop()
    return _summary(results, items, rounds, workers)


def _summary(results: list[Round], items: int, rounds: int, workers: int) -> dict[str, object]:
    ratios = [r.connector_eps / r.raw_eps for r in results]
    return {
        "bench": "ingest",
        "items_per_round": items,
        "rounds": rounds,
        "workers": workers,
        "connector_events_per_s": round(statistics.median(r.connector_eps for r in results)),
        "raw_kafka_python_events_per_s": round(statistics.median(r.raw_eps for r in results)),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "single_process_events_per_s": round(
            statistics.median(r.single_process_eps for r in results)
        ),
        "single_process_ratio": round(
            statistics.median(r.single_process_eps / r.raw_eps for r in results), 3
        ),
        "target_ratio": 0.5,
    }
