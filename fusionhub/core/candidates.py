"""The candidate index: which open cases could a new report be about?

Cases are indexed by spatial cell (per category family, cells about one search radius wide), by
township and village (for reports without a point), and by person token. A lookup touches only
the few keys around the report, so its cost does not grow with the number of open cases. Cases
leave the index once their time window has passed in event time (``prune``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.scoring_types import CaseProfile, EventFeatures
from fusionhub.core.spatial import cell_of, cell_span

_ANY_VILLAGE = "*"
_NO_VILLAGE = ""
# Cases with a point are filed by region apart from those without (under ``family+``): a report
# with a point finds the former by cell alone, those out of its cells being out of distance.
_POINTED = "+"
# Cells are this many radii wide, so every point within the search radius lies in the 3x3
# block of cells around the report.
_CELL_RADII = 2.2
_CELL_BITS = 24
_CELL_MASK = (1 << _CELL_BITS) - 1
_SEARCH_SLACK = 1.01

# Keys are one int (family, cell) or one str (family|township|village): a tuple key would cost
# a hundred bytes more per case. Values are a bare case id until a second case shares the key.
IndexKey = int | str
Bucket = str | list[str]


# Each family a report searches: (family, family number, cell width, search radius in metres).
FamilySearch = tuple[str, int, float, float]


@dataclass(frozen=True, slots=True)
class IndexGeometry:
    """Per-family cell size and per-category search plan, derived once from the policy."""

    cell_m: dict[str, float]
    family_no: dict[str, int]
    family_of: dict[str, str]
    searches: dict[str, tuple[FamilySearch, ...]]

    @classmethod
    def from_policy(cls, policy: CorrelationPolicy) -> IndexGeometry:
        """Build the plan: cells as wide as the largest radius of the family."""
        cats = policy.categories
        cell_m: dict[str, float] = {}
        for cat in cats.values():
            cell_m[cat.family] = max(cell_m.get(cat.family, 0.0), _CELL_RADII * cat.radius_m)
        family_no = {family: n for n, family in enumerate(sorted(cell_m))}
        searches: dict[str, tuple[FamilySearch, ...]] = {}
        for code, cat in cats.items():
            reach: dict[str, float] = {}
            for partner in cats.values():
                if policy.compatible_with(code, partner.code):
                    # Gates reject beyond twice the smaller radius of the pair: search that far.
                    pair_m = 2 * min(cat.radius_m, partner.radius_m)
                    reach[partner.family] = max(reach.get(partner.family, 0.0), pair_m)
            searches[code] = tuple(
                (family, family_no[family], cell_m[family], _search_radius(cat.radius_m, widest))
                for family, widest in sorted(reach.items())
            )
        family_of = {code: cat.family for code, cat in cats.items()}
        return cls(cell_m, family_no, family_of, searches)

    def cell_key(self, family: str, x: int, y: int) -> int:
        """One int naming a cell of a family's grid."""
        return (((self.family_no[family] << _CELL_BITS) | (x & _CELL_MASK)) << _CELL_BITS) | (
            y & _CELL_MASK
        )


def _search_radius(radius_m: float, pair_m: float) -> float:
    # The widest pair gate in the family, plus slack: the reach of a lookup is measured at the
    # report's latitude, the gate's distance at the pair's mean latitude (1 % covers that for
    # radii up to tens of km). Never wider than twice the report's own radius.
    return min(2 * radius_m, pair_m * _SEARCH_SLACK)


@dataclass(slots=True)
class CandidateIndex:
    """Mutable index over the profiles of correlatable cases. Owned by ``CorrelationState``."""

    geometry: IndexGeometry
    fallback_category: str
    profiles: dict[str, CaseProfile] = field(default_factory=dict)
    keys: dict[IndexKey, Bucket] = field(default_factory=dict)
    persons: dict[str, Bucket] = field(default_factory=dict)
    expiry: dict[int, list[str]] = field(default_factory=dict)
    expiry_hours: list[int] = field(default_factory=list)

    def _family(self, category: str) -> str:
        fam = self.geometry.family_of.get(category)
        return fam if fam is not None else self.geometry.family_of[self.fallback_category]

    def _keys_of(self, p: CaseProfile) -> list[IndexKey]:
        family = self._family(p.category)
        keys: list[IndexKey] = []
        region = family
        if p.lon is not None and p.lat is not None:
            cx, cy = cell_of(p.lon, p.lat, self.geometry.cell_m[family])
            keys.append(self.geometry.cell_key(family, cx, cy))
            region = family + _POINTED
        if p.township:
            keys.append(f"{region}|{p.township}|{p.village or _NO_VILLAGE}")
            if p.village:
                keys.append(f"{region}|{p.township}|{_ANY_VILLAGE}")
        return keys

    def add(self, p: CaseProfile) -> None:
        """Index a case profile (new case, or revived by a report that quoted it)."""
        self.profiles[p.case_id] = p
        for key in self._keys_of(p):
            _put(self.keys, key, p.case_id)
        self.add_tokens(p.case_id, p.tokens)
        self._schedule(p)

    def add_tokens(self, case_id: str, tokens: Iterable[str]) -> None:
        """Make a case findable by further person tokens."""
        for token in tokens:
            _put(self.persons, token, case_id)

    def move(self, p: CaseProfile, old_keys: list[IndexKey]) -> None:
        """Re-index a profile whose point or region became known after it was added."""
        for key in old_keys:
            _discard(self.keys, key, p.case_id)
        for key in self._keys_of(p):
            _put(self.keys, key, p.case_id)

    def keys_of(self, p: CaseProfile) -> list[IndexKey]:
        """The index keys a profile is currently filed under."""
        return self._keys_of(p)

    def remove(self, case_id: str) -> None:
        """Drop a case from every index (its window passed)."""
        p = self.profiles.pop(case_id, None)
        if p is None:
            return
        for key in self._keys_of(p):
            _discard(self.keys, key, case_id)
        for token in p.tokens:
            _discard(self.persons, token, case_id)

    def lookup(self, f: EventFeatures) -> list[CaseProfile]:
        """Profiles of every case the event may be about, in a deterministic order.

        Cells are searched per family only as far as the widest distance gate of a compatible
        pair reaches, so no case the gates would accept is left out.
        """
        found: set[str] = set()
        get = self.keys.get
        for key in self._lookup_keys(f):
            _collect(found, get(key))
        for token in f.tokens:
            _collect(found, self.persons.get(token))
        profiles = self.profiles
        return [profiles[case_id] for case_id in sorted(found)]

    def _lookup_keys(self, f: EventFeatures) -> list[IndexKey]:
        keys: list[IndexKey] = []
        searches = self.geometry.searches.get(f.category.code)
        if searches is None:
            family = self._family(f.category.code)
            searches = (
                (
                    family,
                    self.geometry.family_no[family],
                    self.geometry.cell_m[family],
                    f.category.radius_m,
                ),
            )
        pointed = f.lon is not None and f.lat is not None
        village = f"|{f.township}|{f.village or _ANY_VILLAGE}"
        no_village = f"|{f.township}|{_NO_VILLAGE}"
        for family, family_no, cell_m, radius_m in searches:
            if f.lon is not None and f.lat is not None:
                keys.extend(cell_keys(family_no, f.lon, f.lat, radius_m, cell_m))
            if f.township:
                # A case with a point near enough for a report with a point is in those cells.
                for region in (family,) if pointed else (family, family + _POINTED):
                    keys.append(region + village)
                    keys.append(region + no_village)
        return keys

    def _schedule(self, p: CaseProfile) -> None:
        hour = _hour(p.expires_at)
        bucket = self.expiry.get(hour)
        if bucket is None:
            self.expiry[hour] = bucket = []
            heapq.heappush(self.expiry_hours, hour)
        bucket.append(p.case_id)

    def reschedule(self, p: CaseProfile, previous_expiry: datetime) -> None:
        """Note a later expiry; the old bucket entry is skipped when it comes due."""
        if _hour(previous_expiry) != _hour(p.expires_at):
            self._schedule(p)

    def prune(self, watermark: datetime) -> list[str]:
        """Drop every case whose window ended in an hour before ``watermark``'s; returns their
        ids.

        Amortised O(1) per case: each expiry bucket is visited once, when it falls due. Whether
        a case goes depends only on its current expiry (a bucket it was filed in before its
        window grew does not count), so an index rebuilt from the profiles alone prunes exactly
        as the one it replaces.
        """
        dropped: list[str] = []
        now_hour = _hour(watermark)
        while self.expiry_hours and self.expiry_hours[0] < now_hour:
            hour = heapq.heappop(self.expiry_hours)
            for case_id in self.expiry.pop(hour):
                p = self.profiles.get(case_id)
                if p is not None and _hour(p.expires_at) < now_hour:
                    self.remove(case_id)
                    dropped.append(case_id)
        return dropped


def cell_keys(family_no: int, lon: float, lat: float, radius_m: float, cell_m: float) -> list[int]:
    """The keys of every cell of a family's grid that may hold a point within ``radius_m``;
    the same ints as ``IndexGeometry.cell_key`` for each cell of ``cells_within``."""
    xs, ys = cell_span(lon, lat, radius_m, cell_m)
    family = family_no << (2 * _CELL_BITS)
    columns = [family | ((x & _CELL_MASK) << _CELL_BITS) for x in xs]
    rows = [y & _CELL_MASK for y in ys]
    return [column | row for column in columns for row in rows]


def _hour(at: datetime) -> int:
    return int(at.timestamp() // 3600)


def _put(index: dict[Any, Bucket], key: Any, case_id: str) -> None:
    held = index.get(key)
    if held is None:
        index[key] = case_id
    elif isinstance(held, str):
        if held != case_id:
            index[key] = [held, case_id]
    elif case_id not in held:
        held.append(case_id)


def _collect(found: set[str], held: Bucket | None) -> None:
    if held is None:
        return
    if isinstance(held, str):
        found.add(held)
    else:
        found.update(held)


def _discard(index: dict[Any, Bucket], key: Any, case_id: str) -> None:
    held = index.get(key)
    if held is None:
        return
    if isinstance(held, str):
        if held == case_id:
            del index[key]
        return
    if case_id in held:
        held.remove(case_id)
    if len(held) == 1:
        index[key] = held[0]
