"""The sink loop: Kafka ``cases.all`` and ``events`` into any ``CaseSink``.

At-least-once by construction: a batch is written to the sink and flushed, and only then are
its offsets committed. Sinks write idempotently (or their readers keep the highest version),
so a batch redelivered after a crash between the two steps changes nothing. While the sink
raises ``RetriableSinkError`` the loop retries the same batch with exponential backoff and
keeps its partitions paused, so it neither skips records nor buffers more of them. The loop is
the same for every sink: batching, retries, offsets and metrics live here, storing in the sink.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.records import (
    CASE_SUBJECT,
    COMMAND_SUBJECT,
    EVENT_SUBJECT,
    TICK_SUBJECT,
)
from fusionhub.sinks.contract import CaseSink, RetriableSinkError, SinkBatch
from fusionhub.sinks.metrics import SinkMetrics

log = logging.getLogger(__name__)

# Where records that cannot be decoded go: (the Kafka record, the reason). The default only
# logs; the dead-letter writer plugs in here. It runs before the batch's offsets are committed.
UndecodableHook = Callable[[Any, str], None]
LOG_CONTROL_SUBJECTS = frozenset({COMMAND_SUBJECT, TICK_SUBJECT})

_IDLE_POLL_MS = 200

__all__ = ["SinkLoop", "SinkLoopOptions", "UndecodableHook", "log_undecodable"]


@dataclass(frozen=True, slots=True)
class SinkLoopOptions:
    """How the loop batches and retries, and the consumer group it commits offsets in.

    ``group_id`` comes from configuration (``FUSIONHUB_SINK__GROUP_ID``): two sinks storing the
    same topics in different places each need their own group. When offset commits keep failing
    for ``stuck_commit_s`` the consumer is closed and built again (see ``SinkLoop``).
    """

    group_id: str
    batch_size: int = 500
    batch_wait_ms: int = 200
    retry_initial_s: float = 0.5
    retry_max_s: float = 15.0
    stuck_commit_s: float = 30.0


def log_undecodable(record: Any, reason: str) -> None:
    """Default ``UndecodableHook``: a warning naming where the record sits and why it failed."""
    log.warning(
        "skipping undecodable record %s[%s]@%s: %s",
        record.topic,
        record.partition,
        record.offset,
        reason,
    )


class SinkLoop:
    """Consumes cases and events and hands them to one ``CaseSink``; one per sink process.

    Built by the composition root (``fusionhub.bootstrap.sink``) with the sink the settings
    choose, or by tests with fakes. Counters (read them from any thread): ``records_polled``,
    ``rows_written`` (case and event records stored), ``batches_written``, ``retries``,
    ``undecodable``, ``commit_failures``, ``consumer_rebuilds`` and ``last_commit_at`` (epoch
    seconds or None); with ``metrics`` the same go to Prometheus, with the consumer lag.

    ``consumer_factory`` builds the Kafka consumer, subscribed in ``options.group_id``. When
    offset commits keep failing for ``options.stuck_commit_s`` the consumer is closed and built
    again: kafka-python 3.0 can wedge in a rebalance that never completes while still fetching,
    and a fresh member recovers; records since the last commit then come again and are
    rewritten as no-ops.
    """

    def __init__(
        self,
        sink: CaseSink,
        consumer_factory: Callable[[], Any],
        *,
        topics: TopicNames,
        codec: AvroCodec,
        options: SinkLoopOptions,
        metrics: SinkMetrics | None = None,
        on_undecodable: UndecodableHook = log_undecodable,
    ) -> None:
        self.sink = sink
        self.topics = topics
        self.codec = codec
        self.options = options
        self.metrics = metrics
        self.on_undecodable = on_undecodable
        self._new_consumer = consumer_factory
        self.consumer = self._new_consumer()
        self.records_polled = 0
        self.rows_written = 0
        self.batches_written = 0
        self.retries = 0
        self.undecodable = 0
        self.commit_failures = 0
        self.consumer_rebuilds = 0
        self.last_commit_at: float | None = None
        self._retries_seen = 0
        self._uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}
        self._commits_failing_since: float | None = None

    def run(self, stop: threading.Event) -> None:
        """Store batches until ``stop`` is set, then close; called by the sink's thread or CLI.

        Returns after at most one batch wait or backoff step once ``stop`` is set. An error of
        the sink that is not ``RetriableSinkError`` (a batch that can never be stored, such as a
        constraint violation) propagates, uncommitted.
        """
        try:
            while not stop.is_set():
                self.run_once(stop)
                self.observe()
        finally:
            self.close()

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Poll one batch, store it (retrying while the sink is unavailable), commit its offsets.

        Returns the number of Kafka records the batch held (0 when none arrived within
        ``batch_wait_ms``, or when ``stop`` was set before the batch could be stored; its offsets
        are then left uncommitted and the records come again).
        """
        self._rebuild_if_wedged()
        batch = self._collect()
        if not batch:
            if self._uncommitted:
                self._commit_uncommitted()
            return 0
        decoded = self._decode(batch)
        if not self._store_with_retry(decoded, stop):
            return 0
        self.rows_written += len(decoded)
        self.batches_written += 1
        if self.metrics is not None:
            self.metrics.on_stored(decoded)
        self._commit(batch)
        return len(batch)

    def close(self) -> None:
        """Leave the consumer group and close the sink."""
        try:
            self.consumer.close()
        finally:
            self.sink.close()

    def observe(self) -> None:
        """Copy the retry count and the consumer lag into the metrics; runs on the loop's own
        thread (kafka-python consumers are not thread-safe), after every batch."""
        if self.metrics is None:
            return
        self.metrics.retries.inc(self.retries - self._retries_seen)
        self._retries_seen = self.retries
        consumer = self.consumer
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lag = max(highwater - consumer.position(tp), 0)
                self.metrics.lag.labels(self.options.group_id, tp.topic, str(tp.partition)).set(lag)

    def _rebuild_if_wedged(self) -> None:
        failing_since = self._commits_failing_since
        stuck_s = self.options.stuck_commit_s
        if failing_since is None or time.monotonic() - failing_since < stuck_s:
            return
        log.error("offset commits failing for %.0fs: rebuilding the Kafka consumer", stuck_s)
        self.consumer.close(autocommit=False)
        self._uncommitted.clear()
        self._commits_failing_since = None
        self.consumer = self._new_consumer()
        self.consumer_rebuilds += 1

    def _collect(self) -> list[Any]:
        size = self.options.batch_size
        deadline = time.monotonic() + self.options.batch_wait_ms / 1000
        batch: list[Any] = []
        while len(batch) < size:
            wait_ms = int((deadline - time.monotonic()) * 1000)
            if wait_ms <= 0:
                break
            polled = self.consumer.poll(timeout_ms=wait_ms, max_records=size - len(batch))
            for records in polled.values():
                batch.extend(records)
        self.records_polled += len(batch)
        return batch

    def _decode(self, batch: list[Any]) -> SinkBatch:
        subjects = {self.topics.cases_all: CASE_SUBJECT, self.topics.events: EVENT_SUBJECT}
        decoded: dict[str, list[dict[str, Any]]] = {CASE_SUBJECT: [], EVENT_SUBJECT: []}
        for record in batch:
            subject = subjects.get(record.topic)
            if subject == EVENT_SUBJECT and self._is_log_control(record.value):
                continue  # case actions and ticks share the event log; they are not events
            try:
                if subject is None:
                    raise DecodeError(f"topic {record.topic} is not one the sink reads")
                if record.value is None:
                    raise DecodeError("record has no value (tombstone)")
                decoded[subject].append(self.codec.decode(record.value, subject))
            except DecodeError as exc:
                self.undecodable += 1
                self.on_undecodable(record, str(exc))
                if self.metrics is not None:
                    self.metrics.undecodable.inc()
        return SinkBatch(decoded[CASE_SUBJECT], decoded[EVENT_SUBJECT])

    def _is_log_control(self, value: bytes | None) -> bool:
        try:
            return value is not None and self.codec.subject_of(value) in LOG_CONTROL_SUBJECTS
        except DecodeError:
            return False

    def _store_with_retry(self, batch: SinkBatch, stop: threading.Event | None) -> bool:
        delay = self.options.retry_initial_s
        paused = False
        while True:
            try:
                self.sink.write(batch)
                self.sink.flush()
            except RetriableSinkError as exc:
                self.retries += 1
                log.warning(
                    "%s sink unavailable, retrying the batch in %gs: %s", self.sink.name, delay, exc
                )
                paused = True
                if not self._wait_paused(delay, stop):
                    return False
                delay = min(delay * 2, self.options.retry_max_s)
            else:
                break
        if paused:
            self.consumer.resume(*self.consumer.paused())
        return True

    def _wait_paused(self, seconds: float, stop: threading.Event | None) -> bool:
        """Sleep ``seconds`` while keeping the group membership alive; False if stopped."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if stop is not None and stop.is_set():
                return False
            # Paused partitions return nothing, but polling keeps us in the group. Re-pause on
            # every turn because a rebalance hands partitions back unpaused.
            self.consumer.pause(*self.consumer.assignment())
            remaining_ms = int((until - time.monotonic()) * 1000)
            polled = self.consumer.poll(timeout_ms=max(1, min(_IDLE_POLL_MS, remaining_ms)))
            self._rewind(polled)
        return not (stop is not None and stop.is_set())

    def _rewind(self, polled: dict[Any, list[Any]]) -> None:
        # Records fetched while we cannot store them must come again: seek back to the first.
        for partition, records in polled.items():
            if records:
                self.consumer.seek(partition, records[0].offset)

    def _commit(self, batch: list[Any]) -> None:
        for record in batch:
            partition = TopicPartition(record.topic, record.partition)
            held = self._uncommitted.get(partition)
            if held is None or held.offset <= record.offset:
                self._uncommitted[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
        self._commit_uncommitted()

    def _commit_uncommitted(self) -> None:
        # Offsets of stored batches wait here until a commit succeeds. Only partitions we still
        # own are committed: another owner may have moved on, and ours would move it back.
        owned = self.consumer.assignment()
        offsets = {tp: meta for tp, meta in self._uncommitted.items() if tp in owned}
        if not offsets:
            self._uncommitted.clear()
            return
        try:
            self.consumer.commit(offsets)
        except KafkaError as exc:
            # Stored already: a later commit carries these offsets, and whoever reads the
            # partitions before that rewrites the records, which changes nothing.
            self.commit_failures += 1
            if self._commits_failing_since is None:
                self._commits_failing_since = time.monotonic()
            log.warning("offset commit failed after the batch was stored: %s", exc)
            return
        self._commits_failing_since = None
        self._uncommitted.clear()
        self.last_commit_at = time.time()
