from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_ingest_pipeline, build_publisher, prepare_ingest_topics
from fusionhub.bus.topics import TopicNames
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import CASE_SUBJECT, DEAD_LETTER_SUBJECT
from fusionhub.settings import Settings
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO
from tests.conftest import EXAMPLES, settings_env
from tests.support import free_port, read_topic

pytestmark = pytest.mark.integration

DISPUTE_REFS = {
    "grid:WG-330681109-20261125-00017",
    "hotline:12345-330681-20261125-000123",
    "petition:XF330681-2026-004512",
}


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = settings_env(settings)
    env["FUSIONHUB_STREAMS__APP_ID"] = f"{settings.topic_prefix}-app"
    env["FUSIONHUB_STREAMS__WEB_PORT"] = str(free_port())
    env["FUSIONHUB_STREAMS__DATA_DIR"] = str(
        settings.broker.data_dir.parent / settings.topic_prefix
    )
    return subprocess.Popen(
        [sys.executable, "-m", "fusionhub", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(worker: subprocess.Popen[bytes]) -> str:
    worker.send_signal(signal.SIGTERM)
    try:
        out, _ = worker.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, _ = worker.communicate()
    return out.decode(errors="replace")


def ingest_examples(settings: Settings) -> None:
    prepare_ingest_topics(Hub(settings))
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(Hub(settings), metrics)
    publisher = build_publisher(Hub(settings), metrics)
    for source in (GRID, HOTLINE, PETITION):
        publisher.send_and_wait(
            pipeline.prepare(source, (EXAMPLES / f"{source}.json").read_bytes()).records
        )
    video = next((EXAMPLES / "video").glob("*.xml")).read_bytes()
    publisher.send_and_wait(pipeline.prepare(VIDEO, video).records)
    publisher.close()


def latest_cases(settings: Settings, topic: str, codec: AvroCodec, expect: int) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for value in read_topic(settings.kafka_bootstrap, topic, expect, 90):
        rec = codec.decode(value, CASE_SUBJECT)
        if rec["case_id"] not in latest or latest[rec["case_id"]]["version"] < rec["version"]:
            latest[rec["case_id"]] = rec
    return latest


def test_the_worker_fuses_the_examples_into_cases_and_stops_cleanly(
    hub_settings: Settings,
) -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    topics = TopicNames(hub_settings.topic_prefix)
    ingest_examples(hub_settings)
    worker = start_worker(hub_settings)
    try:
        producer = KafkaProducer(bootstrap_servers=hub_settings.kafka_bootstrap, acks="all")
        producer.send(topics.events, b"not avro at all", key=b"330681")
        producer.flush()
        producer.close()
        cases = latest_cases(hub_settings, topics.cases_all, codec, 4)
        township = latest_cases(hub_settings, topics.cases_township("330681109"), codec, 2)
        dead = read_topic(hub_settings.kafka_bootstrap, topics.dead_letter, 1, 30)
    finally:
        log = stop(worker)
    by_refs = {frozenset(c["event_refs"]): c for c in cases.values()}
    assert frozenset(DISPUTE_REFS) in by_refs, log[-3000:]
    assert frozenset({"video:33068110001320000012-17430"}) in by_refs
    assert len(cases) == 2
    dispute = by_refs[frozenset(DISPUTE_REFS)]
    assert (dispute["county_code"], dispute["township_code"]) == ("330681", "330681109")
    assert dispute["case_id"] in township
    [letter] = [codec.decode(d, DEAD_LETTER_SUBJECT) for d in dead]
    assert letter["reason"] == "undecodable_avro"
    assert worker.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def test_the_worker_web_server_listens_on_loopback_only(hub_settings: Settings) -> None:
    from fusionhub.streams.app import create_app

    app = create_app(hub_settings.streams, hub_settings.kafka_bootstrap)
    assert app.conf.web_bind == "127.0.0.1"
    assert app.conf.web_host == "127.0.0.1"
