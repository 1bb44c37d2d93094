"""Departments publishing source-native Avro to the raw topics get the same treatment as HTTP."""

from __future__ import annotations

import json
import re

import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_ingest_pipeline, build_publisher, prepare_ingest_topics
from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.registry import load_sources
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.pipeline import SeenRefs
from fusionhub.ingest.rawrunner import RawTopicRunner
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT, EVENT_SUBJECT
from fusionhub.settings import Settings
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO
from tests.conftest import EXAMPLES
from tests.support import read_topic

pytestmark = pytest.mark.integration


def native_video() -> dict[str, str]:
    xml = next((EXAMPLES / "video").glob("*.xml")).read_bytes().decode("gb18030")
    return dict(re.findall(r"<(\w+)>([^<]+)</\1>", xml))


def test_native_records_on_the_raw_topics_become_events_and_garbage_a_dead_letter(
    ingest_settings: Settings, codec: AvroCodec
) -> None:
    topics = TopicNames(ingest_settings.topic_prefix)
    ensure_topics(
        KafkaClients(ingest_settings.kafka_bootstrap),
        [topics.raw(name) for name in load_sources().names],
        1,
    )
    producer = KafkaProducer(bootstrap_servers=ingest_settings.kafka_bootstrap, acks="all")
    for source in (GRID, HOTLINE, PETITION):
        doc = json.loads((EXAMPLES / f"{source.value}.json").read_text(encoding="utf-8"))
        subject = load_sources().spec(source).raw_subject
        producer.send(topics.raw(source.value), codec.encode(subject, doc))
    video_subject = load_sources().spec(VIDEO).raw_subject
    producer.send(topics.raw("video"), codec.encode(video_subject, native_video()))
    producer.send(topics.raw("hotline"), b"not avro")
    producer.flush()
    producer.close()

    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(
        Hub(ingest_settings), metrics, SeenRefs(prepare_ingest_topics(Hub(ingest_settings)))
    )
    publisher = build_publisher(Hub(ingest_settings), metrics)
    runner = RawTopicRunner(
        pipeline,
        publisher=publisher,
        clients=Hub(ingest_settings).clients,
        topics=topics,
        group_id=f"{ingest_settings.topic_prefix}-raw",
        sources=load_sources(),
    )
    handled = 0
    for _ in range(40):
        handled += runner.run_once()
        if handled >= 5:
            break
    runner.consumer.close()
    publisher.close()
    assert runner.report.summary() == {
        "received": 5,
        "accepted": 4,
        "rejected": 1,
        "duplicate": 0,
        "device_health": 0,
    }
    events = {
        codec.decode(v, EVENT_SUBJECT)["event_ref"]: codec.decode(v, EVENT_SUBJECT)
        for v in read_topic(ingest_settings.kafka_bootstrap, topics.events, 4)
    }
    grid = events["grid:WG-330681109-20261125-00017"]["jurisdiction"]
    assert grid["village_code"] == "330681109290"
    assert events["video:33068110001320000012-17430"]["category"] == "crowding"
    [letter] = [
        codec.decode(v, DEAD_LETTER_SUBJECT)
        for v in read_topic(ingest_settings.kafka_bootstrap, topics.dead_letter, 1)
    ]
    assert letter["reason"] == "malformed_avro"
