"""Reading partitions back: the state topic to restore a snapshot, the event log after it.

One consumer with no group serves every read of a worker (starting a consumer costs a few
hundred milliseconds of metadata round-trips, a large part of a takeover); it never touches
the worker's committed offsets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from fusionhub.bus.clients import KafkaClients


class LogReader:
    """Reads partitions of any topic, one read at a time (its one user, the correlation
    agent, reads one partition after another). Started on first use."""

    def __init__(self, clients: KafkaClients, batch: int = 5000) -> None:
        self.clients = clients
        self.batch = batch
        self._consumer: AIOKafkaConsumer | None = None

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = self.clients.async_consumer(
                enable_auto_commit=False,
                max_poll_records=self.batch,
                max_partition_fetch_bytes=8 * 1024 * 1024,
                fetch_max_bytes=64 * 1024 * 1024,
                # Reads are bounded: a fetch left waiting for new records at a partition's end
                # would hold up the next read's first fetch for the whole wait.
                fetch_max_wait_ms=20,
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def bounds(self, topic: str, partition: int) -> tuple[int, int]:
        """The first offset ``topic``/``partition`` still holds (above 0 once retention
        trimmed it) and its end (the next offset to be written)."""
        consumer = await self._started()
        tp = TopicPartition(topic, partition)
        first = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        return int(first), int(end)

    async def records(
        self, topic: str, partition: int, start: int, end: int
    ) -> AsyncIterator[ConsumerRecord]:
        """The records of ``topic``/``partition`` from ``start`` (or the log's first offset,
        if later) up to ``end`` (exclusive), in log order.

        Called by the correlation agent to restore a partition's snapshot and to replay the
        event log after it. Raises what aiokafka raises when the broker cannot be reached.
        """
        if end <= start:
            return
        consumer = await self._started()
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        first = (await consumer.beginning_offsets([tp]))[tp]
        consumer.seek(tp, max(start, first))
        while await consumer.position(tp) < end:
            fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=self.batch)
            for record in fetched.get(tp, []):
                if record.offset >= end:
                    return
                yield record

    async def stop(self) -> None:
        """Close the consumer; called once when the worker stops."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()
