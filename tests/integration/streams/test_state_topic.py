"""Snapshots on the real state topic: a restore reads only the end of the partition, takes the
newest complete snapshot, and never mixes the chunks of two snapshots when a write was cut
short."""

from __future__ import annotations

import asyncio

import pytest

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.core.casebook import CaseBook
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import CASE_SUBJECT, case_to_record
from fusionhub.settings import Settings
from fusionhub.streams.logreader import LogReader
from fusionhub.streams.output import OutputProducer
from fusionhub.streams.restore import decode_entries, read_recent
from fusionhub.streams.snapshots import PartitionState, chunk_key, write_snapshot
from tests.unit.core.case_log import SHORT_POLICY, concrete_log

pytestmark = pytest.mark.integration

CODEC = AvroCodec(EmbeddedSchemaRegistry())
SCRIPT = [("report", 60, n, n * 7, n * 3) for n in range(120)]


async def scenario(
    topic: str, clients: KafkaClients
) -> tuple[list[int], int, tuple[int, int], set[str]]:
    """Five snapshots as the log advances, then a sixth whose head never arrives; returns the
    offsets snapshotted, the one restored, the records read of those on the partition, and the
    cases the restored snapshot and the state at its offset do not share."""
    book, store = CaseBook(SHORT_POLICY), PartitionState(0)
    output = OutputProducer(clients, "test-state")
    offsets: list[int] = []
    held: set[str] = set()
    for n, value in enumerate(concrete_log(SCRIPT), start=1):
        for change in book.on_input(value).changes:
            record = CODEC.encode(CASE_SUBJECT, case_to_record(change.case, change.change))
            store.changed(change.case.case_id, record)
        if n % 20 == 0:
            # One entry a chunk: many records, as a large state makes them.
            snapshot = store.take(book, CODEC, offset=n, chunk_bytes=1, policy="p")
            if n == 120:  # cut short: chunks written, no head
                chunks = [
                    (chunk_key(0, snapshot.head.slot, i), c) for i, c in enumerate(snapshot.chunks)
                ]
                await output.send_to_partition(topic, 0, chunks)
                break
            await write_snapshot(output, CODEC, topic, snapshot)
            store.written(snapshot, 0.0)
            offsets.append(n)
            held = set(book.state.cases)
    await output.stop()
    reader = LogReader(clients)
    first, end = await reader.bounds(topic, 0)
    records, _ = await read_recent(reader, CODEC, topic, 0)
    newest = records.complete(CODEC)[0]
    entries = decode_entries(CODEC, newest.entries)
    await reader.stop()
    return (
        offsets,
        newest.head.offset,
        (records.read, end - first),
        {e.case.case_id for e in entries} ^ held,
    )


def test_a_restore_takes_the_newest_complete_snapshot_and_never_a_torn_one(
    hub_settings: Settings,
) -> None:
    topic = f"{hub_settings.topic_prefix}.state.test"
    clients = KafkaClients(hub_settings.kafka_bootstrap)
    # A state topic of the table: created compacted.
    ensure_topics(clients, [topic], 1)
    offsets, restored, (read, stored), differ = asyncio.run(scenario(topic, clients))
    assert offsets == [20, 40, 60, 80, 100]
    assert restored == 100
    assert differ == set()
    assert read < stored
