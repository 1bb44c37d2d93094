"""Reading one partition of the input log back, to rebuild the cases of a partition."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiokafka import TopicPartition

from fusionhub.bus.clients import KafkaClients


async def read_partition(
    clients: KafkaClients, topic: str, partition: int, end_offset: int, batch: int = 5000
) -> AsyncIterator[bytes]:
    """Yield the values of ``topic``/``partition`` from its start up to ``end_offset``
    (exclusive), in log order.

    Called by the correlation agent when it meets a partition whose state it does not hold
    (worker start, or a partition moved here in a rebalance). Uses its own consumer with no
    group, so it never touches the worker's committed offsets.
    """
    if end_offset <= 0:
        return
    consumer = clients.async_consumer(enable_auto_commit=False, max_poll_records=batch)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        while await consumer.position(tp) < end_offset:
            fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=batch)
            for record in fetched.get(tp, []):
                if record.offset >= end_offset:
                    return
                if record.value is not None:
                    yield record.value
    finally:
        await consumer.stop()
