"""``fusionhub ingest SOURCE PATH`` and ``fusionhub ingest-api``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from prometheus_client import CollectorRegistry

from fusionhub.cli.needs import requires
from fusionhub.core.events import Source
from fusionhub.settings import Settings

SOURCES = click.Choice([s.value for s in Source])


@click.command("ingest")
@click.argument("source", type=SOURCES)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--chunk", default=500, show_default=True, help="Lines (or XML files) per acknowledged batch."
)
@click.pass_obj
@requires("pii_key", "sealing_key")
def ingest(settings: Settings, source: str, path: Path, chunk: int) -> None:
    """Ingest a JSON Lines file (grid, hotline, petition) or a folder of XML alarms (video)."""
    from fusionhub.ingest.files import ingest_files, input_files, total_bytes
    from fusionhub.ingest.metrics import IngestMetrics
    from fusionhub.ingest.parallel import default_workers, open_ingest
    from fusionhub.ingest.pipeline import SeenRefs
    from fusionhub.runtime.heap import settle_startup_heap
    from fusionhub.wiring import build_ingest_pipeline, build_publisher, prepare_ingest_topics

    src = Source(source)
    try:
        files = input_files(src, path)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    known = prepare_ingest_topics(settings)
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(settings, metrics, SeenRefs(known))
    settle_startup_heap()
    workers = settings.ingest.workers or default_workers()
    with (
        open_ingest(pipeline, workers, lambda: build_publisher(settings, metrics)) as chunked,
        click.progressbar(
            length=total_bytes(files), label=f"{source} {path}", file=sys.stderr
        ) as bar,
    ):
        report = ingest_files(chunked, src, files, chunk_lines=chunk, progress=bar.update)
    click.echo(json.dumps({"source": source, **report.summary()}))


@click.command("ingest-api")
@click.pass_obj
@requires("pii_key", "sealing_key", "ingest_token")
def ingest_api(settings: Settings) -> None:
    """Run the HTTP ingest API (and its /metrics) until Ctrl-C."""
    from aiohttp import web

    from fusionhub.wiring import build_ingest_service

    service = build_ingest_service(settings)
    web.run_app(service.app(), host=settings.ingest.host, port=settings.ingest.port, print=None)


@click.command("ingest-raw")
@click.pass_obj
@requires("pii_key", "sealing_key")
def ingest_raw(settings: Settings) -> None:
    """Move source-native Avro records from the raw topics into the event log, until Ctrl-C."""
    import signal
    import threading

    from fusionhub.ingest.metrics import IngestMetrics
    from fusionhub.ingest.pipeline import SeenRefs
    from fusionhub.ingest.rawrunner import RawTopicRunner
    from fusionhub.runtime.heap import settle_startup_heap
    from fusionhub.streams.topic_specs import ensure_hub_topics
    from fusionhub.streams.topics import TopicNames
    from fusionhub.wiring import build_ingest_pipeline, build_publisher, prepare_ingest_topics

    topics = TopicNames(settings.topic_prefix)
    ensure_hub_topics(settings, [topics.raw(s.value) for s in Source])
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(settings, metrics, SeenRefs(prepare_ingest_topics(settings)))
    settle_startup_heap()
    publisher = build_publisher(settings, metrics)
    runner = RawTopicRunner(
        pipeline, publisher, settings.kafka_bootstrap, topics, f"{settings.streams.app_id}-raw"
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner.run(stop)
    publisher.close()
    click.echo(json.dumps(runner.report.summary()))
