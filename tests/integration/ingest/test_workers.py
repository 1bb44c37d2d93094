"""File ingest in worker processes: the same outcomes and records as one process, clear errors."""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_connectors, build_publisher, prepare_ingest_topics
from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.registry import load_sources
from fusionhub.ingest.chunked import InProcessIngest
from fusionhub.ingest.chunks import plan_chunks
from fusionhub.ingest.files import ingest_files, input_files
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.parallel import WorkerFailedError, WorkerIngest, open_ingest
from fusionhub.ingest.pipeline import IngestPipeline, SeenRefs
from fusionhub.ingest.publisher import KafkaPublisher
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.settings import Settings
from fusionhub.sim.writer import simulate
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from tests.support import read_topic

pytestmark = pytest.mark.integration

CLOCK = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
SOURCES = load_sources().sources  # every source of the simulated feed


def _pipeline(settings: Settings) -> IngestPipeline:
    codec = Hub(settings).codec
    sealing_key = settings.secrets.require_sealing_key()
    return IngestPipeline(
        connectors=build_connectors(Hub(settings)),
        codec=codec,
        dead_letters=DeadLetterWriter(codec, sealing_key, clock=lambda: CLOCK),
        topics=TopicNames(settings.topic_prefix),
        metrics=IngestMetrics(CollectorRegistry()),
        seen=SeenRefs(),
        clock=lambda: CLOCK,
    )


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feed")
    simulate(folder, 11, 1200)
    # Bad lines among the good, and repeats of earlier lines in later chunks.
    hotline = folder / "hotline.jsonl"
    lines = hotline.read_text(encoding="utf-8").splitlines()
    lines[10:10] = ["{not json", '{"order_no": 7}', "[]"]
    hotline.write_text("\n".join(lines + lines[::25]) + "\n", encoding="utf-8")
    return folder


def _ingest(settings: Settings, feed: Path, workers: int) -> list[tuple[object, ...]]:
    """Every source of the feed through ``workers`` processes; the outcomes, in order."""
    prepare_ingest_topics(Hub(settings))
    pipeline = _pipeline(settings)
    outcomes: list[tuple[object, ...]] = []
    with open_ingest(
        pipeline, workers, lambda: build_publisher(Hub(settings), pipeline.metrics)
    ) as ing:
        assert isinstance(ing, WorkerIngest if workers > 1 else InProcessIngest)
        for source in SOURCES:
            report = ingest_files(ing, source, input_files(source, feed), chunk_lines=37)
            outcomes.extend((o.status, o.event_ref, o.reason) for o in report.items)
    return outcomes


def test_two_workers_report_and_produce_what_one_process_does(
    hub_settings: Settings, feed: Path
) -> None:
    alone_settings = hub_settings.model_copy(
        update={"topic_prefix": hub_settings.topic_prefix + "a"}
    )
    alone = _ingest(alone_settings, feed, 1)
    together = _ingest(hub_settings, feed, 2)
    assert together == alone
    statuses = Counter(status for status, _, _ in alone)
    assert statuses["accepted"] > 1000
    assert statuses["rejected"]
    assert statuses["device_health"]
    assert statuses["duplicate"]

    def produced(settings: Settings) -> Counter[bytes]:
        events = TopicNames(settings.topic_prefix).events
        return Counter(read_topic(settings.kafka_bootstrap, events, statuses["accepted"], 60))

    # Events are encoded with a fixed clock, so the bytes themselves must agree.
    assert produced(hub_settings) == produced(alone_settings)
    assert sum(produced(hub_settings).values()) == statuses["accepted"]


def test_a_worker_that_dies_stops_the_ingest_with_a_clear_error(
    hub_settings: Settings, feed: Path
) -> None:
    prepare_ingest_topics(Hub(hub_settings))
    pipeline = _pipeline(hub_settings)
    chunks = list(plan_chunks(HOTLINE, input_files(HOTLINE, feed), 5))
    with WorkerIngest(
        pipeline, 2, lambda: build_publisher(Hub(hub_settings), pipeline.metrics)
    ) as ing:
        victim = ing._links[0].process.pid
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(WorkerFailedError, match="exited"):
            for _ in ing.ingest(HOTLINE, chunks):
                pass
        # The other worker may still hold chunks of the failed ingest: no second one.
        with pytest.raises(WorkerFailedError, match="did not finish"):
            next(ing.ingest(HOTLINE, chunks))
    # Nothing of the failed ingest was confirmed, so a retry is not taken for duplicates.
    assert len(pipeline.seen) == 0


def test_a_worker_whose_producer_cannot_start_says_why(hub_settings: Settings, feed: Path) -> None:
    pipeline = _pipeline(hub_settings)

    def no_producer() -> KafkaPublisher:
        raise ConnectionError("no broker at 127.0.0.1:1")

    chunks = plan_chunks(GRID, input_files(GRID, feed), 50)
    with (
        WorkerIngest(pipeline, 2, no_producer) as ing,
        pytest.raises(WorkerFailedError, match="could not start a producer: ConnectionError"),
    ):
        for _ in ing.ingest(GRID, chunks):
            pass
