"""Producing what the connectors return: kafka-python, idempotent, acks=all, batched."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaProducer
from kafka.partitioner.default import DefaultPartitioner

from fusionhub.ingest.metrics import IngestMetrics


# Not frozen: one is built per record on the hot path, and a frozen init costs three times
# as much. Nothing mutates one after it is built.
@dataclass(slots=True)
class OutgoingRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class CountyPartitioner(DefaultPartitioner):  # type: ignore[misc]  # kafka-python is untyped
    """Kafka's default key partitioning (murmur2), remembered per topic and key.

    Events are keyed by county, a few dozen keys, so hashing each record's key again in pure
    Python is wasted work on the hot path. Keyless records are placed as by the default.
    A topic whose partition count grows is re-hashed only after a restart, as Kafka's own
    clients would move keys then too.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, bytes], int] = {}

    def partition(  # noqa: PLR0917 (kafka-python's signature)
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: Any,
        cluster: Any,
    ) -> int:
        """Called by kafka-python's producer for every record it is given."""
        if serialized_key is None:
            return int(super().partition(topic, key, None, value, serialized_value, cluster))
        found = self._known.get((topic, serialized_key))
        if found is None:
            found = int(
                super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            )
            self._known[(topic, serialized_key)] = found
        return found


class PublishError(RuntimeError):
    """The broker did not acknowledge every record of a batch; the caller must not report them
    as accepted (the sender retries, and the idempotent producer keeps retries from doubling)."""


class KafkaPublisher:
    """One idempotent producer per process, shared by every way in."""

    def __init__(
        self,
        bootstrap: str,
        metrics: IngestMetrics,
        linger_ms: int = 5,
        batch_bytes: int = 262_144,
        delivery_timeout_ms: int = 300_000,
    ) -> None:
        self.metrics = metrics
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            client_id="fusionhub-ingest",
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
            partitioner=CountyPartitioner(),
        )

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
        for rec in records:
            futures.append(
                self._producer.send(rec.topic, value=rec.value, key=rec.key, headers=rec.headers)
            )
        self.metrics.in_flight.inc(len(futures))
        return futures

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
