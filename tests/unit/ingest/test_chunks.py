"""Chunks of input files: together they give every item once, in order, and every byte once."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fusionhub.ingest.chunks import plan_chunks, read_chunk
from fusionhub.ingest.files import iter_items
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.video import VIDEO

pytestmark = pytest.mark.unit

_lines = st.lists(
    st.one_of(
        st.just(b""),
        st.just(b"   "),
        st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"\n", b" ")),
    ),
    max_size=40,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=_lines,
    ending=st.sampled_from([b"\n", b"\r\n"]),
    final_newline=st.booleans(),
    per_chunk=st.integers(1, 7),
)
def test_chunks_of_a_file_give_the_items_of_reading_it_whole(
    tmp_path: Path, lines: list[bytes], ending: bytes, final_newline: bool, per_chunk: int
) -> None:
    data = ending.join(lines) + (ending if final_newline and lines else b"")
    path = tmp_path / "feed.jsonl"
    path.write_bytes(data)
    chunks = list(plan_chunks(HOTLINE, [path], per_chunk))
    items = [item for chunk in chunks for item in read_chunk(chunk)]
    assert items == [item.payload for item in iter_items(HOTLINE, [path])]
    assert sum(chunk[3] for chunk in chunks) == len(data)
    assert all(chunk[2] - chunk[1] > 0 for chunk in chunks)


def test_xml_alarms_are_chunked_a_file_per_item(tmp_path: Path) -> None:
    files = []
    for i in range(5):
        files.append(tmp_path / f"alarm{i}.xml")
        files[-1].write_bytes(f"<Notify>{i}</Notify>\n".encode())
    chunks = list(plan_chunks(VIDEO, files, 2))
    assert [len(c[0]) for c in chunks] == [2, 2, 1]
    assert [item for c in chunks for item in read_chunk(c)] == [f.read_bytes() for f in files]
    assert sum(c[3] for c in chunks) == sum(f.stat().st_size for f in files)
