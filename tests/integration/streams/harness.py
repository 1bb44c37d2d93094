"""Running real workers against the test broker, feeding them, and reading what they wrote."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_ingest_pipeline, build_publisher, prepare_ingest_topics
from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.registry import load_sources
from fusionhub.ingest.chunked import InProcessIngest
from fusionhub.ingest.files import ingest_files, input_files
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import CASE_SUBJECT
from fusionhub.settings import Settings
from fusionhub.streams.worker import worker_topics
from tests.conftest import settings_env
from tests.support import free_port

CODEC = AvroCodec(EmbeddedSchemaRegistry())


def start_worker(
    settings: Settings, app_id: str, log: Path, **streams: str
) -> subprocess.Popen[bytes]:
    """A real ``fusionhub worker`` process; ticks are off so runs are comparable. ``streams``
    sets further stream settings (``snapshot_every_records="100"``)."""
    env = settings_env(settings)
    env.update(
        {
            "FUSIONHUB_STREAMS__APP_ID": app_id,
            "FUSIONHUB_STREAMS__WEB_PORT": str(free_port()),
            "FUSIONHUB_STREAMS__DATA_DIR": str(log.parent / f"{app_id}-{free_port()}"),
            "FUSIONHUB_STREAMS__TICK_INTERVAL_S": "3600",
            "FUSIONHUB_STREAMS__SESSION_TIMEOUT_S": "6",
            **{f"FUSIONHUB_STREAMS__{name.upper()}": value for name, value in streams.items()},
        }
    )
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "fusionhub", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
    )


def stop_worker(proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def ingest_folder(settings: Settings, folder: Path) -> int:
    """Every source file of a replay folder through the real ingest pipeline; returns accepted."""
    prepare_ingest_topics(Hub(settings))
    ensure_topics(
        KafkaClients(settings.kafka_bootstrap),
        worker_topics(TopicNames(settings.topic_prefix)),
        settings.streams.topic_partitions,
    )
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(Hub(settings), metrics)
    accepted = 0
    with InProcessIngest(pipeline, build_publisher(Hub(settings), metrics)) as ingest:
        for source in load_sources().sources:
            try:
                files = input_files(source, folder)
            except FileNotFoundError:
                continue
            accepted += ingest_files(ingest, source, files).count("accepted")
    return accepted


def copy_log(settings: Settings, source_prefix: str, target_prefix: str) -> None:
    """Copy the event log partition by partition, in order: two runs then read the same log."""
    src, dst = TopicNames(source_prefix).events, TopicNames(target_prefix).events
    target = settings.model_copy(update={"topic_prefix": target_prefix})
    ensure_topics(
        KafkaClients(settings.kafka_bootstrap),
        worker_topics(TopicNames(target.topic_prefix)),
        settings.streams.topic_partitions,
    )
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True
    )
    parts = [TopicPartition(src, p) for p in sorted(consumer.partitions_for_topic(src) or ())]
    ends = consumer.end_offsets(parts)
    for tp in parts:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        while consumer.position(tp) < ends[tp]:
            for recs in consumer.poll(timeout_ms=500).values():
                for r in recs:
                    producer.send(
                        dst, r.value, key=r.key, partition=tp.partition, headers=r.headers
                    )
    producer.flush()
    producer.close()
    consumer.close()


def case_states(settings: Settings, topic: str) -> list[dict[str, Any]]:
    """Every case record on ``topic`` so far."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    records: list[dict[str, Any]] = []
    if parts:
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for recs in consumer.poll(timeout_ms=500).values():
                records.extend(CODEC.decode(r.value, CASE_SUBJECT) for r in recs)
    consumer.close()
    return records


def final_cases(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The highest version of each case, as a consumer keeps them."""
    latest: dict[str, dict[str, Any]] = {}
    for rec in records:
        if rec["case_id"] not in latest or rec["version"] > latest[rec["case_id"]]["version"]:
            latest[rec["case_id"]] = rec
    return latest


def group_caught_up(settings: Settings, group: str, topic: str) -> bool:
    """True when ``group`` has committed the end of every partition of ``topic``."""
    # A consumer that never subscribes does not join the group; it only fetches its offsets.
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            return False
        ends = consumer.end_offsets(parts)
        return all((consumer.committed(tp) or 0) >= ends[tp] for tp in parts)
    finally:
        consumer.close()


def run_until_done(settings: Settings, group: str, timeout: float = 180) -> list[dict[str, Any]]:
    """Wait until ``group`` committed the whole event log, then return every case record."""
    topics = TopicNames(settings.topic_prefix)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if group_caught_up(settings, group, topics.events):
            time.sleep(1.0)  # outputs are published before the commit; let the last ones land
            return case_states(settings, topics.cases_all)
        time.sleep(0.5)
    raise TimeoutError(f"{group} did not finish the event log in {timeout}s")
