"""Standby state: decoded copies of the latest snapshots of the partitions held elsewhere.

Faust offers standby replicas (``table_standby_replicas``) for its tables; the hub keeps its
state in its own snapshot topic (docs/state.md says why), so it keeps standbys itself. Each
worker follows the state topic's partitions it does not hold, keeps the latest value of every
key as compaction would, and decodes each new complete snapshot, reusing the decoded entries of
cases whose bytes did not change (most of them: a snapshot re-sends an unchanged case's bytes).
When a rebalance hands it one of those partitions, the agent takes the decoded copy and only
replays the event log after the snapshot's offset: taking over costs seconds, not a restore.

Decoding runs in the event loop in small slices, so the agent's batches are never held up by
more than a few milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from fusionhub.bus.clients import KafkaClients
from fusionhub.core.snapshot import CaseEntry
from fusionhub.heap import paused_collector
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.state import decode_entry
from fusionhub.streams.logreader import LogReader
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.restore import FoundSnapshot, StateRecords, read_recent

log = logging.getLogger(__name__)
# Entries decoded between two yields to the event loop (about 5 ms of work).
SLICE = 150


@dataclass(frozen=True, slots=True)
class Ready:
    """A decoded snapshot of a partition held elsewhere, ready to take over."""

    snapshot: FoundSnapshot
    entries: list[CaseEntry]


class Standby:
    """The standby copies of one worker. ``run`` is its background task; the agent's
    partition bookkeeping calls ``assigned`` after each rebalance and ``take`` on restore."""

    def __init__(
        self,
        clients: KafkaClients,
        topic: str,
        partitions: int,
        codec: AvroCodec,
        metrics: StreamMetrics,
    ) -> None:
        self.clients = clients
        self.topic = topic
        # The state topic has one partition per event-log partition (the topic table).
        self.partitions = partitions
        self.codec = codec
        self.metrics = metrics
        self._mine: set[int] | None = None  # None: no assignment yet, follow nothing
        self._records: dict[int, StateRecords] = {}
        self._ready: dict[int, Ready] = {}
        self._decoded: dict[int, dict[bytes, CaseEntry]] = {}
        self._changed: set[int] = set()
        self._reader = LogReader(clients)

    def assigned(self, partitions: set[int]) -> None:
        """This worker now holds ``partitions`` (and will restore them): follow the others.

        Copies of partitions just assigned here stay available to ``take`` until restored.
        """
        self._mine = set(partitions)
        log.info("standby: this worker holds %s", sorted(partitions))
        for partition in list(self._records):
            if partition in partitions:
                del self._records[partition]
                self._decoded.pop(partition, None)

    def take(self, partition: int) -> Ready | None:
        """The decoded copy of ``partition``, handed over once (the agent mutates it)."""
        self._decoded.pop(partition, None)
        return self._ready.pop(partition, None)

    async def run(self) -> None:
        """Follow and decode until cancelled. A failure is logged and the loop starts over:
        standby copies are an optimisation, a restore from the topic works without them."""
        try:
            while True:
                try:
                    await self._follow()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("standby: following %s failed; starting over", self.topic)
                    self._records.clear()
                    await asyncio.sleep(5)
        finally:
            await self._reader.stop()

    async def _follow(self) -> None:
        consumer = self.clients.async_consumer(enable_auto_commit=False)
        await consumer.start()
        try:
            following: set[int] = set()
            while True:
                wanted = self._wanted()
                if wanted != following:
                    log.info("standby: following partitions %s of %s", sorted(wanted), self.topic)
                    await self._assign(consumer, wanted, following)
                    following = wanted
                if not following:
                    await asyncio.sleep(1)
                    continue
                fetched = await consumer.getmany(timeout_ms=500, max_records=2000)
                for tp, batch in fetched.items():
                    records = self._records.get(tp.partition)
                    if records is not None:
                        for record in batch:
                            records.put(record.key, record.value)
                        self._changed.add(tp.partition)
                if not fetched:
                    await self._decode_changed()
        finally:
            await consumer.stop()

    def _wanted(self) -> set[int]:
        if self._mine is None:
            return set()
        return {p for p in range(self.partitions) if p not in self._mine}

    async def _assign(
        self, consumer: AIOKafkaConsumer, wanted: set[int], following: set[int]
    ) -> None:
        for partition in following - wanted:
            self._records.pop(partition, None)
            self.metrics.standby_offset.labels(str(partition)).set(-1)
        tps = [TopicPartition(self.topic, p) for p in sorted(wanted)]
        consumer.assign(tps)
        for tp in tps:
            if tp.partition not in following:
                # A copy left from an earlier time here is stale: start from the topic again,
                # at the newest complete snapshot (not at the start: the cleaner may lag).
                self._ready.pop(tp.partition, None)
                records, end = await read_recent(self._reader, self.codec, self.topic, tp.partition)
                self._records[tp.partition] = records
                self._changed.add(tp.partition)
                consumer.seek(tp, end)

    async def _decode_changed(self) -> None:
        """Decode the newest complete snapshot of each partition whose records changed."""
        for partition in sorted(self._changed):
            self._changed.discard(partition)
            records = self._records.get(partition)
            if records is None:
                continue
            found = records.complete(self.codec)
            ready = self._ready.get(partition)
            if not found or (
                ready and ready.snapshot.head.snapshot_id == found[0].head.snapshot_id
            ):
                continue
            entries = await self._decode(partition, found[0])
            if entries is not None and partition in self._records:
                self._ready[partition] = Ready(found[0], entries)
                self.metrics.standby_offset.labels(str(partition)).set(found[0].head.offset)

    async def _decode(self, partition: int, snapshot: FoundSnapshot) -> list[CaseEntry] | None:
        known = self._decoded.get(partition, {})
        fresh: dict[bytes, CaseEntry] = {}
        entries: list[CaseEntry] = []
        for n, data in enumerate(snapshot.entries, start=1):
            entry = known.get(data)
            if entry is None:
                try:
                    with paused_collector():
                        entry = decode_entry(self.codec, data)
                except DecodeError as exc:
                    log.warning("standby: partition %s: unreadable entry: %s", partition, exc)
                    return None
            fresh[data] = entry
            entries.append(entry)
            if n % SLICE == 0:
                await asyncio.sleep(0)
                if partition not in self._records:
                    return None  # assigned here meanwhile: the agent restores it itself
        self._decoded[partition] = fresh
        return entries
