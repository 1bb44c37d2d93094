"""Reading a partition's latest complete snapshot back from the state topic.

Used in two places: the correlation agent when it meets a partition it holds no state for
(``load_snapshot``, then the records after the snapshot's offset are replayed), and the standby
follower, which keeps the same map of a partition's state records up to date as they arrive
(``StateRecords``). Nothing here trusts what it reads: records are decoded by schema
(``serialization.state``), a snapshot is used only when every chunk its head names is present
and carries its id, and anything that does not decode disqualifies the snapshot (the caller
then falls back to the older slot, or to the event log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from fusionhub.core.snapshot import CaseEntry
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.state import SnapshotHead, decode_chunk, decode_entry, decode_head
from fusionhub.streams.logreader import LogReader
from fusionhub.streams.snapshots import SLOTS, chunk_key, head_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FoundSnapshot:
    """A complete snapshot: its head, its framed entries in order, and the chunk count the
    other slot's head names (so the next snapshot there knows which keys to tombstone)."""

    head: SnapshotHead
    entries: list[bytes]
    other_slot_chunks: int


@dataclass(slots=True)
class StateRecords:
    """The latest value of every key of one partition of the state topic, as compaction would
    leave them. ``put`` records one record in log order (None: a tombstone)."""

    partition: int
    values: dict[bytes, bytes] = field(default_factory=dict)
    read: int = 0

    def put(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one record read from the state topic."""
        self.read += 1
        if key is None:
            return
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value

    def head(self, codec: AvroCodec, slot: str) -> SnapshotHead | None:
        """The head of ``slot``, or None when there is none or it does not decode."""
        data = self.values.get(head_key(self.partition, slot))
        if data is None:
            return None
        try:
            head = decode_head(codec, data)
        except DecodeError as exc:
            log.warning("partition %s slot %s: unreadable head: %s", self.partition, slot, exc)
            return None
        return head if head.partition == self.partition and head.slot == slot else None

    def complete(self, codec: AvroCodec) -> list[FoundSnapshot]:
        """The complete snapshots (at most one per slot), the highest offset first."""
        heads = {slot: self.head(codec, slot) for slot in SLOTS}
        found = []
        for slot, head in heads.items():
            if head is not None and (entries := self._entries(codec, head)) is not None:
                other = heads[SLOTS[1 - SLOTS.index(slot)]]
                found.append(FoundSnapshot(head, entries, other.chunks if other else 0))
        return sorted(found, key=lambda f: f.head.offset, reverse=True)

    def _entries(self, codec: AvroCodec, head: SnapshotHead) -> list[bytes] | None:
        entries: list[bytes] = []
        for index in range(head.chunks):
            data = self.values.get(chunk_key(self.partition, head.slot, index))
            if data is None:
                return None
            try:
                snapshot_id, number, items = decode_chunk(codec, data)
            except DecodeError:
                return None
            if snapshot_id != head.snapshot_id or number != index:
                return None  # another snapshot's chunk: this slot is being rewritten
            entries.extend(items)
        return entries if len(entries) == head.entries else None


async def read_state(reader: LogReader, topic: str, partition: int) -> StateRecords:
    """Every record of ``partition`` of the state topic, from its start to its current end."""
    first, end = await reader.bounds(topic, partition)
    return await _read(reader, topic, partition, first, end)


async def read_recent(
    reader: LogReader, codec: AvroCodec, topic: str, partition: int
) -> tuple[StateRecords, int]:
    """The end of ``partition`` of the state topic, enough of it to hold its newest complete
    snapshot, and where that end was.

    A snapshot's chunks and head are written together, just before the tombstones that follow
    them, so the newest one lies near the end: the reading starts there and goes back further
    only as far as the newest head says it must. The log cleaner may lag far behind (gigabytes
    of old snapshots), which a restore then does not read. Falls back to the whole partition
    when no complete snapshot lies in the end.
    """
    first, end = await reader.bounds(topic, partition)
    window = 64
    while True:
        start = max(first, end - window)
        records = await _read(reader, topic, partition, start, end)
        if start == first or records.complete(codec):
            return records, end
        heads = [h for h in (records.head(codec, slot) for slot in SLOTS) if h is not None]
        needed = max((h.chunks for h in heads), default=0)
        window = max(window * 4, 2 * needed + 64)


async def _read(
    reader: LogReader, topic: str, partition: int, start: int, end: int
) -> StateRecords:
    records = StateRecords(partition)
    async for record in reader.records(topic, partition, start, end):
        records.put(record.key, record.value)
    return records


def decode_entries(codec: AvroCodec, framed: list[bytes]) -> list[CaseEntry]:
    """The case entries of a snapshot, in order; ``DecodeError`` if any does not decode."""
    return [decode_entry(codec, data) for data in framed]


def usable(
    codec: AvroCodec, found: list[FoundSnapshot]
) -> tuple[FoundSnapshot, list[CaseEntry]] | None:
    """The newest of ``found`` whose entries all decode, with them; None if none does."""
    for snapshot in found:
        try:
            return snapshot, decode_entries(codec, snapshot.entries)
        except DecodeError as exc:
            head = snapshot.head
            log.warning(
                "partition %s slot %s: unreadable entry: %s", head.partition, head.slot, exc
            )
    return None
