from __future__ import annotations

import json

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from kafka import KafkaProducer

from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import EVENT_SUBJECT, event_from_record, event_to_record
from fusionhub.serialization.registry import ConfluentSchemaRegistry
from fusionhub.serialization.server import registry_app
from fusionhub.settings import Settings
from tests.support import read_topic, serve_in_thread
from tests.unit.serialization.test_avro_codec import sample_event

pytestmark = pytest.mark.integration


def produce(settings: Settings, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True
    )
    for value in values:
        producer.send(topic, value)
    producer.flush()
    producer.close()


def test_events_written_as_avro_come_back_identical_through_the_real_broker(
    hub_settings: Settings,
) -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    events = [sample_event()]
    topic = f"{hub_settings.topic_prefix}.events"
    produce(hub_settings, topic, [codec.encode(EVENT_SUBJECT, event_to_record(e)) for e in events])
    got = read_topic(hub_settings.kafka_bootstrap, topic, expect=1)
    assert [event_from_record(codec.decode(v, EVENT_SUBJECT)) for v in got] == events


def test_confluents_own_avro_deserializer_reads_what_fusionhub_wrote(
    hub_settings: Settings,
) -> None:
    codec = AvroCodec(EmbeddedSchemaRegistry())
    topic = f"{hub_settings.topic_prefix}.events"
    produce(hub_settings, topic, [codec.encode(EVENT_SUBJECT, event_to_record(sample_event()))])
    [value] = read_topic(hub_settings.kafka_bootstrap, topic, expect=1)
    with serve_in_thread(registry_app(EmbeddedSchemaRegistry(), token="s3cret")) as url:
        client = SchemaRegistryClient({"url": url, "basic.auth.user.info": "ops:s3cret"})
        record = AvroDeserializer(client)(value, SerializationContext(topic, MessageField.VALUE))
    assert record["event_ref"] == "grid:WG-330681109-20261125-00017"
    assert record["jurisdiction"]["village_code"] == "330681109290"
    assert record["parties"][0]["phone_masked"] == "138****2345"


def test_the_registry_server_refuses_requests_without_its_token() -> None:
    with serve_in_thread(registry_app(EmbeddedSchemaRegistry(), token="s3cret")) as url:
        client = SchemaRegistryClient({"url": url})
        with pytest.raises(Exception, match=r"401|token"):
            client.get_schema(1)


def test_the_confluent_client_registers_and_fetches_schemas_over_real_http() -> None:
    local = EmbeddedSchemaRegistry()
    with serve_in_thread(registry_app(local, token="s3cret")) as url:
        remote = ConfluentSchemaRegistry(url, local, "ops", "s3cret")
        reg = remote.latest(EVENT_SUBJECT)
        assert reg.schema_id == local.latest(EVENT_SUBJECT).schema_id
        codec = AvroCodec(remote)
        data = codec.encode(EVENT_SUBJECT, event_to_record(sample_event()))
        fresh = AvroCodec(ConfluentSchemaRegistry(url, local, "ops", "s3cret"))
        assert fresh.decode(data)["event_ref"] == sample_event().event_ref
    assert json.loads(json.dumps(reg.schema))["name"] == "Event"
