"""The ways in, built: the HTTP ingest API, file ingest and the raw-topic mover, all sharing
one pipeline (the sources' connectors, duplicate detection, Avro, dead letters)."""

from __future__ import annotations

import threading
from pathlib import Path

from prometheus_client import CollectorRegistry

from fusionhub.bootstrap.hub import Hub
from fusionhub.connectors.base import SourceConnector
from fusionhub.core.events import Source
from fusionhub.ingest.chunked import ChunkIngest
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.pipeline import IngestPipeline, IngestReport, SeenRefs
from fusionhub.ingest.publisher import KafkaPublisher
from fusionhub.ingest.rawrunner import RawTopicRunner
from fusionhub.ingest.service import IngestService


def build_connectors(hub: Hub, cameras_csv: Path | None = None) -> dict[Source, SourceConnector]:
    """One connector per registered source, sharing the gazetteer, category table and PII
    protector; ``cameras_csv`` replaces the configured camera registry (replays bring their
    own). Needs ``secrets.pii_key`` (``ConfigurationError``)."""
    from fusionhub.connectors.factory import build_connectors as connectors_from
    from fusionhub.connectors.pii import PiiProtector
    from fusionhub.regions import load_camera_registry, load_gazetteer

    ingest = hub.settings.ingest
    csv = cameras_csv or ingest.cameras_csv
    cameras = load_camera_registry(csv) if csv else {}
    return dict(
        connectors_from(
            gazetteer=load_gazetteer(),
            categories=hub.categories,
            pii=PiiProtector(hub.settings.secrets.require_pii_key()),
            cameras=cameras,
            max_payload_bytes=ingest.max_body_bytes,
            sources=hub.sources,
        )
    )


def build_ingest_pipeline(
    hub: Hub,
    metrics: IngestMetrics,
    seen: SeenRefs | None = None,
    cameras_csv: Path | None = None,
) -> IngestPipeline:
    """The pipeline every way in shares: connectors, dedup, Avro, dead letters."""
    return IngestPipeline(
        connectors=build_connectors(hub, cameras_csv),
        codec=hub.codec,
        dead_letters=hub.dead_letters(),
        topics=hub.topics,
        metrics=metrics,
        seen=seen or SeenRefs(),
        clock=hub.clock,
    )


def build_publisher(hub: Hub, metrics: IngestMetrics) -> KafkaPublisher:
    """The idempotent producer of an ingest process (one per file-ingest worker)."""
    ingest = hub.settings.ingest
    return KafkaPublisher(
        hub.clients, metrics, linger_ms=ingest.linger_ms, batch_bytes=ingest.batch_bytes
    )


def prepare_ingest_topics(hub: Hub) -> set[str]:
    """Create the topics ingest writes to and return the event refs already on them, for
    duplicate detection. Called once when an ingest process starts."""
    from fusionhub.ingest.seen import refs_on_topics

    topics = hub.topics
    hub.ensure_topics([topics.events, topics.device_health, topics.dead_letter])
    return refs_on_topics(hub.clients, [topics.events, topics.device_health], hub.codec)


def build_ingest_service(hub: Hub) -> IngestService:
    """The HTTP ingest service, warm-started with the refs already on the topics.

    Refuses to build (``ConfigurationError``) when no ingest token is configured: services ask
    for one.
    """
    ingest = hub.settings.ingest
    ingest.require_token()
    known = prepare_ingest_topics(hub)
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    pipeline = build_ingest_pipeline(hub, metrics, SeenRefs(known))
    return IngestService(
        pipeline, build_publisher(hub, metrics), registry, ingest.token_for, ingest.max_body_bytes
    )


def serve_ingest_api(hub: Hub) -> None:
    """``fusionhub ingest-api``: the HTTP ingest API on its host and port until Ctrl-C."""
    from aiohttp import web

    service = build_ingest_service(hub)
    ingest = hub.settings.ingest
    web.run_app(service.app(), host=ingest.host, port=ingest.port, print=None)


def file_ingest(hub: Hub) -> ChunkIngest:
    """``fusionhub ingest``'s converter and producer, its topics prepared and the refs already
    ingested read (a bad setting fails here, before any input is read): worker processes
    (``ingest.workers``, 0 meaning one per core) each with a producer of its own. Use it as a
    context manager and hand it to ``fusionhub.ingest.files.ingest_files``."""
    from fusionhub.heap import settle_startup_heap
    from fusionhub.ingest.parallel import default_workers, open_ingest

    known = prepare_ingest_topics(hub)
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(hub, metrics, SeenRefs(known))
    settle_startup_heap()
    workers = hub.settings.ingest.workers or default_workers()
    return open_ingest(pipeline, workers, lambda: build_publisher(hub, metrics))


def raw_runner(hub: Hub) -> RawTopicRunner:
    """``fusionhub ingest-raw``'s mover, its raw topics created, in the group
    ``<streams.app_id>-raw``."""
    from fusionhub.heap import settle_startup_heap

    topics = hub.topics
    hub.ensure_topics([topics.raw(name) for name in hub.sources.names])
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(hub, metrics, SeenRefs(prepare_ingest_topics(hub)))
    settle_startup_heap()
    group = f"{hub.settings.streams.app_id}-raw"
    return RawTopicRunner(
        pipeline,
        publisher=build_publisher(hub, metrics),
        clients=hub.clients,
        topics=topics,
        group_id=group,
        sources=hub.sources,
    )


def run_ingest_raw(hub: Hub, stop: threading.Event) -> IngestReport:
    """Move raw records until ``stop`` is set; returns what was moved."""
    runner = raw_runner(hub)
    runner.run(stop)
    runner.publisher.close()
    return runner.report
