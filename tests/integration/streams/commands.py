"""Feeding a running worker grid reports and case commands, and watching the topics it writes.

Used by the lifecycle integration tests: reports go through the real ingest pipeline, commands
are Avro ``fusionhub.CaseCommand`` records produced with kafka-python, and outputs are read by
a ``TopicTail`` that keeps its consumer, so waiting for one more record costs one poll.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_ingest_pipeline, build_publisher, prepare_ingest_topics
from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.casebook import CaseAction
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.actions import action_to_record
from fusionhub.serialization.records import (
    CASE_SUBJECT,
    COMMAND_SUBJECT,
    DEAD_LETTER_SUBJECT,
)
from fusionhub.settings import Settings
from fusionhub.sources.grid import GRID
from fusionhub.streams.worker import worker_topics

CODEC = AvroCodec(EmbeddedSchemaRegistry())
Record = dict[str, Any]


def grid_report(example: Path, **changes: Any) -> bytes:
    """The grid example at ``example`` with top-level fields replaced, as JSON bytes."""
    report = json.loads(example.read_text(encoding="utf-8"))
    report.update(changes)
    return json.dumps(report, ensure_ascii=False).encode()


def ingest_grid_reports(settings: Settings, *payloads: bytes) -> list[str]:
    """Send grid report payloads through the real ingest pipeline, in order; returns the
    accepted event refs. Fails the caller (AssertionError) when one is not accepted."""
    prepare_ingest_topics(Hub(settings))
    ensure_topics(
        KafkaClients(settings.kafka_bootstrap),
        worker_topics(TopicNames(settings.topic_prefix)),
        settings.streams.topic_partitions,
    )
    metrics = IngestMetrics(CollectorRegistry())
    pipeline = build_ingest_pipeline(Hub(settings), metrics)
    publisher = build_publisher(Hub(settings), metrics)
    refs: list[str] = []
    try:
        for payload in payloads:
            batch = pipeline.prepare(GRID, payload)
            assert batch.report.count("accepted") == 1, batch.report
            publisher.send_and_wait(batch.records)
            refs.extend(batch.new_refs)
    finally:
        publisher.close()
    return refs


class CommandSender:
    """Produces case commands to ``{prefix}.commands``, keyed by county unless told otherwise.

    The key matters: commands of one case must share a partition of the command topic, or the
    worker may forward them into the event log in another order than they were sent.
    """

    def __init__(self, settings: Settings) -> None:
        self.topic = TopicNames(settings.topic_prefix).commands
        self.producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")

    def send(
        self,
        case_id: str,
        action: str,
        issued_at: datetime,
        *,
        county_code: str | None = "330681",
        key: bytes | None = None,
        command_id: str | None = None,
        actor: str = "枫桥镇综治中心",
        event_refs: tuple[str, ...] = (),
        **optional: str,
    ) -> str:
        """Produce one command and wait for the broker's ack; returns its command id.

        ``key`` defaults to the county code; ``optional`` holds department, note, evaluation
        and into_case_id.
        """
        command = CaseAction(
            command_id=command_id or f"cmd-{uuid.uuid4().hex[:12]}",
            case_id=case_id,
            action=action,
            actor=actor,
            issued_at=issued_at,
            department=optional.pop("department", None),
            note=optional.pop("note", None),
            evaluation=optional.pop("evaluation", None),
            county_code=county_code,
            into_case_id=optional.pop("into_case_id", None),
            event_refs=event_refs,
        )
        assert not optional, f"unknown command fields {sorted(optional)}"
        if key is None and county_code is not None:
            key = county_code.encode()
        value = CODEC.encode(COMMAND_SUBJECT, action_to_record(command))
        self.producer.send(self.topic, value, key=key).get(30)
        return command.command_id

    def close(self) -> None:
        """Flush and close the producer."""
        self.producer.close()


class TopicTail:
    """Every record of one topic from its beginning, read incrementally and decoded.

    The topic may not exist yet (case topics are created on first use); reading waits for it
    without asking the broker for it by name, which would create it.
    """

    def __init__(self, settings: Settings, topic: str, subject: str = CASE_SUBJECT) -> None:
        self.topic = topic
        self.subject = subject
        self.records: list[Record] = []
        self._consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False
        )
        self._assigned = False

    def poll(self) -> list[Record]:
        """Read what arrived since the last call; returns every record so far."""
        if not self._assigned and not self._assign():
            return self.records
        for recs in self._consumer.poll(timeout_ms=200).values():
            self.records.extend(CODEC.decode(r.value, self.subject) for r in recs)
        return self.records

    def wait_for(
        self, done: Callable[[list[Record]], bool], what: str, timeout_s: float = 30.0
    ) -> list[Record]:
        """Poll until ``done(records)`` holds; fails with ``what`` and the records on timeout."""
        deadline = time.monotonic() + timeout_s
        while not done(self.poll()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.topic}: no {what} in {timeout_s}s: {self.records}")
        return self.records

    def _assign(self) -> bool:
        if self.topic not in self._consumer.topics():
            time.sleep(0.2)
            return False
        ids = self._consumer.partitions_for_topic(self.topic) or set()
        parts = [TopicPartition(self.topic, p) for p in sorted(ids)]
        self._consumer.assign(parts)
        self._consumer.seek_to_beginning(*parts)
        self._assigned = True
        return True

    def close(self) -> None:
        """Close the consumer."""
        self._consumer.close()


def versions_of(records: list[Record], case_id: str) -> list[Record]:
    """The states of one case among ``records``, by version (a repeated version kept once)."""
    by_version = {r["version"]: r for r in records if r["case_id"] == case_id}
    return [by_version[v] for v in sorted(by_version)]


def letters_for(letters: list[Record], command_id: str) -> list[Record]:
    """The dead letters about one command."""
    return [d for d in letters if d["source_id"] == command_id]


__all__ = [
    "CASE_SUBJECT",
    "DEAD_LETTER_SUBJECT",
    "CommandSender",
    "TopicTail",
    "grid_report",
    "ingest_grid_reports",
    "letters_for",
    "versions_of",
]
