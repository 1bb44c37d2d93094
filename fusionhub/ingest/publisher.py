"""Producing what the connectors return: kafka-python, idempotent, acks=all, batched."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from fusionhub.bus.clients import KafkaClients
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.pipeline import OutgoingRecord


class KeyPartitions:
    """Kafka's default partition of a keyed record (murmur2), remembered per topic and key.

    The publisher passes the partition to ``send`` itself: events are keyed by county, a few
    dozen keys, and kafka-python would otherwise hash each record's key again in pure Python
    and ask its partitioner through several calls. Records land exactly where the default
    partitioner puts them. A topic whose partition count grows is re-hashed only after a
    restart, as Kafka's own clients would move keys then too.
    """

    def __init__(self, partitions_for: Callable[[str], set[int] | None]) -> None:
        self._partitions_for = partitions_for
        self._known: dict[tuple[str, bytes], int] = {}

    def of(self, topic: str, key: bytes | None) -> int | None:
        """The partition of ``key`` on ``topic``; None (the producer decides) for no key.

        Called for every record sent; the first record of a topic may wait for its metadata.
        """
        if key is None:
            return None
        found = self._known.get((topic, key))
        if found is None:
            partitions = sorted(self._partitions_for(topic) or ())
            if not partitions:
                return None  # unknown yet: the producer waits for metadata and decides
            found = partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]
            self._known[(topic, key)] = found
        return found


class PublishError(RuntimeError):
    """The broker did not acknowledge every record of a batch; the caller must not report them
    as accepted (the sender retries, and the idempotent producer keeps retries from doubling)."""


class KafkaPublisher:
    """One idempotent producer per process, shared by every way in."""

    def __init__(
        self,
        clients: KafkaClients,
        metrics: IngestMetrics,
        linger_ms: int = 5,
        batch_bytes: int = 262_144,
        delivery_timeout_ms: int = 300_000,
    ) -> None:
        self.metrics = metrics
        self._delivery_timeout_s = delivery_timeout_ms / 1000
        self._producer = clients.producer(
            "ingest",
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            batch_size=batch_bytes,
            max_in_flight_requests_per_connection=5,
            # Ride out a broker restart: keep retrying for minutes rather than losing a record.
            delivery_timeout_ms=delivery_timeout_ms,
            request_timeout_ms=30_000,
            retry_backoff_ms=200,
            max_block_ms=delivery_timeout_ms,
        )
        self._partitions = KeyPartitions(self._producer.partitions_for)

    def ready(self, topics: Sequence[str]) -> None:
        """Block until the producer knows each topic's partitions (at most ``max_block_ms``).

        Called by the ingest benchmark before its clock starts: a topic created moments before
        has no leader yet, and the first batch would otherwise wait out metadata retries.
        """
        for topic in topics:
            self._producer.partitions_for(topic)

    def send(self, records: Sequence[OutgoingRecord]) -> list[Any]:
        """Hand ``records`` to the producer; returns their futures (kafka-python's)."""
        futures = []
        send, partition = self._producer.send, self._partitions.of
        for rec in records:
            futures.append(
                send(
                    rec.topic,
                    value=rec.value,
                    key=rec.key,
                    partition=partition(rec.topic, rec.key),
                )
            )
        self.metrics.in_flight.inc(len(futures))
        return futures

    def flush(self) -> None:
        """Send every buffered record now, not at the end of its linger, and wait until each
        is acknowledged or has failed (for at most the delivery timeout).

        Called by a file-ingest worker that has nothing left to convert, before it reports
        acks. It raises nothing: a failure shows in the records' futures, which ``wait`` reads.
        """
        with contextlib.suppress(KafkaError):
            self._producer.flush(timeout=self._delivery_timeout_s)

    def send_and_wait(self, records: Sequence[OutgoingRecord], timeout_s: float = 330.0) -> None:
        """Send and block until every record is acknowledged; raises ``PublishError``."""
        self.wait(self.send(records), timeout_s)

    def wait(self, futures: Sequence[Any], timeout_s: float = 330.0) -> None:
        """Block until every future from ``send`` is acknowledged; raises ``PublishError``.

        Called by file ingest once per chunk, a chunk or two after sending it, so producing
        overlaps the conversion of the next chunks.
        """
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        try:
            for fut in futures:
                fut.get(timeout=max(0.0, deadline - time.monotonic()))
        except Exception as exc:
            raise PublishError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.metrics.in_flight.dec(len(futures))
        self.metrics.produce_latency.observe(time.perf_counter() - started)

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Send and await every acknowledgement without blocking the event loop.

        Called by the HTTP ingest API per request; raises ``PublishError`` if any record failed.
        """
        if not records:
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        pending = [len(records)]
        errors: list[BaseException] = []
        started = time.perf_counter()

        def settle(error: BaseException | None) -> None:
            if error is not None:
                errors.append(error)
            pending[0] -= 1
            if pending[0] == 0 and not done.done():
                done.set_result(None)

        for fut in self.send(records):
            fut.add_callback(lambda _md: loop.call_soon_threadsafe(settle, None))
            fut.add_errback(lambda exc: loop.call_soon_threadsafe(settle, exc))
        try:
            await done
        finally:
            self.metrics.in_flight.dec(len(records))
        self.metrics.produce_latency.observe(time.perf_counter() - started)
        if errors:
            raise PublishError(f"{len(errors)} of {len(records)} records failed: {errors[0]}")

    def close(self, timeout_s: float = 30.0) -> None:
        """Flush what is buffered and close; called once at shutdown."""
        self._producer.flush(timeout=timeout_s)
        self._producer.close(timeout=timeout_s)
