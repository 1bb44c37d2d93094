"""A department publishing to a raw topic with confluent-kafka's own AvroSerializer, as its
documentation shows: default settings (topic-name subjects, schemas registered on first use),
or record-name subjects, or lookups only. Each record becomes an event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext
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
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import EVENT_SUBJECT
from fusionhub.serialization.registry import default_schemas_dir
from fusionhub.serialization.server import registry_app
from fusionhub.settings import Settings
from tests.conftest import EXAMPLES
from tests.support import read_topic, serve_in_thread

pytestmark = pytest.mark.integration
TOKEN = "department-s3cret"
GRID_SCHEMA = default_schemas_dir() / "fusionhub.raw.GridReport" / "v1.avsc"


@pytest.fixture
def registry_url(ingest_settings: Settings) -> Iterator[str]:
    """``fusionhub registry serve`` for this test's topic prefix, on a free loopback port."""
    raw_subjects = load_sources().raw_subjects()
    aliases = TopicNames(ingest_settings.topic_prefix).value_subjects(raw_subjects)
    with serve_in_thread(registry_app(EmbeddedSchemaRegistry(aliases=aliases), TOKEN)) as url:
        yield url


def department_producer(settings: Settings, registry_url: str, conf: dict[str, Any]):
    """What a department writes: a Producer and an AvroSerializer over the published .avsc."""
    client = SchemaRegistryClient({"url": registry_url, "basic.auth.user.info": f"grid:{TOKEN}"})
    serializer = AvroSerializer(client, GRID_SCHEMA.read_text(encoding="utf-8"), conf=conf)
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap})
    return producer, serializer


def publish_example_grid_report(
    settings: Settings, registry_url: str, conf: dict[str, Any]
) -> None:
    topic = TopicNames(settings.topic_prefix).raw("grid")
    ensure_topics(KafkaClients(settings.kafka_bootstrap), [topic], 1)
    producer, serializer = department_producer(settings, registry_url, conf)
    report = json.loads((EXAMPLES / "grid.json").read_text(encoding="utf-8"))
    value = serializer(report, SerializationContext(topic, MessageField.VALUE))
    producer.produce(topic, key=report["event_code"].encode(), value=value)
    assert producer.flush(30) == 0


def move_raw_records(settings: Settings, expect: int) -> RawTopicRunner:
    """``fusionhub ingest-raw`` until ``expect`` records were handled."""
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(
        Hub(settings), metrics, SeenRefs(prepare_ingest_topics(Hub(settings)))
    )
    publisher = build_publisher(Hub(settings), metrics)
    runner = RawTopicRunner(
        pipeline,
        publisher=publisher,
        clients=Hub(settings).clients,
        topics=TopicNames(settings.topic_prefix),
        group_id=f"{settings.topic_prefix}-raw",
        sources=load_sources(),
    )
    handled = 0
    for _ in range(60):
        handled += runner.run_once()
        if handled >= expect:
            break
    runner.consumer.close()
    publisher.close()
    return runner


@pytest.mark.parametrize(
    "conf",
    [
        pytest.param({}, id="defaults: topic-name subject, registered on first use"),
        pytest.param(
            {"subject.name.strategy": record_subject_name_strategy}, id="record-name subject"
        ),
        pytest.param({"auto.register.schemas": False}, id="topic-name subject, lookup only"),
    ],
)
def test_a_grid_report_published_with_confluents_serializer_becomes_an_event(
    ingest_settings: Settings, registry_url: str, codec: AvroCodec, conf: dict[str, Any]
) -> None:
    publish_example_grid_report(ingest_settings, registry_url, conf)

    runner = move_raw_records(ingest_settings, expect=1)

    assert runner.report.summary()["accepted"] == 1
    events_topic = TopicNames(ingest_settings.topic_prefix).events
    [event] = [
        codec.decode(value, EVENT_SUBJECT)
        for value in read_topic(ingest_settings.kafka_bootstrap, events_topic, 1)
    ]
    assert event["event_ref"] == "grid:WG-330681109-20261125-00017"
    assert event["jurisdiction"]["village_code"] == "330681109290"


def test_a_schema_that_is_not_the_published_one_is_refused_under_the_topic_subject(
    ingest_settings: Settings, registry_url: str, tmp_path: Path
) -> None:
    schema = json.loads(GRID_SCHEMA.read_text(encoding="utf-8"))
    schema["fields"].append({"name": "extra", "type": "string", "default": ""})
    client = SchemaRegistryClient({"url": registry_url, "basic.auth.user.info": f"grid:{TOKEN}"})
    serializer = AvroSerializer(client, json.dumps(schema))
    report = json.loads((EXAMPLES / "grid.json").read_text(encoding="utf-8"))
    topic = TopicNames(ingest_settings.topic_prefix).raw("grid")

    with pytest.raises(SchemaRegistryError) as refused:
        serializer(report, SerializationContext(topic, MessageField.VALUE))
    assert refused.value.http_status_code == 409


def test_the_embedded_registry_lists_the_topic_subjects_of_the_raw_and_command_topics(
    ingest_settings: Settings, registry_url: str
) -> None:
    client = SchemaRegistryClient({"url": registry_url, "basic.auth.user.info": f"ops:{TOKEN}"})
    topics = TopicNames(ingest_settings.topic_prefix)
    subjects = set(client.get_subjects())

    assert f"{topics.raw('video')}-value" in subjects
    assert f"{topics.commands}-value" in subjects
    assert "fusionhub.raw.GridReport" in subjects
    latest = client.get_latest_version(f"{topics.raw('grid')}-value")
    assert latest.schema_id == EmbeddedSchemaRegistry().latest("fusionhub.raw.GridReport").schema_id
