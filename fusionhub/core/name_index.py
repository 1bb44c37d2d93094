"""Division names found in address text: leftmost-longest, kept only in or around a search area.

Pure; :class:`fusionhub.core.gazetteer.Gazetteer` builds one index of county names and one of
township and village names. A search area ("scope") is a tuple of code prefixes: ``("",)`` is
the whole province, ``("330681",)`` one county, ``("330681109",)`` one township.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from threading import Lock
from typing import Literal, NamedTuple

PlaceKind = Literal["county", "township", "village"]

# Each search area met gets its own small index: in practice one per county or township, which
# together hold about twice the names of the whole index. Past this many times the whole index
# the oldest areas are dropped, so texts naming odd mixes of counties cannot grow memory.
_HELD_PER_NAME = 4


class Entry(NamedTuple):
    """One division a name can mean."""

    kind: PlaceKind
    code: str
    name: str


Hit = tuple[int, str, tuple[Entry, ...]]


def in_scope(code: str, scope: tuple[str, ...]) -> bool:
    """Whether ``code`` lies in the search area or is one of its ancestors."""
    return code.startswith(scope) or any(p.startswith(code) for p in scope)


class _Names:
    """Names to entries with the name lengths of each two-character head, for one search area."""

    __slots__ = ("entries", "lengths")

    def __init__(self, entries: Mapping[str, tuple[Entry, ...]]) -> None:
        lengths: dict[str, set[int]] = defaultdict(set)
        for name in entries:
            lengths[name[:2]].add(len(name))
        self.entries = dict(entries)
        self.lengths = {head: tuple(sorted(ls, reverse=True)) for head, ls in lengths.items()}

    def scan(self, text: str) -> list[Hit]:
        # Every address of every report passes here: the index holds only names of the area,
        # so a position costs one slice and one dict lookup unless some name of the area
        # starts there, and a hit needs no filtering. The dicts are called by attribute:
        # compiled, that is a direct dict lookup rather than a call through a bound method.
        lengths, entries = self.lengths, self.entries
        hits = []
        i, last = 0, len(text) - 1
        while i < last:
            for length in lengths.get(text[i : i + 2], ()):
                alias = text[i : i + length]
                found = entries.get(alias)
                if found:
                    hits.append((i, alias, found))
                    i += length
                    break
            else:
                i += 1
        return hits


class NameIndex:
    """Names to entries, scanned leftmost-longest; keyed by each name's first two characters."""

    def __init__(self, named: Iterable[tuple[str, Entry]]) -> None:
        entries: dict[str, list[Entry]] = defaultdict(list)
        for name, entry in named:
            entries[name].append(entry)
        self._whole = _Names({name: tuple(found) for name, found in entries.items()})
        by_code: dict[str, set[str]] = defaultdict(set)
        for name, found in entries.items():
            for entry in found:
                by_code[entry.code].add(name)
        # Sorted codes put all codes under one prefix in a single run, found by bisection.
        self._codes = sorted(by_code)
        self._names_of = {code: tuple(names) for code, names in by_code.items()}
        self._areas: dict[frozenset[str], _Names] = {}
        self._held = 0
        self._budget = _HELD_PER_NAME * (len(entries) + 1)
        self._lock = Lock()  # the gazetteer is shared; only filling the area cache is guarded

    def scan(self, text: str, scope: tuple[str, ...]) -> list[Hit]:
        """Non-overlapping hits, leftmost-longest, keeping entries in or around ``scope``.

        Called by ``Gazetteer.find_in_text`` for every address text. A name all of whose
        entries lie outside ``scope`` is not a hit, so a shorter name at its place may be.
        """
        if "" in scope:
            return self._whole.scan(text)
        names = self._areas.get(frozenset(scope))
        if names is None:
            names = self._remember(scope)
        return names.scan(text)

    def _remember(self, scope: tuple[str, ...]) -> _Names:
        key = frozenset(scope)
        with self._lock:
            names = self._areas.get(key)
            if names is None:
                names = self._area(scope)
                # +1: an area with no names still takes a slot.
                while self._areas and self._held + len(names.entries) + 1 > self._budget:
                    dropped = self._areas.pop(next(iter(self._areas)))
                    self._held -= len(dropped.entries) + 1
                self._areas[key] = names
                self._held += len(names.entries) + 1
        return names

    def _area(self, scope: tuple[str, ...]) -> _Names:
        """The names with an entry in or around ``scope``, each keeping only those entries."""
        candidates: set[str] = set()
        for prefix in scope:
            for code in self._codes_under(prefix):
                candidates.update(self._names_of[code])
            for length in range(len(prefix)):  # ancestors of the area: codes ``prefix`` extends
                candidates.update(self._names_of.get(prefix[:length], ()))
        kept = {}
        for name in candidates:
            found = tuple(e for e in self._whole.entries[name] if in_scope(e.code, scope))
            if found:
                kept[name] = found
        return _Names(kept)

    def _codes_under(self, prefix: str) -> Iterable[str]:
        codes = self._codes
        i = bisect_left(codes, prefix)
        while i < len(codes) and codes[i].startswith(prefix):
            yield codes[i]
            i += 1
