"""The correlator's own producer: case states and dead letters, sent in batches.

Faust's ``topic.send`` costs a few hundred microseconds of bookkeeping per record (futures,
sensors, publish-on-commit attachments); at two or three outputs per event that was more than
the correlation itself. The agents instead hand records straight to an aiokafka producer and
await a whole batch's acknowledgements before Faust may ack (and so commit) the batch's inputs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from fusionhub.bus.clients import KafkaClients

# A record handed to the producer; awaiting it waits for the broker's acknowledgement.
Delivery = Awaitable[Any]
# A record to send: topic, key, value.
Outgoing = tuple[str, bytes | None, bytes]


class OutputProducer:
    """An idempotent ``acks=all`` producer, started on first use and stopped with the worker.

    Shared by the agents of one worker. ``send`` raises what aiokafka raises when the broker
    cannot be reached in time; the agent then crashes before acking its inputs, and the
    restarted worker sends them again (at-least-once, versions make repeats harmless).
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
        }
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()
        self._tracked: set[str] = set()

    async def send(self, topic: str, key: bytes | None, value: bytes) -> Delivery:
        """Queue one record; the returned delivery resolves once the broker has it."""
        producer = self._producer or await self._start()
        if topic not in self._tracked:
            # aiokafka refreshes metadata only for topics it was told about: a topic known
            # from the start-up view drops out of it when a new one is added, and its records
            # then wait for a leader forever. Telling it about every topic avoids that.
            await producer.client.add_topic(topic)
            self._tracked.add(topic)
        delivery: Delivery = await producer.send(topic, value, key=key)
        return delivery

    async def send_all(self, records: Sequence[Outgoing]) -> None:
        """Send ``records`` and return once the broker acknowledged all of them.

        Called by the agents once per batch, before Faust may ack the batch's inputs; raises
        (stopping the agent with its inputs unacknowledged) if any record failed.
        """
        if records:
            await asyncio.gather(*[await self.send(t, k, v) for t, k, v in records])

    async def _start(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                producer = self._clients.async_producer("output", **self._config)
                await producer.start()
                self._producer = producer
        return self._producer

    async def stop(self) -> None:
        """Flush and close; called once when the worker shuts down."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
