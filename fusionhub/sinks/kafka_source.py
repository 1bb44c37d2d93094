"""The sink loop's Kafka consumer: metadata loaded, subscribed, no auto-commit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from fusionhub.bus.clients import KafkaClients

# A partition whose metadata was not yet known at join time is picked up this soon.
_METADATA_MAX_AGE_MS = 5000
_METADATA_WAIT_S = 10.0


def open_sink_consumer(
    clients: KafkaClients, topics: Sequence[str], group_id: str, batch_size: int
) -> Any:
    """A ``KafkaConsumer`` subscribed to ``topics`` (``cases.all`` and ``events``) in
    ``group_id``, committing nothing by itself.

    Called by the sink loop's consumer factory at start and when the loop rebuilds a wedged
    consumer; the composition root creates the topics first. Raises kafka errors when the
    broker cannot be reached.
    """
    consumer = clients.consumer(
        role="sink",
        group_id=group_id,
        client_id=f"{group_id}-consumer",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch_size,
        metadata_max_age_ms=_METADATA_MAX_AGE_MS,
    )
    _await_metadata(consumer, topics)
    consumer.subscribe(list(topics))
    return consumer


def _await_metadata(consumer: Any, names: Sequence[str]) -> None:
    # Joining the group before every topic's partitions are known makes the leader assign
    # nothing, then rebalance again when the metadata arrives; starting with it avoids both.
    deadline = time.monotonic() + _METADATA_WAIT_S
    while time.monotonic() < deadline:
        if all(consumer.partitions_for_topic(name) for name in names):
            return
        time.sleep(0.2)
