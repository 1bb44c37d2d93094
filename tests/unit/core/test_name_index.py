"""Leftmost-longest name search restricted to a search area, against a plain reference scan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.core.name_index import Entry, Hit, NameIndex, in_scope

pytestmark = pytest.mark.unit

NAMED = [
    ("枫源村", Entry("village", "330681109290", "枫源村委会")),
    ("枫源村", Entry("village", "330784114271", "枫源村委会")),
    ("枫源", Entry("village", "330681001201", "枫源村委会")),
    ("枫桥镇", Entry("township", "330681109", "枫桥镇")),
    ("城关镇", Entry("township", "330681001", "城关镇")),
    ("城关镇", Entry("township", "330784001", "城关镇")),
    ("新村", Entry("village", "330681109291", "新村委会")),
    ("杜黄新村", Entry("village", "330681109292", "杜黄新村委会")),
    ("村", Entry("village", "330681109293", "村")),
]
SCOPES = [
    ("",),
    ("330681",),
    ("330784",),
    ("330681109",),
    ("330681001",),
    ("330681", "330784"),
    ("330999",),
    ("33068110929",),
    (),
]


def _reference_scan(text: str, scope: tuple[str, ...]) -> list[Hit]:
    """The scan as first written: every name, entries filtered at each hit."""
    entries: dict[str, list[Entry]] = {}
    for name, entry in NAMED:
        entries.setdefault(name, []).append(entry)
    lengths = sorted({len(name) for name in entries}, reverse=True)
    hits: list[Hit] = []
    i = 0
    while i < len(text) - 1:
        for length in lengths:
            alias = text[i : i + length]
            found = tuple(e for e in entries.get(alias, ()) if in_scope(e.code, scope))
            if len(alias) == length and len(alias) >= 2 and found:
                hits.append((i, alias, found))
                i += length
                break
        else:
            i += 1
    return hits


def test_a_name_outside_the_area_gives_way_to_a_shorter_one() -> None:
    index = NameIndex(NAMED)
    assert index.scan("枫源村口", ("330681001",)) == [(0, "枫源", (NAMED[2][1],))]
    assert index.scan("枫源村口", ("330784",)) == [(0, "枫源村", (NAMED[1][1],))]


PIECES = ["枫源村", "枫源", "枫桥镇", "城关镇", "杜黄新村", "新村", "村", "杜", "镇", "18号"]


@given(
    st.lists(st.sampled_from(PIECES), max_size=8),
    st.lists(st.sampled_from(SCOPES), min_size=1, max_size=6),
)
def test_scan_equals_the_reference_in_every_area(
    pieces: list[str], scopes: list[tuple[str, ...]]
) -> None:
    index = NameIndex(NAMED)
    text = "".join(pieces)
    for scope in scopes:
        assert index.scan(text, scope) == _reference_scan(text, scope)


def test_dropping_old_areas_changes_no_result() -> None:
    index = NameIndex(NAMED)
    text = "枫桥镇杜黄新村枫源村城关镇"
    expected = {scope: _reference_scan(text, scope) for scope in SCOPES}
    for _ in range(20):  # far more areas than the small budget of this index holds
        for scope in SCOPES:
            assert index.scan(text, scope) == expected[scope]
