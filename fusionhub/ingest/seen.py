"""Warm start for duplicate detection: the event refs already on the hub's topics.

Each record the ingest produces carries its event ref in a header, so the refs can be read back
without decoding a single Avro value.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from kafka import KafkaConsumer, TopicPartition


def refs_on_topics(bootstrap: str, topics: Iterable[str], timeout_s: float = 120.0) -> set[str]:
    """Every ``event_ref`` header on ``topics``, read from the beginning to the current end.

    Called once when an ingest process starts. Topics that do not exist yet contribute nothing.
    Raises TimeoutError when the end is not reached in time, rather than starting half-warm.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
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
                    refs.update(v.decode() for k, v in rec.headers if k == "event_ref")
        return refs
    finally:
        consumer.close()
