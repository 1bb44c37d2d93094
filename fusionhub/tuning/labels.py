"""Labels for fitting the correlation policy, from what dispatchers confirmed.

Dispatchers export their corrections as JSON lines:

- ``{"action": "merge", "case_id", "into", "event_refs": [...], "into_event_refs": [...],
  "reason", "at"}``: the reports of both cases belong together (must-link);
- ``{"action": "split", "case_id", "new_case_id", "event_refs_moved": [...],
  "event_refs_kept": [...], "reason", "at"}``: moved and kept reports belong apart
  (cannot-link).

``labels_from_corrections`` combines them with the engine's own cases for every report no
correction names: reports in one case are assumed to be about one incident unless a split says
otherwise. Corrections apply in the order of ``at``, so a later one overrides an earlier one
about the same reports. The result maps every report to a label, as ``truth.jsonl`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Labels:
    """Each report's label (same label = same incident) and the confirmed pairs behind them.

    ``must_link`` and ``cannot_link`` hold the pairs of refs a correction stated, as sorted
    tuples; ``conflicts`` the cannot-link pairs that a later merge put back together.
    """

    truth: dict[str, str]
    must_link: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    cannot_link: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    conflicts: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def read_corrections(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse correction lines (blank lines skipped). Raises ValueError naming the bad line:
    not JSON, an unknown ``action``, or a missing field."""
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            needed = _FIELDS[row["action"]]
            missing = [name for name in needed if name not in row]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"correction line {number}: not a merge or split ({exc})") from exc
        if missing:
            raise ValueError(f"correction line {number}: missing {', '.join(missing)}")
        rows.append(row)
    return rows


_FIELDS = {
    "merge": ("event_refs", "into_event_refs"),
    "split": ("event_refs_moved", "event_refs_kept"),
}


def _pairs(a: Sequence[str], b: Sequence[str]) -> set[tuple[str, str]]:
    return {(min(x, y), max(x, y)) for x in a for y in b if x != y}


def labels_from_corrections(
    cases: Sequence[Sequence[str]], corrections: Sequence[Mapping[str, Any]]
) -> Labels:
    """Labels for every ref of ``cases`` (the engine's clusters) after the corrections.

    Called by ``fusionhub tune --corrections``. Refs a correction names but no case holds get
    labels too. A split moves its ``event_refs_moved`` to a label of their own; a merge gives
    every report of both lists (and of the labels they had) one label.
    """
    label: dict[str, str] = {}
    for number, refs in enumerate(cases):
        for ref in refs:
            label[ref] = f"case-{number}"
    must: set[tuple[str, str]] = set()
    cannot: set[tuple[str, str]] = set()
    for step, row in enumerate(sorted(corrections, key=lambda r: str(r.get("at", "")))):
        if row["action"] == "split":
            moved, kept = list(row["event_refs_moved"]), list(row["event_refs_kept"])
            for ref in kept:
                label.setdefault(ref, f"kept-{step}")
            for ref in moved:
                label[ref] = f"split-{step}"
            cannot |= _pairs(moved, kept)
            must -= _pairs(moved, kept)
        else:
            refs = [*row["into_event_refs"], *row["event_refs"]]
            old = {label[r] for r in refs if r in label}
            for ref, current in list(label.items()):
                if current in old:
                    label[ref] = f"merge-{step}"
            for ref in refs:
                label[ref] = f"merge-{step}"
            must |= _pairs(row["event_refs"], row["into_event_refs"])
    conflicts = {(a, b) for a, b in cannot if label[a] == label[b]}
    return Labels(label, frozenset(must), frozenset(cannot - conflicts), frozenset(conflicts))
