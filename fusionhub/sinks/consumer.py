"""The case sink: Kafka ``cases.all`` and ``events`` topics into the SQL case store.

At-least-once by construction: a batch is written to the database in one transaction and only
then are its offsets committed. The store's writes are idempotent, so a batch redelivered after a
crash between the two steps changes nothing. While the database is down the runner retries the
same batch with exponential backoff and keeps its partitions paused, so it neither skips records
nor buffers more of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from sqlalchemy import exc as sa_exc

from fusionhub.serialization import AvroCodec, DecodeError, EmbeddedSchemaRegistry
from fusionhub.serialization.records import (
    CASE_SUBJECT,
    COMMAND_SUBJECT,
    EVENT_SUBJECT,
    TICK_SUBJECT,
)
from fusionhub.settings import Settings
from fusionhub.sinks.kafka_source import open_sink_consumer, sink_group_id
from fusionhub.sinks.store import SqlCaseStore
from fusionhub.streams.topics import TopicNames

log = logging.getLogger(__name__)

# Failures that say "the database is not there right now", not "this batch is wrong".
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    OSError,
)

# Where records that cannot be decoded go: (the Kafka record, the reason). The default only
# logs; the dead-letter writer plugs in here. It runs before the batch's offsets are committed.
UndecodableHook = Callable[[Any, str], None]
# Called after a batch is stored and before its offsets are committed (metrics, latency).
StoredHook = Callable[[list[dict[str, Any]], list[dict[str, Any]]], None]
LOG_CONTROL_SUBJECTS = frozenset({COMMAND_SUBJECT, TICK_SUBJECT})

_IDLE_POLL_MS = 200

__all__ = ["CASE_SUBJECT", "CaseSinkRunner", "UndecodableHook", "log_undecodable", "sink_group_id"]


def log_undecodable(record: Any, reason: str) -> None:
    """Default ``UndecodableHook``: a warning naming where the record sits and why it failed."""
    log.warning(
        "skipping undecodable record %s[%s]@%s: %s",
        record.topic,
        record.partition,
        record.offset,
        reason,
    )


class CaseSinkRunner:
    """Consumes cases and events and stores them; one instance per sink process or thread.

    Counters (read them from any thread; the lead's metrics exporter does): ``records_polled``,
    ``rows_written`` (case and event records stored), ``batches_written``, ``retries``,
    ``undecodable``, ``commit_failures``, ``consumer_rebuilds`` and ``last_commit_at`` (epoch
    seconds or None).

    ``consumer_factory`` builds the Kafka consumer (tests pass fakes). When offset commits keep
    failing for ``stuck_commit_s`` the consumer is closed and built again: kafka-python 3.0 can
    wedge in a rebalance that never completes while still fetching, and a fresh member recovers;
    records since the last commit then come again and are rewritten as no-ops.
    """

    def __init__(
        self,
        settings: Settings,
        store: SqlCaseStore | None = None,
        *,
        consumer_factory: Callable[[], Any] | None = None,
        on_undecodable: UndecodableHook = log_undecodable,
        on_stored: StoredHook = lambda cases, events: None,
        codec: AvroCodec | None = None,
        stuck_commit_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.topics = TopicNames(settings.topic_prefix)
        db = settings.database
        self.store = store or SqlCaseStore.from_url(db.resolved_url(settings.data_dir))
        self.codec = codec or AvroCodec(EmbeddedSchemaRegistry())
        self.on_undecodable = on_undecodable
        self.on_stored = on_stored
        self._new_consumer = consumer_factory or (lambda: open_sink_consumer(settings))
        self.consumer = self._new_consumer()
        self.stuck_commit_s = stuck_commit_s
        self.records_polled = 0
        self.rows_written = 0
        self.batches_written = 0
        self.retries = 0
        self.undecodable = 0
        self.commit_failures = 0
        self.consumer_rebuilds = 0
        self.last_commit_at: float | None = None
        self._uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}
        self._commits_failing_since: float | None = None

    def run(self, stop: threading.Event) -> None:
        """Store batches until ``stop`` is set, then close; called by the sink's thread or CLI.

        Returns after at most one batch wait or backoff step once ``stop`` is set. A database
        error that retrying cannot cure (e.g. a constraint violation) propagates, uncommitted.
        """
        try:
            while not stop.is_set():
                self.run_once(stop)
        finally:
            self.close()

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Poll one batch, store it (retrying while the database is down), commit its offsets.

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
        case_records, event_records = self._decode(batch)
        if not self._store_with_retry(case_records, event_records, stop):
            return 0
        self.rows_written += len(case_records) + len(event_records)
        self.batches_written += 1
        self.on_stored(case_records, event_records)
        self._commit(batch)
        return len(batch)

    def close(self) -> None:
        """Leave the consumer group and release database connections."""
        self.consumer.close()
        self.store.dispose()

    def _rebuild_if_wedged(self) -> None:
        failing_since = self._commits_failing_since
        if failing_since is None or time.monotonic() - failing_since < self.stuck_commit_s:
            return
        log.error(
            "offset commits failing for %.0fs: rebuilding the Kafka consumer", self.stuck_commit_s
        )
        self.consumer.close(autocommit=False)
        self._uncommitted.clear()
        self._commits_failing_since = None
        self.consumer = self._new_consumer()
        self.consumer_rebuilds += 1

    def _collect(self) -> list[Any]:
        size = self.settings.database.batch_size
        deadline = time.monotonic() + self.settings.database.batch_wait_ms / 1000
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

    def _decode(self, batch: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
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
        return decoded[CASE_SUBJECT], decoded[EVENT_SUBJECT]

    def _is_log_control(self, value: bytes | None) -> bool:
        try:
            return value is not None and self.codec.subject_of(value) in LOG_CONTROL_SUBJECTS
        except DecodeError:
            return False

    def _store_with_retry(
        self,
        case_records: list[dict[str, Any]],
        event_records: list[dict[str, Any]],
        stop: threading.Event | None,
    ) -> bool:
        db = self.settings.database
        delay = db.retry_initial_s
        paused = False
        while True:
            try:
                self.store.write_batch(case_records, event_records)
            except RETRYABLE_ERRORS as exc:
                self.retries += 1
                log.warning("case store unavailable, retrying the batch in %gs: %s", delay, exc)
                paused = True
                if not self._wait_paused(delay, stop):
                    return False
                delay = min(delay * 2, db.retry_max_s)
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
