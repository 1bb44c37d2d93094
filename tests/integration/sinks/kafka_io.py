"""Producing case and event records and reading the sink's committed offsets, for the tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization.records import CASE_SUBJECT, EVENT_SUBJECT
from fusionhub.settings import DatabaseSettings, Settings, SinkSettings, StreamSettings
from tests.unit.sinks.builders import CODEC, case_record, event_record, score

Offsets = dict[tuple[str, int], int]


def sink_settings(hub: Settings, url: str, *, jsonl: Path | None = None, **loop: Any) -> Settings:
    """``hub`` storing to the database at ``url`` (or, with ``jsonl``, to that JSON Lines file),
    with a consumer group of this test's own and fast retries."""
    options: dict[str, Any] = {
        "batch_size": 40,
        "batch_wait_ms": 50,
        "retry_initial_s": 0.1,
        "retry_max_s": 0.8,
    }
    options.update(loop)
    kind = "jsonl" if jsonl is not None else "sql"
    settings = hub.model_copy(
        update={
            "database": DatabaseSettings(url=url),
            "sink": SinkSettings(kind=kind, jsonl_path=jsonl, **options),
            "streams": StreamSettings(app_id=f"{hub.topic_prefix}-app"),
        }
    )
    topics = TopicNames(settings.topic_prefix)
    ensure_topics(
        KafkaClients(settings.kafka_bootstrap), [topics.cases_all, topics.events], partitions=3
    )
    return settings


def case_versions(case_id: str, township: str, last: int) -> list[dict[str, Any]]:
    """Versions 1..last of a case; version k holds reports 1..k, every later one scored."""
    refs = [f"grid:{case_id}-{j}" for j in range(1, last + 1)]
    return [
        case_record(
            case_id,
            k,
            township=township,
            event_refs=refs[:k],
            members={ref: score(0.5 + j / 10, text=0.1) for j, ref in enumerate(refs[1:k])},
        )
        for k in range(1, last + 1)
    ]


def encoded_cases(records: Iterable[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs as the hub publishes cases: keyed by county code."""
    return [(r["county_code"].encode(), CODEC.encode(CASE_SUBJECT, r)) for r in records]


def encoded_events(refs: Iterable[str]) -> list[bytes]:
    return [CODEC.encode(EVENT_SUBJECT, event_record(ref)) for ref in refs]


class Producer:
    """A kafka-python producer writing to the hub's case and event topics."""

    def __init__(self, settings: Settings) -> None:
        self.topics = TopicNames(settings.topic_prefix)
        self._producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")

    def cases(self, pairs: Iterable[tuple[bytes, bytes]]) -> None:
        for key, value in pairs:
            self._producer.send(self.topics.cases_all, value=value, key=key)

    def events(self, values: Iterable[bytes]) -> None:
        for value in values:
            self._producer.send(self.topics.events, value=value)

    def raw_event(self, value: bytes) -> None:
        """Send bytes to the events topic as they are (for records that do not decode)."""
        self._producer.send(self.topics.events, value=value)

    def flush(self) -> None:
        self._producer.flush(timeout=20)

    def close(self) -> None:
        self._producer.flush(timeout=20)
        self._producer.close(timeout=10)


def committed_offsets(settings: Settings, group_id: str) -> Offsets:
    """What the sink's consumer group has committed, per (topic, partition)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        offsets = admin.list_group_offsets(group_id)[group_id]
    finally:
        admin.close()
    return {
        (tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0
    }


def end_offsets(settings: Settings) -> Offsets:
    """The end of every partition of the case and event topics (non-empty ones only)."""
    topics = TopicNames(settings.topic_prefix)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        parts = [
            TopicPartition(topic, p)
            for topic in (topics.cases_all, topics.events)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(parts)
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): end for tp, end in ends.items() if end > 0}
