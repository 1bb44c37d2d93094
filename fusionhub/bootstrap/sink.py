"""``fusionhub sink``, built: the sink the settings choose, fed by the one sink loop."""

from __future__ import annotations

import dataclasses
import logging
import signal
import threading
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from fusionhub.bootstrap.hub import Hub
from fusionhub.sinks.contract import CaseSink
from fusionhub.sinks.jsonl import JsonLinesCaseSink
from fusionhub.sinks.kafka_source import open_sink_consumer
from fusionhub.sinks.loop import SinkLoop, SinkLoopOptions, UndecodableHook
from fusionhub.sinks.metrics import SinkMetrics
from fusionhub.sinks.store import SqlCaseStore

log = logging.getLogger(__name__)


def build_case_sink(hub: Hub) -> CaseSink:
    """The ``CaseSink`` of ``sink.kind``: the SQL case store (``database.url``) or the JSON
    Lines file (``sink.jsonl_path``). Building one touches no database and no file yet."""
    settings = hub.settings
    if settings.sink.kind == "jsonl":
        return JsonLinesCaseSink(settings.sink.resolved_jsonl_path(settings.data_dir))
    return SqlCaseStore.from_url(settings.database.resolved_url(settings.data_dir))


def sink_options(hub: Hub) -> SinkLoopOptions:
    """Batching, retries and the consumer group of ``FUSIONHUB_SINK__*``."""
    sink = hub.settings.sink
    return SinkLoopOptions(
        group_id=sink.resolved_group_id(hub.settings.streams.app_id),
        batch_size=sink.batch_size,
        batch_wait_ms=sink.batch_wait_ms,
        retry_initial_s=sink.retry_initial_s,
        retry_max_s=sink.retry_max_s,
    )


def build_sink_loop(
    hub: Hub,
    sink: CaseSink | None = None,
    *,
    registry: CollectorRegistry | None = None,
    stuck_commit_s: float | None = None,
) -> SinkLoop:
    """The loop over ``sink`` (default: ``build_case_sink``), its topics created, its metrics
    in ``registry`` and undecodable records dead-lettered. The sink is built before any broker
    connection, so an unusable database folder fails first."""
    chosen = sink or build_case_sink(hub)
    options = sink_options(hub)
    if stuck_commit_s is not None:
        options = dataclasses.replace(options, stuck_commit_s=stuck_commit_s)
    topics = [hub.topics.cases_all, hub.topics.events]
    # Created here too: the sink may start before the worker, and broker auto-creation would
    # make them with one partition.
    hub.ensure_topics(topics)
    metrics = SinkMetrics(registry or CollectorRegistry(), hub.clock)
    return SinkLoop(
        chosen,
        lambda: open_sink_consumer(hub.clients, topics, options.group_id, options.batch_size),
        topics=hub.topics,
        codec=hub.codec,
        options=options,
        metrics=metrics,
        on_undecodable=dead_letter_hook(hub, metrics),
    )


def dead_letter_hook(hub: Hub, metrics: SinkMetrics) -> UndecodableHook:
    """Seals an undecodable record into the dead-letter topic (stage ``decode``)."""
    letters = hub.dead_letters()
    producer = hub.clients.producer("sink", acks="all")
    dead_topic = hub.topics.dead_letter

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

    return dead_letter


def run_sink(hub: Hub) -> None:
    """Store cases until SIGTERM or Ctrl-C; /metrics on ``metrics.sink_port``."""
    registry = CollectorRegistry()
    loop = build_sink_loop(hub, registry=registry)
    m = hub.settings.metrics
    start_http_server(m.sink_port, addr=m.host, registry=registry)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    loop.run(stop)
    log.info("%s sink stopped: %s records stored", loop.sink.name, loop.rows_written)
