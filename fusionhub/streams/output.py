"""The correlator's own producer: case states, dead letters and snapshots, sent in batches.

Faust's ``topic.send`` costs a few hundred microseconds of bookkeeping per record (futures,
sensors, publish-on-commit attachments), and even aiokafka's ``send`` makes a future and a
metadata check per record. The agents instead hand a whole batch to this producer, which
groups it by topic and partition (keyed records go where Kafka's default partitioner sends
them, so a key always lands in the same partition, as compaction needs), fills one record batch
per group and submits it with one call; the agent awaits the acknowledgements before Faust may
ack (and so commit) the batch's inputs.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from fusionhub.bus.clients import KafkaClients

# A record handed to the producer; awaiting it waits for the broker's acknowledgement.
Delivery = Awaitable[Any]
# Keys whose partition is remembered before starting over (a few megabytes).
_REMEMBERED_KEYS = 100_000
# A record to send: topic, key, value.
Outgoing = tuple[str, bytes | None, bytes]


class OutputProducer:
    """An idempotent ``acks=all`` producer, started on first use and stopped with the worker.

    Shared by the agents of one worker. Sending raises what aiokafka raises when the broker
    cannot be reached in time; the agent then stops the worker before acking its inputs, and
    the restarted worker sends them again (at-least-once, versions make repeats harmless).
    """

    # No linger: a whole batch is queued before the producer's sender runs, so it is one
    # request anyway, and the agent waits for its acknowledgement before going on.
    def __init__(self, clients: KafkaClients, client_id: str, linger_ms: int = 0) -> None:
        self._clients = clients
        self._config: dict[str, Any] = {
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": linger_ms,
            "max_batch_size": 262_144,
            # A case topic just created has no leader for a few milliseconds: retry soon
            # (aiokafka's 100 ms default held a new topic's first records that long).
            "retry_backoff_ms": 20,
        }
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()
        self._partitions: dict[str, list[int]] = {}
        self._partitioner = DefaultPartitioner()
        self._unkeyed = itertools.count()
        self._keyed: dict[tuple[str, bytes], int] = {}

    async def send_all(self, records: Sequence[Outgoing]) -> None:
        """Send ``records`` and return once the broker acknowledged all of them.

        Called by the forwarding agent once per batch, before Faust may ack the batch's inputs;
        raises (and the agent stops the worker with its inputs unacknowledged) if any record
        failed.
        """
        await (await self.submit_all(records))

    async def submit_all(self, records: Sequence[Outgoing]) -> Delivery:
        """Hand ``records`` to the producer; returns what completes once the broker
        acknowledged all of them (and raises if any failed).

        Called by the correlator once per batch: it goes on with the next batch while these
        are in flight, and acks the inputs only once this completed (``AckPipeline``). Returns
        once the records are queued, which waits only when the producer's buffer is full.
        """
        groups: dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]] = {}
        for topic, key, value in records:
            partitions = self._partitions.get(topic) or await self._learn(topic)
            if key is None:
                partition = partitions[next(self._unkeyed) % len(partitions)]
            else:
                partition = self._partition_of(topic, key, partitions)
            groups.setdefault((topic, partition), []).append((key, value))
        return asyncio.gather(*await self._enqueue(groups))

    def _partition_of(self, topic: str, key: bytes, partitions: list[int]) -> int:
        """Kafka's default partition of ``key``, remembered: aiokafka's murmur2 is plain
        Python, and a case's states (like a county's records) come back again and again."""
        cache_key = (topic, key)
        found = self._keyed.get(cache_key)
        if found is None:
            if len(self._keyed) >= _REMEMBERED_KEYS:
                self._keyed.clear()
            found = self._keyed[cache_key] = self._partitioner(key, partitions, partitions)
        return found

    async def send_to_partition(
        self, topic: str, partition: int, records: Sequence[tuple[bytes, bytes | None]]
    ) -> None:
        """Send keyed records (a None value is a tombstone) to one partition of ``topic``, and
        return once the broker acknowledged all of them.

        Called by the snapshot writer: a partition's state goes to the same partition of the
        state topic, whatever the keys hash to. Raises as ``send_all`` does.
        """
        if records:
            await self._learn(topic)
            await asyncio.gather(*await self._enqueue({(topic, partition): list(records)}))

    async def _enqueue(
        self, groups: dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]]
    ) -> list[Delivery]:
        producer = self._producer or await self._start()
        deliveries: list[Delivery] = []
        for (topic, partition), items in groups.items():
            batch = producer.create_batch()
            for key, value in items:
                if batch.append(timestamp=None, key=key, value=value) is None:
                    # Full: send it, and start the next with this record.
                    deliveries.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = _batch_for(producer, key, value)
            if batch.record_count():
                deliveries.append(await producer.send_batch(batch, topic, partition=partition))
        return deliveries

    async def _learn(self, topic: str) -> list[int]:
        """The partitions of ``topic``, asked of the broker once.

        aiokafka refreshes metadata only for topics it was told about: a topic known from the
        start-up view drops out of it when a new one is added, and its records then wait for a
        leader forever. Telling it about every topic avoids that.
        """
        known = self._partitions.get(topic)
        if known is None:
            producer = self._producer or await self._start()
            await producer.client.add_topic(topic)
            known = self._partitions[topic] = sorted(await producer.partitions_for(topic))
        return known

    async def _start(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                producer = self._clients.async_producer("output", **self._config)
                await producer.start()
                self._producer = producer
        return self._producer

    async def stop(self) -> None:
        """Flush and close; called once when the worker stops."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()


def _batch_for(producer: AIOKafkaProducer, key: bytes | None, value: bytes | None) -> Any:
    """A new batch holding one record (a batch's first record always fits, however large)."""
    batch = producer.create_batch()
    batch.append(timestamp=None, key=key, value=value)
    return batch
