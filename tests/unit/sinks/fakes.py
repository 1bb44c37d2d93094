"""In-memory stand-ins for the Kafka consumer and a failing database (runner unit tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition
from kafka.errors import RebalanceInProgressError
from sqlalchemy import exc as sa_exc

from fusionhub.sinks import SqlCaseStore


@dataclass(frozen=True)
class FakeRecord:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None


class FakeConsumer:
    """Serves fixed partition logs like KafkaConsumer.poll, honouring pause/seek/commit."""

    def __init__(self, logs: dict[TopicPartition, list[bytes | None]]) -> None:
        self.logs = logs
        self.positions = dict.fromkeys(logs, 0)
        self.committed: dict[TopicPartition, int] = {}
        self.paused_set: set[TopicPartition] = set()
        self.forget_pauses_on_next_poll = False  # what a rebalance does
        self.failing_commits = 0  # how many of the next commits fail as in a rebalance
        self.closed = False

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Any]]:
        if self.forget_pauses_on_next_poll:
            self.paused_set.clear()
            self.forget_pauses_on_next_poll = False
        budget = max_records or 10**9
        out: dict[Any, list[Any]] = {}
        for tp, values in self.logs.items():
            start = self.positions[tp]
            if tp in self.paused_set or start >= len(values) or budget <= 0:
                continue
            taken = values[start : start + budget]
            out[tp] = [
                FakeRecord(tp.topic, tp.partition, start + i, v) for i, v in enumerate(taken)
            ]
            self.positions[tp] += len(taken)
            budget -= len(taken)
        if not out:
            time.sleep(min(timeout_ms, 5) / 1000)
        return out

    def assignment(self) -> set[TopicPartition]:
        return set(self.logs)

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused_set.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused_set.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self.paused_set)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.positions[partition] = offset

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        if self.failing_commits:
            self.failing_commits -= 1
            raise RebalanceInProgressError("rebalancing")
        self.committed.update({tp: meta.offset for tp, meta in offsets.items()})

    def close(self, autocommit: bool = True) -> None:
        self.closed = True


class FlakyStore(SqlCaseStore):
    """A real store whose first ``failures`` writes fail as if the server were down."""

    def __init__(
        self,
        store: SqlCaseStore,
        failures: int,
        on_failure: Callable[[], None] = lambda: None,
        error: Exception | None = None,
    ) -> None:
        super().__init__(store.engine)
        self.failures = failures
        self.on_failure = on_failure
        self.error = error or sa_exc.OperationalError(
            "INSERT", {}, ConnectionRefusedError("connection refused")
        )
        self.attempts = 0

    def write_batch(
        self, case_records: list[dict[str, Any]], event_records: list[dict[str, Any]]
    ) -> int:
        self.attempts += 1
        if self.attempts <= self.failures:
            self.on_failure()
            raise self.error
        return super().write_batch(case_records, event_records)
