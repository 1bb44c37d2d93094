"""Zhejiang's divisions in memory: code lookups, point-in-county, and place names in addresses.

Pure: :func:`fusionhub.regions.load_gazetteer` reads the packaged files and hands the rows in.
Codes are the NBS 统计用区划代码 and nest by prefix: county 6 digits, township 9 (county code + 3),
village 12 (township code + 3).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter

from fusionhub.core.events import GeoPoint
from fusionhub.core.geo import MultiPolygon, PolygonIndex
from fusionhub.core.name_index import Entry, Hit, NameIndex, PlaceKind, in_scope

COUNTY_CODE_LEN, TOWNSHIP_CODE_LEN, VILLAGE_CODE_LEN = 6, 9, 12

# Official village names are committee names (枫源村委会); addresses say 枫源村.
_VILLAGE_SUFFIXES = {
    "社区居民委员会": "社区",
    "社区居委会": "社区",
    "村民委员会": "村",
    "居民委员会": "社区",
    "村委会": "村",
    "居委会": "社区",
    "社区": "社区",
    "村": "村",
}
# The lazy stem makes the longest suffix win: 天竺|社区居委会, 张村|村委会.
_VILLAGE_NAME = re.compile(f"(.*?)({'|'.join(_VILLAGE_SUFFIXES)})")
# Two-character aliases (新村, 张村) also occur as ordinary words in addresses ("幸福新村"), so
# they are only trusted once the search is down to one township.
_MIN_WIDE_ALIAS_LEN = 3
_CELL_DEG = 0.2
_START = attrgetter("start")


@dataclass(frozen=True, slots=True)
class County:
    """A county-level division (县, 县级市, 区)."""

    code: str
    name: str
    city_name: str | None = None


@dataclass(frozen=True, slots=True)
class Township:
    """A township-level division (镇, 乡, 街道)."""

    code: str
    name: str
    county_code: str


@dataclass(frozen=True, slots=True)
class Village:
    """A village or residents' committee (村委会, 社区)."""

    code: str
    name: str
    township_code: str


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class PlaceMatch:
    """A division named in an address: which one, and where in the text (``start``, ``text``)."""

    def __init__(self, kind: PlaceKind, code: str, name: str, text: str, start: int) -> None:
        self.kind = kind
        self.code = code
        self.name = name
        self.text = text
        self.start = start

    def __repr__(self) -> str:
        return (
            f"PlaceMatch("
            f"kind={self.kind!r}, "
            f"code={self.code!r}, "
            f"name={self.name!r}, "
            f"text={self.text!r}, "
            f"start={self.start!r})"
        )


def village_aliases(name: str) -> frozenset[str]:
    """The ways an address writes a village: ``枫源村委会`` -> 枫源村委会, 枫源村.

    Used when the gazetteer indexes village names. A bare suffix (村, 社区) gives nothing.
    """
    parts = _VILLAGE_NAME.fullmatch(name)
    if parts is None:
        return frozenset({name}) if len(name) >= 2 else frozenset()
    stem, suffix = parts.groups()
    if not stem:
        return frozenset()
    short = _VILLAGE_SUFFIXES[suffix]
    aliases = {name, stem + short}
    if short == "村" and stem.endswith("村"):
        aliases.add(stem)  # 张村村委会 is the committee of 张村
    return frozenset(a for a in aliases if len(a) >= 2)


class Gazetteer:
    """All divisions of the province, indexed for the jurisdiction resolver.

    Built once at start-up by :func:`fusionhub.regions.load_gazetteer` (or by tests from a few
    rows) and shared read-only; ``boundaries`` maps county codes to their WGS-84 MultiPolygons.
    The only state that changes is a bounded cache of per-area name indexes (see
    :mod:`fusionhub.core.name_index`), filled under a lock and never changing any answer.
    """

    def __init__(
        self,
        counties: Iterable[County],
        townships: Iterable[Township],
        villages: Iterable[Village],
        boundaries: Mapping[str, MultiPolygon],
    ) -> None:
        """Index the rows. Rows whose parent is missing are kept; they just never nest."""
        self._counties = {c.code: c for c in counties}
        self._townships = {t.code: t for t in townships}
        self._villages = {v.code: v for v in villages}
        self._county_names = NameIndex(
            (c.name, Entry("county", c.code, c.name)) for c in self._counties.values()
        )
        self._place_names = NameIndex(self._place_aliases())
        self._boundaries = {
            code: PolygonIndex(polygons)
            for code, polygons in sorted(boundaries.items())
            if code in self._counties
        }
        self._cells = self._cell_index()

    def _place_aliases(self) -> Iterable[tuple[str, Entry]]:
        for t in self._townships.values():
            yield t.name, Entry("township", t.code, t.name)
        for v in self._villages.values():
            for alias in village_aliases(v.name):
                yield alias, Entry("village", v.code, v.name)

    def _cell_index(self) -> dict[tuple[int, int], tuple[str, ...]]:
        cells: dict[tuple[int, int], list[str]] = defaultdict(list)
        for code, index in self._boundaries.items():
            min_lon, min_lat, max_lon, max_lat = index.bbox
            for x in range(_cell(min_lon), _cell(max_lon) + 1):
                for y in range(_cell(min_lat), _cell(max_lat) + 1):
                    cells[x, y].append(code)
        return {key: tuple(codes) for key, codes in cells.items()}

    def county(self, code: str) -> County | None:
        """The county with this 6-digit code, or ``None`` when the code is unknown."""
        return self._counties.get(code)

    def township(self, code: str) -> Township | None:
        """The township with this 9-digit code, or ``None`` when the code is unknown."""
        return self._townships.get(code)

    def village(self, code: str) -> Village | None:
        """The village with this 12-digit code, or ``None`` when the code is unknown."""
        return self._villages.get(code)

    def knows(self, code: str) -> bool:
        """Whether ``code`` is a known county, township or village code."""
        return code in self._counties or code in self._townships or code in self._villages

    def county_of_point(self, point: GeoPoint) -> str | None:
        """The code of the county whose boundary holds a WGS-84 point, else ``None``.

        Called by the resolver as its last rule. ``None`` means outside every county (sea,
        another province, or a gap in the simplified boundaries), not an error.
        """
        if not (math.isfinite(point.lon) and math.isfinite(point.lat)):
            return None
        for code in self._cells.get((_cell(point.lon), _cell(point.lat)), ()):
            if self._boundaries[code].contains(point.lon, point.lat):
                return code
        return None

    def find_in_text(self, text: str, within: str | None = None) -> list[PlaceMatch]:
        """The counties, townships and villages an address names, each only when unambiguous.

        Called by the resolver with each address text and the most precise code already decided
        (``within``: a county, township or village code; ``None`` for the whole province).
        County names in the text narrow the search first (a text naming only counties outside
        ``within`` is about somewhere else and gives ``[]``); a township or village name counts
        only when exactly one division of that name lies in the search area, and once a township
        is found, villages must lie in it. Returns matches in text order; ``[]`` when nothing is
        certain. Raises ``ValueError`` for a ``within`` code the gazetteer does not know.
        """
        scope = self._scope_of(within)
        named = _pick(self._county_names.scan(text, ("",)), "county", ("",))
        counties = [m for m in named if in_scope(m.code, scope)]
        if named and not counties:
            return []
        if counties:
            scope = _narrow(scope, {m.code for m in counties})
        hits = self._place_names.scan(text, scope)
        townships = _pick(hits, "township", scope)
        if townships:
            scope = tuple({m.code for m in townships})
        wide = min(map(len, scope), default=TOWNSHIP_CODE_LEN) < TOWNSHIP_CODE_LEN
        villages = [
            m
            for m in _pick(hits, "village", scope)
            if not (wide and len(m.text) < _MIN_WIDE_ALIAS_LEN)
        ]
        return sorted([*counties, *townships, *villages], key=_START)

    def _scope_of(self, within: str | None) -> tuple[str, ...]:
        if within is None:
            return ("",)
        if not self.knows(within):
            raise ValueError(f"unknown division code {within!r} for an address search")
        return (within[:TOWNSHIP_CODE_LEN],)


def _pick(hits: Iterable[Hit], kind: PlaceKind, scope: tuple[str, ...]) -> list[PlaceMatch]:
    """The hits naming exactly one division of ``kind`` inside ``scope``."""
    picked = []
    for start, alias, found in hits:
        # Plain loops: this runs three times per address, a comprehension per hit costs more.
        one = None
        for e in found:
            if e.kind == kind and e.code.startswith(scope):  # a tuple: any prefix of the area
                if one is not None:
                    break  # two divisions of that name: not certain
                one = e
        else:
            if one is not None:
                picked.append(PlaceMatch(kind, one.code, one.name, alias, start))
    return picked


def _narrow(scope: tuple[str, ...], codes: set[str]) -> tuple[str, ...]:
    """Combine the search area with the counties named in the text: keep the deeper of each pair."""
    deeper = set()
    for p in scope:
        for c in codes:
            if c.startswith(p) or p.startswith(c):
                deeper.add(c if len(c) > len(p) else p)
    return tuple(deeper)


def _cell(degrees: float) -> int:
    return math.floor(degrees / _CELL_DEG)
