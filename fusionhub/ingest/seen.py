"""Warm start for duplicate detection: the event refs already on the hub's topics.

The event ref is the first field of every event and device-health record, so it is read from
the front of each value without decoding the rest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from kafka import TopicPartition

from fusionhub.bus.clients import KafkaClients
from fusionhub.serialization import AvroCodec, DecodeError


def refs_on_topics(
    clients: KafkaClients, topics: Iterable[str], codec: AvroCodec, timeout_s: float = 120.0
) -> set[str]:
    """Every event ref on ``topics``, read from the beginning to the current end.

    Called once when an ingest process starts. Topics that do not exist yet contribute nothing,
    nor do records that are not framed Avro with an event ref (no ingest wrote those). Raises
    TimeoutError when the end is not reached in time, rather than starting half-warm.
    """
    consumer = clients.consumer(role="ingest-seen", enable_auto_commit=False)
    try:
        parts = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        if not parts:
            return set()
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = {tp: off for tp, off in consumer.end_offsets(parts).items() if off > 0}
        refs: set[str] = set()
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading known event refs took over {timeout_s:.0f}s")
            for records in consumer.poll(timeout_ms=500, max_records=5000).values():
                for rec in records:
                    try:
                        refs.add(codec.leading_string(rec.value, "event_ref"))
                    except DecodeError:
                        continue
        return refs
    finally:
        consumer.close()
