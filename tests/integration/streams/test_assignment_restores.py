"""Partitions assigned together are looked for together: every one is restored from its own
snapshot, though the lookups start at once and share one reader of the state topic."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.core.casebook import CaseBook
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import CASE_SUBJECT, case_to_record
from fusionhub.settings import Settings
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.output import OutputProducer
from fusionhub.streams.partitions import Partitions
from fusionhub.streams.snapshots import PartitionState, write_snapshot
from tests.unit.core.case_log import SHORT_POLICY, concrete_log

pytestmark = pytest.mark.integration

CODEC = AvroCodec(EmbeddedSchemaRegistry())
PARTITIONS = 4


async def snapshot_each_partition(clients: KafkaClients, topic: str) -> dict[int, set[str]]:
    """A snapshot at offset 0 on every partition of ``topic``, each of different cases."""
    output = OutputProducer(clients, "test-assign")
    held: dict[int, set[str]] = {}
    for partition in range(PARTITIONS):
        script = [("report", 60, n, n * 7 + partition * 1000, n * 3) for n in range(5 + partition)]
        book, store = CaseBook(SHORT_POLICY), PartitionState(partition)
        for value in concrete_log(script):
            for change in book.on_input(value).changes:
                record = CODEC.encode(CASE_SUBJECT, case_to_record(change.case, change.change))
                store.changed(change.case.case_id, record)
        snapshot = store.take(book, CODEC, offset=0, chunk_bytes=64 * 1024, policy="p")
        await write_snapshot(output, CODEC, topic, snapshot)
        held[partition] = set(book.state.cases)
    await output.stop()
    return held


async def restore_all(clients: KafkaClients, events: str, state: str) -> dict[int, set[str]]:
    output = OutputProducer(clients, "test-assign-worker")
    partitions = Partitions(
        StreamSettings(),
        clients=clients,
        events_topic=events,
        state_topic=state,
        codec=CODEC,
        policy=SHORT_POLICY,
        output=output,
        metrics=StreamMetrics(CollectorRegistry()),
        standby=None,
    )
    partitions.assigned(set(range(PARTITIONS)))
    held = await asyncio.gather(*(partitions.get(p, 0) for p in range(PARTITIONS)))
    restored = {p: set(h.book.state.cases) for p, h in enumerate(held)}
    await partitions.stop()
    await output.stop()
    return restored


def test_partitions_assigned_together_are_each_restored_from_their_own_snapshot(
    hub_settings: Settings,
) -> None:
    clients = KafkaClients(hub_settings.kafka_bootstrap)
    events = f"{hub_settings.topic_prefix}.events"
    state = f"{hub_settings.topic_prefix}.state.assign"
    ensure_topics(clients, [events, state], PARTITIONS)
    written = asyncio.run(snapshot_each_partition(clients, state))
    restored = asyncio.run(restore_all(clients, events, state))
    assert all(written[p] for p in range(PARTITIONS))
    assert restored == written
