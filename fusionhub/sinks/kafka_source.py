"""The sink's Kafka consumer: topics ensured, metadata loaded, subscribed, no auto-commit."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer

from fusionhub.settings import Settings
from fusionhub.streams.topic_specs import ensure_hub_topics
from fusionhub.streams.topics import TopicNames

# A partition whose metadata was not yet known at join time is picked up this soon.
_METADATA_MAX_AGE_MS = 5000
_METADATA_WAIT_S = 10.0


def sink_group_id(settings: Settings) -> str:
    """The consumer group of the sink, separate from the Faust app's own group."""
    return f"{settings.streams.app_id}-sink"


def open_sink_consumer(settings: Settings) -> Any:
    """A ``KafkaConsumer`` subscribed to ``cases.all`` and ``events`` in the sink's group.

    Called by ``CaseSinkRunner`` at start and when it rebuilds a wedged consumer. Creates the
    topics (with the configured partition count) if the sink starts before the worker, since
    broker auto-creation would make them with one partition. Raises kafka errors when the
    broker cannot be reached.
    """
    names = [TopicNames(settings.topic_prefix).cases_all, TopicNames(settings.topic_prefix).events]
    ensure_hub_topics(settings, names)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=sink_group_id(settings),
        client_id=f"{sink_group_id(settings)}-consumer",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.database.batch_size,
        metadata_max_age_ms=_METADATA_MAX_AGE_MS,
    )
    _await_metadata(consumer, names)
    consumer.subscribe(names)
    return consumer


def _await_metadata(consumer: Any, names: list[str]) -> None:
    # Joining the group before every topic's partitions are known makes the leader assign
    # nothing, then rebalance again when the metadata arrives; starting with it avoids both.
    deadline = time.monotonic() + _METADATA_WAIT_S
    while time.monotonic() < deadline:
        if all(consumer.partitions_for_topic(name) for name in names):
            return
        time.sleep(0.2)
