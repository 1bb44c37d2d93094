"""Which reports the engine put in the wrong place, and the signal scores that decided it.

Two kinds of error, judged report by report on a cases file in opening order (as ``fusionhub
replay`` writes it; each case's ``event_refs`` in the order the reports joined):

- a **wrong merge**: a report joined a case that held no report of its incident yet; the
  breakdown shown is the one that attached it (the case line's ``scores``);
- a **missed join**: the first report of an incident in a case, while a case opened earlier
  already held reports of that incident; the breakdown shown is the report's score against
  that case when the engine recorded it (``near_misses``), else none (a gate ruled it out).

A report can be both (joined the wrong case while its own existed). Errors are counted by kind,
by category (of the case the report is in) and by source pair (the report's source and that of
the case it joined or should have joined), each row with a few examples.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("wrong_merge", "missed_join")


@dataclass(frozen=True, slots=True)
class ErrorExample:
    """One erroneous report: where it went, where it belonged, and the deciding breakdown."""

    kind: str
    event_ref: str
    case_id: str
    category: str
    source_pair: str
    other_case_id: str | None
    other_ref: str | None
    score: Mapping[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping for the JSON output."""
        return {
            "kind": self.kind,
            "event_ref": self.event_ref,
            "case_id": self.case_id,
            "category": self.category,
            "source_pair": self.source_pair,
            "other_case_id": self.other_case_id,
            "other_ref": self.other_ref,
            "score": dict(self.score) if self.score is not None else None,
        }


@dataclass(slots=True)
class _Row:
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[ErrorExample] = field(default_factory=list)

    def add(self, example: ErrorExample, keep: int) -> None:
        self.counts[example.kind] += 1
        if sum(1 for e in self.examples if e.kind == example.kind) < keep:
            self.examples.append(example)

    def as_dict(self) -> dict[str, Any]:
        return {
            **{kind: self.counts[kind] for kind in KINDS},
            "examples": [e.as_dict() for e in self.examples],
        }


def source_of(ref: str) -> str:
    """``grid`` of ``grid:WG-...``; refs without a source prefix are ``?``."""
    head, sep, _ = ref.partition(":")
    return head if sep else "?"


def _pair(a: str, b: str | None) -> str:
    if b is None:
        return source_of(a)
    return "+".join(sorted((source_of(a), source_of(b))))


def find_errors(
    cases: Sequence[Mapping[str, Any]], truth: Mapping[str, str | None]
) -> list[ErrorExample]:
    """Every wrong merge and missed join in ``cases`` (replay output lines) against ``truth``.

    Called by ``error_breakdown`` and the tests. Reports absent from the truth, or whose truth
    is None (device faults), are not judged.
    """
    homes: dict[str, list[int]] = defaultdict(list)  # incident -> cases holding it, in order
    for number, case in enumerate(cases):
        for incident in dict.fromkeys(truth.get(r) for r in case["event_refs"]):
            if incident is not None:
                homes[incident].append(number)
    errors: list[ErrorExample] = []
    for number in range(len(cases)):
        errors.extend(_case_errors(number, cases, truth, homes))
    return errors


def _case_errors(
    number: int,
    cases: Sequence[Mapping[str, Any]],
    truth: Mapping[str, str | None],
    homes: Mapping[str, list[int]],
) -> Iterable[ErrorExample]:
    case = cases[number]
    refs: list[str] = list(case["event_refs"])
    scores = {s["event_ref"]: s for s in case.get("scores", [])}
    misses = {m["event_ref"]: m for m in case.get("near_misses", [])}
    seen: set[str] = set()
    for position, ref in enumerate(refs):
        incident = truth.get(ref)
        if incident is None or incident in seen:
            continue
        seen.add(incident)
        if position > 0:
            yield _example(
                "wrong_merge",
                ref,
                case=case,
                other_ref=refs[0],
                other_case=case["case_id"],
                score=scores.get(ref),
            )
        earlier = [n for n in homes[incident] if n < number]
        if earlier:
            yield _missed(ref, case, [cases[n] for n in earlier], truth, misses.get(ref))


def _missed(
    ref: str,
    case: Mapping[str, Any],
    earlier: Sequence[Mapping[str, Any]],
    truth: Mapping[str, str | None],
    miss: Mapping[str, Any] | None,
) -> ErrorExample:
    """A missed join, against the earlier case the engine scored, else the largest one."""
    by_id = {c["case_id"]: c for c in earlier}
    if miss is not None and miss["case_id"] in by_id:
        other, score = by_id[miss["case_id"]], miss
    else:
        incident = truth[ref]
        other = max(earlier, key=lambda c: sum(truth.get(r) == incident for r in c["event_refs"]))
        score = None
    incident = truth[ref]
    mate = next(r for r in other["event_refs"] if truth.get(r) == incident)
    return _example(
        "missed_join", ref, case=case, other_ref=mate, other_case=other["case_id"], score=score
    )


def _example(
    kind: str,
    ref: str,
    *,
    case: Mapping[str, Any],
    other_ref: str,
    other_case: str,
    score: Mapping[str, Any] | None,
) -> ErrorExample:
    clean = (
        None
        if score is None
        else {k: v for k, v in score.items() if k not in ("event_ref", "case_id")}
    )
    return ErrorExample(
        kind=kind,
        event_ref=ref,
        case_id=str(case["case_id"]),
        category=str(case.get("category", "?")),
        source_pair=_pair(ref, other_ref),
        other_case_id=other_case if other_case != case["case_id"] else None,
        other_ref=other_ref,
        score=clean,
    )


def error_breakdown(
    cases: Sequence[Mapping[str, Any]], truth: Mapping[str, str | None], examples: int = 3
) -> dict[str, Any]:
    """Errors by kind, by category and by source pair, each row with up to ``examples`` examples
    of each kind. Called by ``fusionhub evaluate``; the result is plain JSON-ready data."""
    by_kind: dict[str, _Row] = {kind: _Row() for kind in KINDS}
    by_category: dict[str, _Row] = defaultdict(_Row)
    by_pair: dict[str, _Row] = defaultdict(_Row)
    errors = find_errors(cases, truth)
    for error in errors:
        by_kind[error.kind].add(error, examples)
        by_category[error.category].add(error, examples)
        by_pair[error.source_pair].add(error, examples)
    return {
        "errors": len(errors),
        "by_kind": {kind: row.as_dict() for kind, row in by_kind.items()},
        "by_category": _ranked(by_category),
        "by_source_pair": _ranked(by_pair),
    }


def _ranked(rows: Mapping[str, _Row]) -> dict[str, Any]:
    order = sorted(rows, key=lambda k: (-sum(rows[k].counts.values()), k))
    return {key: rows[key].as_dict() for key in order}
