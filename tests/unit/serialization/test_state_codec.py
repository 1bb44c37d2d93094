"""Snapshots in Avro: a state written as ``fusionhub.CaseEntry`` records, grouped into chunks
with a head, and read back, continues exactly as the uninterrupted run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.core.casebook import CaseBook
from fusionhub.core.snapshot import case_entries, restore_state, unpruned
from fusionhub.serialization import AvroCodec, DecodeError, EmbeddedSchemaRegistry
from fusionhub.serialization.records import CASE_SUBJECT, case_to_record
from fusionhub.serialization.state import (
    SnapshotHead,
    decode_chunk,
    decode_entry,
    decode_head,
    encode_chunk,
    encode_entry,
    encode_head,
)
from tests.unit.core.case_log import SHORT_POLICY, concrete_log, scripts
from tests.unit.core.test_snapshot import frozen, trace

pytestmark = pytest.mark.unit

CODEC = AvroCodec(EmbeddedSchemaRegistry())


def through_avro(book: CaseBook) -> CaseBook:
    """``book``'s state written as chunks of entries and a head, read back and restored."""
    framed = [
        encode_entry(CODEC, e, CODEC.encode(CASE_SUBJECT, case_to_record(e.case, "x")))
        for e in case_entries(book.state)
    ]
    chunks = [encode_chunk(CODEC, 3, "s1", i, framed[i::2]) for i in range(2)]
    head = SnapshotHead(
        3,
        "s1",
        "a",
        17,
        2,
        len(framed),
        book.state.watermark,
        tuple(unpruned(book.state)),
        datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
        "p",
    )
    read = decode_head(CODEC, encode_head(CODEC, head))
    assert read == head
    parts = [decode_chunk(CODEC, c) for c in chunks]
    assert [(sid, n) for sid, n, _ in parts] == [("s1", 0), ("s1", 1)]
    order = {id_: i for i, id_ in enumerate(book.state.cases)}
    entries = sorted(
        (decode_entry(CODEC, data) for _, _, items in parts for data in items),
        key=lambda e: order[e.case.case_id],
    )
    state = restore_state(SHORT_POLICY, entries, read.watermark, read.unpruned)
    return CaseBook(SHORT_POLICY, state)


@settings(max_examples=100, deadline=None)
@given(scripts(), st.integers(min_value=0, max_value=1000))
def test_a_state_read_back_from_avro_continues_as_the_uninterrupted_run(
    script: list[Any], cut: int
) -> None:
    inputs = concrete_log(script)
    k = cut % (len(inputs) + 1)
    expected = trace(CaseBook(SHORT_POLICY), inputs)
    first = CaseBook(SHORT_POLICY)
    trace(first, inputs[:k])
    before = [frozen(case) for case in first.cases()]
    second = through_avro(first)
    assert second.cases() == before
    assert trace(second, inputs[k:]) == expected[k:]


def test_an_entry_with_an_unknown_status_is_refused() -> None:
    book = CaseBook(SHORT_POLICY)
    inputs = concrete_log([("report", 0, 1, 1, 1)])
    book.on_input(inputs[0])
    [entry] = case_entries(book.state)
    record = case_to_record(entry.case, "opened")
    record["status"] = "exploded"
    framed = encode_entry(CODEC, entry, CODEC.encode(CASE_SUBJECT, record))
    with pytest.raises(DecodeError, match="exploded"):
        decode_entry(CODEC, framed)


def test_bytes_that_are_no_entry_are_refused() -> None:
    with pytest.raises(DecodeError):
        decode_entry(CODEC, b"\x00\x00\x00\x00\x01garbage")
