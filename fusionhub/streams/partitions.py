"""The partitions a worker holds: each one's ``CaseBook``, where it stands in the event log, and
its snapshots.

A partition met for the first time (start-up, or moved here by a rebalance) is restored: from
the state this worker had when a rebalance took it away, else the standby copy, else the latest
complete snapshot on the state topic, else from nothing; then the event log is replayed from
that state's offset up to the record in hand. (Any of these is a valid state at its offset: the
log does not change and the engine is deterministic.) After each batch whose outputs the broker
acknowledged, a partition due for a snapshot gets one (written beside the agent), and a
partition taken away gets a last one, so the next holder replays as little as possible.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from fusionhub.bus.clients import KafkaClients
from fusionhub.core.casebook import CaseBook, Outcome
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.snapshot import CaseEntry, restore_state
from fusionhub.heap import freeze_long_lived, paused_collector
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.streams.inputs import decode_input
from fusionhub.streams.logreader import LogReader
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.output import OutputProducer
from fusionhub.streams.restore import FoundSnapshot, read_recent, read_state, usable
from fusionhub.streams.snapshots import SLOTS, PartitionState, policy_digest, write_snapshot
from fusionhub.streams.standby import Standby

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Found:
    """A partition's state found on assignment: the book at ``offset`` and where it came from
    (``standby``, ``snapshot`` or ``log``), found in ``seconds``."""

    book: CaseBook
    store: PartitionState
    offset: int
    source: str
    seconds: float


@dataclass(slots=True)
class Held:
    """One partition this worker holds. ``applied`` is the first offset not applied to the
    book; ``acked`` the first offset whose records' outputs are not all acknowledged yet."""

    book: CaseBook
    store: PartitionState
    applied: int
    acked: int


class Partitions:
    """The held partitions of one worker; used by the correlation agent only."""

    def __init__(
        self,
        options: StreamSettings,
        *,
        clients: KafkaClients,
        events_topic: str,
        state_topic: str,
        codec: AvroCodec,
        policy: CorrelationPolicy,
        output: OutputProducer,
        metrics: StreamMetrics,
        standby: Standby | None,
    ) -> None:
        self.options = options
        self.codec = codec
        self.policy = policy
        self.output = output
        self.metrics = metrics
        self.standby = standby
        self.events_topic = events_topic
        self.state_topic = state_topic
        self.reader = LogReader(clients)
        # The reader's one consumer is assigned to one partition at a time: state lookups (one
        # task per partition assigned) and replays take turns.
        self._reading = asyncio.Lock()
        self.held: dict[int, Held] = {}
        # Partitions a rebalance took away, kept until the next assignment says where they went
        # (aiokafka's rebalances take every partition away and hand most of them back).
        self.parked: dict[int, Held] = {}
        self._writes: dict[int, asyncio.Task[None]] = {}
        # States being looked for, started when a partition is assigned (``assigned``).
        self._found: dict[int, asyncio.Task[Found]] = {}
        self._digest = policy_digest(policy)
        self._since_freeze = 0

    async def get(self, partition: int, offset: int) -> Held:
        """The held partition, restored first if this worker does not hold it yet."""
        held = self.held.get(partition)
        if held is None:
            held = self.parked.pop(partition, None)
            if held is not None:
                await self._replay(held, partition, offset)
                held.applied = held.acked = max(held.applied, offset)
            else:
                held = await self._restore(partition, offset)
            self.held[partition] = held
        return held

    def assigned(self, partitions: set[int]) -> None:
        """A rebalance gave this worker ``partitions``: forget parked states of the others, and
        start looking for the state of each new one (standby copy or snapshot).

        Looking runs beside the agent, so a partition's first record waits only for what is
        left of it and for the replay after the state's offset (before, a fresh partition's
        first record waited for reading the state topic, about 0.2 s).
        """
        for partition in list(self.parked):
            if partition not in partitions:
                del self.parked[partition]
        for partition in partitions - self.held.keys() - self.parked.keys() - self._found.keys():
            self._found[partition] = asyncio.ensure_future(self._state_of(partition))

    def applied(self, held: Held, offset: int, outcome: Outcome | None) -> None:
        """Record that the record at ``offset`` was applied (``outcome`` None: undecodable)."""
        held.applied = offset + 1
        held.store.records_since += 1
        if outcome is not None:
            for case_id in outcome.dropped:
                held.store.dropped(case_id)
        self._since_freeze += 1

    def marks(self) -> dict[int, int]:
        """Where each held partition stands now: the first offset not applied. The agent hands
        these to ``acknowledged`` once the outputs of the records before them are acknowledged."""
        return {partition: held.applied for partition, held in self.held.items()}

    def acknowledged(self, marks: dict[int, int]) -> None:
        """The outputs of every record before ``marks`` are acknowledged: snapshot the
        partitions due whose state stands there (nothing applied since).

        Called by the agent's ack pipeline once a batch's outputs were acknowledged, before it
        acks the batch's records. Taking a snapshot runs here, in the event loop; writing it
        does not.
        """
        now = time.monotonic()
        s = self.options
        for partition, offset in marks.items():
            held = self.held.get(partition)
            if held is None:
                continue
            held.acked = max(held.acked, offset)
            if held.acked == held.applied and self._due(held, now):
                self._start_write(partition, held)
        if self._since_freeze >= s.freeze_every_records:
            self._since_freeze = 0
            freeze_long_lived()

    def snapshot_wanted(self) -> bool:
        """Whether a held partition is due for a snapshot: the agent then lets its last batch
        settle before taking the next, so that the state and the acknowledged outputs agree."""
        now = time.monotonic()
        return any(self._due(held, now) for held in self.held.values())

    def _due(self, held: Held, now: float) -> bool:
        s = self.options
        return held.store.due(now, s.snapshot_every_records, s.snapshot_interval_s)

    def _start_write(self, partition: int, held: Held) -> None:
        began = time.perf_counter()
        snapshot = held.store.take(
            held.book,
            self.codec,
            offset=held.acked,
            chunk_bytes=self.options.snapshot_chunk_bytes,
            policy=self._digest,
        )
        self.metrics.snapshot_take_seconds.observe(time.perf_counter() - began)
        held.store.records_since = 0
        held.store.writing = True

        async def write() -> None:
            try:
                size = await write_snapshot(self.output, self.codec, self.state_topic, snapshot)
                held.store.written(snapshot, time.monotonic())
                self.metrics.snapshots.labels(str(partition)).inc()
                self.metrics.snapshot_bytes.labels(str(partition)).set(size)
                self.metrics.cases_held.labels(str(partition)).set(snapshot.head.entries)
            except Exception:
                # The other slot keeps the previous snapshot; the next one is tried soon.
                log.exception("partition %s: writing a snapshot failed", partition)
                held.store.records_since += 1
            finally:
                held.store.writing = False

        self._writes[partition] = asyncio.ensure_future(write())

    async def stop(self) -> None:
        """Release every partition (each after a last snapshot), stop looking for states, and
        close the reader."""
        await self.release(set(self.held) | set(self._found))
        await self.reader.stop()

    async def release(self, partitions: set[int]) -> None:
        """Stop holding ``partitions``, each after a last snapshot (when all its outputs are
        acknowledged), so whoever holds it next replays nothing; keep their states parked.

        Called when a rebalance takes partitions away (Faust has waited for every fetched
        record to be processed and acked) and when the worker stops.
        """
        for partition in sorted(partitions):
            looking = self._found.pop(partition, None)
            if looking is not None:
                looking.cancel()
                await asyncio.gather(looking, return_exceptions=True)
            held = self.held.pop(partition, None)
            pending = self._writes.pop(partition, None)
            if pending is not None:
                await asyncio.gather(pending, return_exceptions=True)
            if held is None:
                continue
            if held.acked == held.applied and held.store.records_since:
                self._start_write(partition, held)
                await asyncio.gather(self._writes.pop(partition), return_exceptions=True)
            self.parked[partition] = held

    async def _restore(self, partition: int, end_offset: int) -> Held:
        looking = self._found.pop(partition, None)
        found = await (looking if looking is not None else self._state_of(partition))
        began = time.perf_counter()
        held = Held(found.book, found.store, found.offset, found.offset)
        replayed = await self._replay(held, partition, end_offset)
        held.applied = held.acked = max(held.applied, end_offset)
        freeze_long_lived()
        seconds = found.seconds + time.perf_counter() - began
        self.metrics.partition_restores.labels(str(partition), found.source).inc()
        self.metrics.restore_seconds.labels(str(partition)).set(seconds)
        log.info(
            "partition %s: %s cases from %s at offset %s, %s records replayed, in %.2f s",
            partition, len(found.book.state.cases), found.source, found.offset, replayed, seconds,
        )  # fmt: skip
        return held

    async def _state_of(self, partition: int) -> Found:
        """The partition's state to start from: standby copy, else newest usable snapshot,
        else an empty book at offset 0; the log is checked to still hold what follows it."""
        async with self._reading:
            began = time.perf_counter()
            with paused_collector():
                found = await self._newest(partition)
            if found is None:
                store = PartitionState(partition, last_at=time.monotonic())
                book, start, source = CaseBook(self.policy), 0, "log"
            else:
                snapshot, entries, source = found
                with paused_collector():
                    book, start, store = self._from_snapshot(partition, snapshot, entries)
            await self._check_log(partition, start, found is not None)
            return Found(book, store, start, source, time.perf_counter() - began)

    async def _newest(self, partition: int) -> tuple[FoundSnapshot, list[CaseEntry], str] | None:
        """The standby copy of the partition, else its newest usable snapshot, else None."""
        if self.standby is not None:
            ready = self.standby.take(partition)
            if ready is not None:
                return ready.snapshot, ready.entries, "standby"
        recent, _ = await read_recent(self.reader, self.codec, self.state_topic, partition)
        got = usable(self.codec, recent.complete(self.codec))
        if got is None:  # the newest snapshot is unusable: look at everything on the topic
            records = await read_state(self.reader, self.state_topic, partition)
            got = usable(self.codec, records.complete(self.codec))
        return None if got is None else (got[0], got[1], "snapshot")

    def _from_snapshot(
        self, partition: int, snapshot: FoundSnapshot, entries: list[CaseEntry]
    ) -> tuple[CaseBook, int, PartitionState]:
        head = snapshot.head
        state = restore_state(self.policy, entries, head.watermark, head.unpruned)
        other = SLOTS[1 - SLOTS.index(head.slot)]
        store = PartitionState(
            partition,
            entries={
                e.case.case_id: data for e, data in zip(entries, snapshot.entries, strict=True)
            },
            slot_chunks={head.slot: head.chunks, other: snapshot.other_slot_chunks},
            next_slot=other,
            last_at=time.monotonic(),
        )
        return CaseBook(self.policy, state), head.offset, store

    async def _check_log(self, partition: int, start: int, from_snapshot: bool) -> None:
        first, _ = await self.reader.bounds(self.events_topic, partition)
        if first > start:
            # Retention removed records the state has not applied: cases they opened or changed
            # are lost. Snapshots are taken far more often than the retention (settings).
            self.metrics.records_lost.labels(str(partition)).inc(first - start)
            log.error(
                "partition %s: the event log starts at offset %s but the %s stands at %s: "
                "%s records were never applied",
                partition, first, "snapshot" if from_snapshot else "state", start, first - start,
            )  # fmt: skip

    async def _replay(self, held: Held, partition: int, end_offset: int) -> int:
        """Apply the log from ``held.applied`` up to ``end_offset``; outputs of these records
        went out when they were first met. Returns how many records were read."""
        async with self._reading:
            replayed = 0
            records = self.reader.records(self.events_topic, partition, held.applied, end_offset)
            async for record in records:
                replayed += 1
                try:
                    outcome = held.book.on_input(decode_input(self.codec, record.value or b""))
                except DecodeError:
                    continue  # dead-lettered when it was first met
                for change in outcome.changes:
                    held.store.changed(change.case.case_id, None)
                for case_id in outcome.dropped:
                    held.store.dropped(case_id)
        held.store.records_since += replayed
        return replayed
