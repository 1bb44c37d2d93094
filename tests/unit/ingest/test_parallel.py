"""Conversion in worker processes: the same items in input order, a clear error if one dies."""

from __future__ import annotations

import base64
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from fusionhub.core.events import Source
from fusionhub.ingest.chunks import plan_chunks
from fusionhub.ingest.files import input_files
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.parallel import ChunkConverter, WorkerFailedError
from fusionhub.ingest.pipeline import IngestPipeline, SeenRefs
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.settings import SecretSettings, Settings
from fusionhub.sim.writer import simulate
from fusionhub.streams.topics import TopicNames
from fusionhub.wiring import build_codec, build_connectors

pytestmark = pytest.mark.unit

CLOCK = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
SEALING_KEY = base64.urlsafe_b64encode(b"parallel-conversion-sealing-key!").decode()


def _pipeline() -> IngestPipeline:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secrets=SecretSettings(pii_key="parallel-conversion-pii-key-0123", sealing_key=SEALING_KEY),
    )
    codec = build_codec(settings)
    return IngestPipeline(
        connectors=build_connectors(settings),
        codec=codec,
        dead_letters=DeadLetterWriter(codec, SEALING_KEY.encode(), clock=lambda: CLOCK),
        topics=TopicNames(settings.topic_prefix),
        metrics=IngestMetrics(CollectorRegistry()),
        seen=SeenRefs(),
        clock=lambda: CLOCK,
    )


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feed")
    simulate(folder, 11, 1200)
    return folder


def _converted(workers: int, feed: Path, source: Source) -> list[tuple[object, ...]]:
    chunks = plan_chunks(source, input_files(source, feed), 37)
    with ChunkConverter(_pipeline(), workers) as converter:
        out = []
        for items, _ in converter.convert(source, chunks):
            for c in items:
                value = c.record.value if c.outcome.status != "rejected" else b"sealed"
                out.append((c.outcome.status, c.outcome.event_ref, c.record.key, value))
        return out


@pytest.mark.parametrize("source", [Source.GRID, Source.HOTLINE, Source.VIDEO])
def test_two_workers_give_what_one_process_gives_in_the_same_order(
    feed: Path, source: Source
) -> None:
    alone = _converted(1, feed, source)
    assert alone
    assert _converted(2, feed, source) == alone


def test_a_worker_that_dies_stops_the_conversion_with_a_clear_error(feed: Path) -> None:
    chunks = list(plan_chunks(Source.HOTLINE, input_files(Source.HOTLINE, feed), 5))
    with ChunkConverter(_pipeline(), 2) as converter:
        victim = converter._workers[0][0].pid
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(WorkerFailedError, match="exited"):
            for _ in converter.convert(Source.HOTLINE, chunks):
                pass
