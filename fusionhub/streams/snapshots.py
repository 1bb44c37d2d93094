"""Writing a partition's correlation state to the state topic as snapshots at offsets.

Layout of the state topic (compacted, one partition per event-log partition): snapshots of
partition P alternate between two slots, ``a`` and ``b``. A snapshot's chunks are keyed
``P/slot/0``, ``P/slot/1``, ... and carry the snapshot's id; its head, keyed ``P/slot/head``,
is written only after every chunk was acknowledged and names the id, the chunk count and the
event-log offset the state stands at. A restore takes the complete slot (head present, every
chunk it names present and carrying its id) with the higher offset, so it never mixes two
snapshots, and a crash while a slot is rewritten leaves the other slot whole. Compaction keeps
the latest value of each key; chunk keys a shorter snapshot no longer uses are tombstoned.

Cost on the live path: nothing per record beyond keeping the case's latest published record.
A case's entry is encoded when a snapshot is taken and only if the case changed since the last
one; unchanged cases reuse their bytes. Taking a snapshot in the event loop therefore costs
the changed cases' entries plus copying bytes, bounded by ``snapshot_every_records``; sending
runs beside the agent, which does not wait for it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fusionhub.core.casebook import CaseBook
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.snapshot import case_entry, unpruned
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import CASE_SUBJECT, case_to_record
from fusionhub.serialization.state import SnapshotHead, encode_chunk, encode_entry, encode_head
from fusionhub.streams.output import OutputProducer

SLOTS = ("a", "b")


def chunk_key(partition: int, slot: str, index: int) -> bytes:
    """The key of chunk ``index`` of ``slot`` of ``partition``."""
    return f"{partition}/{slot}/{index}".encode()


def head_key(partition: int, slot: str) -> bytes:
    """The key of the head of ``slot`` of ``partition``."""
    return f"{partition}/{slot}/head".encode()


def policy_digest(policy: CorrelationPolicy) -> str:
    """A short digest of the policy a state was built with (recorded in heads, for operators)."""
    return hashlib.sha256(repr(policy).encode()).hexdigest()[:16]


@dataclass(slots=True)
class Snapshot:
    """A snapshot taken, to be written: its head and its chunks' values, in order."""

    head: SnapshotHead
    chunks: list[bytes]
    stale_chunks: range


@dataclass(slots=True)
class PartitionState:
    """What the worker keeps to snapshot one partition it holds.

    ``entries`` holds each held case's framed entry as of the last snapshot, in opening order;
    ``pending`` the latest published record of cases changed since (None for a case changed by
    a replay, which publishes nothing: its record is encoded then); their entries are encoded
    at the next snapshot. ``slot_chunks`` is how many chunks each slot's last snapshot used.
    """

    partition: int
    entries: dict[str, bytes] = field(default_factory=dict)
    pending: dict[str, bytes | None] = field(default_factory=dict)
    slot_chunks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SLOTS, 0))
    next_slot: str = "a"
    records_since: int = 0
    last_at: float = 0.0
    writing: bool = False

    def changed(self, case_id: str, record: bytes | None) -> None:
        """A case's new state was published as ``record`` (the framed ``fusionhub.Case``), or
        changed without being published (None: during a replay)."""
        self.pending[case_id] = record

    def dropped(self, case_id: str) -> None:
        """A case left the state (its retention passed)."""
        self.pending.pop(case_id, None)
        self.entries.pop(case_id, None)

    def due(self, now: float, every_records: int, interval_s: float) -> bool:
        """Whether a snapshot should be taken now: enough records, or enough time with any,
        and none being written."""
        if self.writing or self.records_since == 0:
            return False
        return self.records_since >= every_records or now - self.last_at >= interval_s

    def take(
        self,
        book: CaseBook,
        codec: AvroCodec,
        *,
        offset: int,
        chunk_bytes: int,
        policy: str,
    ) -> Snapshot:
        """Encode the changed cases' entries and cut every entry into chunks for the next slot.

        Called between batches, after the outputs of every record before ``offset`` were
        acknowledged, so the snapshot never claims more than was published.
        """
        for case_id, published in self.pending.items():
            entry = case_entry(book.state, case_id)
            record = published or codec.encode(CASE_SUBJECT, case_to_record(entry.case))
            self.entries[case_id] = encode_entry(codec, entry, record)
        self.pending.clear()
        snapshot_id = uuid.uuid4().hex
        slot = self.next_slot
        chunks = self._chunks(codec, snapshot_id, chunk_bytes)
        head = SnapshotHead(
            partition=self.partition,
            snapshot_id=snapshot_id,
            slot=slot,
            offset=offset,
            chunks=len(chunks),
            entries=len(self.entries),
            watermark=book.state.watermark,
            unpruned=tuple(unpruned(book.state)),
            written_at=datetime.now(UTC),
            policy=policy,
        )
        stale = range(len(chunks), self.slot_chunks[slot])
        return Snapshot(head, chunks, stale)

    def _chunks(self, codec: AvroCodec, snapshot_id: str, chunk_bytes: int) -> list[bytes]:
        """Every entry, in order, cut into chunks of at most ``chunk_bytes`` (at least one)."""
        chunks: list[bytes] = []
        batch: list[bytes] = []
        size = 0
        for data in self.entries.values():
            if batch and size + len(data) > chunk_bytes:
                chunks.append(encode_chunk(codec, self.partition, snapshot_id, len(chunks), batch))
                batch, size = [], 0
            batch.append(data)
            size += len(data) + 4
        if batch or not chunks:
            chunks.append(encode_chunk(codec, self.partition, snapshot_id, len(chunks), batch))
        return chunks

    def written(self, snapshot: Snapshot, now: float) -> None:
        """The snapshot's head was acknowledged: the next one goes to the other slot."""
        self.slot_chunks[snapshot.head.slot] = snapshot.head.chunks
        self.next_slot = SLOTS[1 - SLOTS.index(snapshot.head.slot)]
        self.last_at = now


async def write_snapshot(
    output: OutputProducer, codec: AvroCodec, topic: str, snapshot: Snapshot
) -> int:
    """Send a snapshot's chunks, then (once they are acknowledged) its head, then tombstones
    for the slot's chunk keys it no longer uses; returns the bytes written.

    Raises what the producer raises; the slot then holds no complete snapshot and the other
    slot's stays the latest.
    """
    head = snapshot.head
    p, slot = head.partition, head.slot
    chunks = [(chunk_key(p, slot, i), value) for i, value in enumerate(snapshot.chunks)]
    await output.send_to_partition(topic, p, chunks)
    await output.send_to_partition(topic, p, [(head_key(p, slot), encode_head(codec, head))])
    stale = [(chunk_key(p, slot, i), None) for i in snapshot.stale_chunks]
    await output.send_to_partition(topic, p, stale)
    return sum(len(v) for v in snapshot.chunks)
