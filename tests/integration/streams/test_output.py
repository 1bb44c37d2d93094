"""The worker's batch producer puts every keyed record where Kafka's default partitioner puts
it (so compaction by key holds), and returns only once the broker acknowledged the batch."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.partitioner import DefaultPartitioner
from kafka import KafkaConsumer, TopicPartition

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.settings import Settings
from fusionhub.streams.output import OutputProducer

pytestmark = pytest.mark.integration


def read_all(settings: Settings, topic: str) -> list[tuple[int, bytes | None, bytes | None]]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    parts = [TopicPartition(topic, p) for p in range(4)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = consumer.end_offsets(parts)
    out = []
    while any(consumer.position(tp) < ends[tp] for tp in parts):
        for tp, records in consumer.poll(timeout_ms=500).items():
            out.extend((tp.partition, r.key, r.value) for r in records)
    consumer.close()
    return out


def test_keyed_records_land_in_their_default_partition_and_tombstones_in_the_one_named(
    hub_settings: Settings,
) -> None:
    topic = f"{hub_settings.topic_prefix}.out"
    clients = KafkaClients(hub_settings.kafka_bootstrap)
    ensure_topics(clients, [topic], 4)
    keys = [f"C{n:016x}".encode() for n in range(300)]

    async def send() -> None:
        output = OutputProducer(clients, "test-output")
        # Twice the same keys: the second round's partitions come from the remembered ones.
        await output.send_all([(topic, key, b"v" * 3000) for key in keys])
        await output.send_all([(topic, key, b"w") for key in keys])
        await output.send_to_partition(topic, 2, [(b"gone", None)])
        await output.stop()

    asyncio.run(send())
    got = read_all(hub_settings, topic)
    default = DefaultPartitioner()
    assert len(got) == 601
    for partition, key, value in got:
        if value is None:
            assert (partition, key) == (2, b"gone")
        else:
            assert key is not None
            assert partition == default(key, [0, 1, 2, 3], [0, 1, 2, 3])
