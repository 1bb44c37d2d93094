"""Which snapshot a restore takes from the state records it read: only a complete one, never
chunks of two snapshots mixed, the newest of those complete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.state import SnapshotHead, encode_chunk, encode_head
from fusionhub.streams.restore import StateRecords
from fusionhub.streams.snapshots import chunk_key, head_key

pytestmark = pytest.mark.unit

CODEC = AvroCodec(EmbeddedSchemaRegistry())


def write(records: StateRecords, slot: str, snapshot_id: str, offset: int, chunks: int) -> None:
    for i in range(chunks):
        records.put(chunk_key(0, slot, i), encode_chunk(CODEC, 0, snapshot_id, i, [b"e"]))
    head = SnapshotHead(0, snapshot_id, slot, offset, chunks, chunks, None, (), datetime.now(UTC))
    records.put(head_key(0, slot), encode_head(CODEC, head))


def test_the_newest_complete_snapshot_comes_first() -> None:
    records = StateRecords(0)
    write(records, "a", "s1", 100, 2)
    write(records, "b", "s2", 200, 3)
    assert [f.head.snapshot_id for f in records.complete(CODEC)] == ["s2", "s1"]


def test_a_slot_whose_chunks_belong_to_two_snapshots_is_not_taken() -> None:
    records = StateRecords(0)
    write(records, "a", "s1", 100, 2)
    write(records, "b", "s2", 200, 2)
    # Another writer rewrites one chunk of slot b (a worker that lost the partition, late).
    records.put(chunk_key(0, "b", 1), encode_chunk(CODEC, 0, "s3", 1, [b"e"]))
    assert [f.head.snapshot_id for f in records.complete(CODEC)] == ["s1"]


def test_a_missing_chunk_or_an_unreadable_head_leaves_no_snapshot() -> None:
    records = StateRecords(0)
    write(records, "a", "s1", 100, 2)
    records.put(chunk_key(0, "a", 1), None)  # tombstoned
    write(records, "b", "s2", 200, 1)
    records.put(head_key(0, "b"), b"not avro")
    assert records.complete(CODEC) == []
