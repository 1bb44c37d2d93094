"""The engine's shortcuts give exactly what the plain computations they replace give."""

from __future__ import annotations

import copy
import math
import random
from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.core.cases import Case
from fusionhub.core.correlation import correlate, new_state, step
from fusionhub.core.events import Event
from fusionhub.core.lifecycle import check_overdue
from fusionhub.core.scoring import epoch_us, features_of
from fusionhub.core.spatial import local_distance_m
from fusionhub.core.textsim import (
    SketchProbe,
    address_grams,
    address_similarity,
    gram_hashes,
    normalize_text,
    sketch_similarity,
    text_sketch,
)
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from tests.unit.core.corr_factory import POLICY, at, make_event

pytestmark = pytest.mark.unit

# A small alphabet, so that generated texts share many grams.
_CHARS = "邻居房屋排水沟民着火冒黑烟行道水果摊占广场人员聚集两家吵架18号A"
_texts = st.text(alphabet=_CHARS, max_size=80)


def _plain_gram_hashes(text: str) -> set[int]:
    import zlib

    chars = normalize_text(text)
    grams = {chars[i : i + n] for n in (2, 3) for i in range(len(chars) - n + 1)}
    return {zlib.crc32(g.encode("utf-8")) for g in grams}


@given(_texts)
def test_continued_crcs_hash_every_gram_as_hashing_its_utf8_would(text: str) -> None:
    assert gram_hashes(text) == _plain_gram_hashes(text)


@settings(max_examples=300)
@given(_texts, _texts, st.integers(min_value=1, max_value=60))
def test_a_prepared_sketch_compares_exactly_as_sketch_similarity_does(
    a: str, b: str, size: int
) -> None:
    sketch_a, sketch_b = text_sketch(a, size), text_sketch(b, size)
    assert SketchProbe(sketch_a).similarity(sketch_b, size) == sketch_similarity(
        sketch_a, sketch_b, size
    )


@given(st.text(alphabet=_CHARS, min_size=1, max_size=20), st.text(alphabet=_CHARS, min_size=1))
def test_prepared_address_grams_give_the_address_similarity(a: str, b: str) -> None:
    ga, gb = address_grams(a), address_grams(b)
    assert len(ga & gb) / len(ga | gb) == address_similarity(a, b)


_offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=_offsets
)


@given(_times, _times, _times)
def test_epoch_microseconds_differ_and_divide_exactly_as_the_datetimes_do(
    a: datetime, b: datetime, c: datetime
) -> None:
    assert epoch_us(a) - epoch_us(b) == (a - b) // timedelta(microseconds=1)
    assert (epoch_us(a) < epoch_us(b)) == (a < b)
    if c != b:
        assert (epoch_us(a) - epoch_us(b)) / (epoch_us(c) - epoch_us(b)) == (a - b) / (c - b)


def test_the_derived_category_pairs_follow_the_category_table() -> None:
    for a, cat_a in POLICY.categories.items():
        for b, cat_b in POLICY.categories.items():
            pair = POLICY.pair(a, b)
            assert (pair is not None) == POLICY.compatible_with(a, b)
            if pair is None:
                continue
            assert pair.window == min(cat_a.window, cat_b.window)
            assert pair.window_us == pair.window // timedelta(microseconds=1)
            assert pair.radius_m == min(cat_a.radius_m, cat_b.radius_m)
            assert pair.burst == (cat_a.burst or cat_b.burst)
            assert pair.party_defined == (cat_a.party_defined or cat_b.party_defined)
            weights = POLICY.weights
            same = weights.same_category if a == b else weights.compatible_category
            assert pair.category_weight == same


def test_a_category_missing_from_the_table_is_paired_by_the_fallback_rules() -> None:
    assert POLICY.pair("unheard_of", "fire") is None
    pair = POLICY.pair("unheard_of", "other")
    assert pair is not None
    assert pair.window == POLICY.category("other").window
    assert pair.category_weight == POLICY.weights.compatible_category


_CATEGORIES = tuple(sorted(POLICY.categories))


def _scattered(rng: random.Random) -> tuple[list[Event], Event]:
    """Cases of any category just inside (or past) their distance gate around a report, at any
    latitude in China: where a search that reaches too short would miss one."""
    lat, lon = rng.uniform(18.2, 53.5), rng.uniform(74.0, 135.0)
    m_lon = 111_320.0 * math.cos(math.radians(lat))
    category = rng.choice(_CATEGORIES)
    # No region codes: only the cell search can find the cases.
    nowhere = {"village": None, "township": None}
    report = make_event(HOTLINE, "R", at(25, 9), category, "另一事", point=(lon, lat), **nowhere)
    cases = []
    for i in range(rng.randint(1, 12)):
        other = rng.choice(_CATEGORIES)
        radius = min(POLICY.category(other).radius_m, POLICY.category(category).radius_m)
        metres = 2 * radius * rng.uniform(0.95, 1.02)
        angle = rng.uniform(0, 2 * math.pi)
        point = (lon + metres * math.cos(angle) / m_lon, lat + metres * math.sin(angle) / 110_574.0)
        cases.append(
            make_event(GRID, f"S{i}", at(25, 9), other, f"第{i}号事", point=point, **nowhere)
        )
    return cases, report


def test_the_narrowed_cell_search_finds_every_case_within_the_distance_gate() -> None:
    rng = random.Random(7)
    for _ in range(1500):
        cases, report = _scattered(rng)
        state, _ = correlate(cases, POLICY)
        f = features_of(report, POLICY)
        found = {p.case_id for p in state.index.lookup(f)}
        assert f.lon is not None
        assert f.lat is not None
        for p in state.index.profiles.values():
            pair = POLICY.pair(p.category, f.category.code)
            assert p.lon is not None
            assert p.lat is not None
            if (
                pair is not None
                and local_distance_m(p.lon, p.lat, f.lon, f.lat) <= 2 * pair.radius_m
            ):
                assert p.case_id in found


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 23)), min_size=1, max_size=15))
def test_a_case_profile_keeps_its_epoch_times_in_step_with_its_datetimes(
    times: list[tuple[int, int]],
) -> None:
    state = new_state(POLICY)
    for i, (day, hour) in enumerate(times):
        event = make_event(
            GRID,
            f"E{i}",
            at(1, 0) + timedelta(days=day, hours=hour),
            "dispute.land",
            "两家因宅基地边界吵架",
            tokens=("p1",),
        )
        state, _ = step(state, event, POLICY)
        for p in state.index.profiles.values():
            assert (p.first_us, p.last_us) == (epoch_us(p.first_at), epoch_us(p.last_at))


def test_a_copied_case_shares_every_field_and_has_no_other_state() -> None:
    state, _ = correlate([make_event(GRID, "A", at(25, 9), "fire", "民房起火冒烟")], POLICY)
    case = next(iter(state.cases.values()))
    copied = copy.copy(case)
    assert copied is not case
    # Slots when interpreted, native attributes when compiled: either way, the fields only.
    attributes = getattr(Case, "__slots__", None) or Case.__mypyc_attrs__  # type: ignore[attr-defined]
    assert set(attributes) == {field.name for field in fields(Case)}
    for field in fields(Case):
        assert getattr(copied, field.name) is getattr(case, field.name)


def test_the_overdue_check_escalates_in_filing_order_across_hours_fallen_due() -> None:
    events = [
        make_event(GRID, f"E{i}", at(1, 9) + timedelta(hours=h), "noise", f"第{i}家噪声")
        for i, h in enumerate((5, 0, 3, 0))
    ]
    state = new_state(POLICY)
    for event in events:
        state, _ = step(state, event, POLICY)
    deadlines = sorted({c.deadline for c in state.cases.values()})
    state, first = check_overdue(state, deadlines[0])
    state, rest = check_overdue(state, deadlines[-1] + timedelta(days=1))
    state, none = check_overdue(state, deadlines[-1] + timedelta(days=2))
    order = [out.case_id for out in first + rest if type(out).__name__ == "CaseEscalated"]
    by_deadline = sorted(state.cases.values(), key=lambda c: (c.deadline, c.opened_at))
    assert order == [c.case_id for c in by_deadline]
    assert none == []
    assert state.deadlines == {}
    assert state.deadline_minutes == []
