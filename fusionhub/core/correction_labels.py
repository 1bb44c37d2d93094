"""Dispatcher corrections as labels a tuner can learn from.

``fusionhub cases corrections --out FILE`` writes one JSON line per merge or split (the agreed
format, docs/corrections.md); ``labels_from_corrections`` turns those lines into pairwise
constraints on reports. Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

Label = tuple[str, str, bool]


def labels_from_corrections(lines: Iterable[str | Mapping[str, Any]]) -> list[Label]:
    """Pairwise labels ``(ref_a, ref_b, same)`` from exported corrections, ``ref_a < ref_b``.

    Called by the tuner (``fusionhub tune``) with the lines of a corrections export, oldest first,
    each a JSON string or an already decoded dict; blank lines are skipped.

    * a merge is a must-link: every report of the case merged away (``event_refs``) with every
      report of the case it went into (``into_event_refs``) gives ``same=True``;
    * a split is a cannot-link: every report moved out (``event_refs_moved``) with every report
      kept (``event_refs_kept``) gives ``same=False``.

    A pair labelled again by a later line takes the later label (a split undoing a merge wins).
    The result is sorted by pair, so the same export always gives the same list. Raises
    ``ValueError`` for a line that is not JSON, names an unknown action or lacks a field.
    """
    labels: dict[tuple[str, str], bool] = {}
    for number, line in enumerate(lines, start=1):
        item = _decoded(line, number)
        if item is None:
            continue
        for a, b, same in _pairs(item, number):
            labels[(a, b) if a < b else (b, a)] = same
    return [(a, b, same) for (a, b), same in sorted(labels.items())]


def _decoded(line: str | Mapping[str, Any], number: int) -> Mapping[str, Any] | None:
    if not isinstance(line, str):
        return line
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
    if not isinstance(item, dict):
        raise ValueError(f"line {number}: not a JSON object")
    return item


_SIDES = {
    "merge": ("event_refs", "into_event_refs", True),
    "split": ("event_refs_moved", "event_refs_kept", False),
}


def _pairs(item: Mapping[str, Any], number: int) -> Iterable[Label]:
    sides = _SIDES.get(item.get("action", ""))
    if sides is None:
        raise ValueError(f"line {number}: unknown action {item.get('action')!r}")
    left_key, right_key, same = sides
    try:
        left, right = list(item[left_key]), list(item[right_key])
    except KeyError as exc:
        raise ValueError(f"line {number}: {item['action']} lacks {exc.args[0]}") from exc
    return [(a, b, same) for a in left for b in right if a != b]
