"""How well cases match the true incidents: B-cubed and pairwise precision and recall.

Events present on one side only are reported (``missing_from_truth``, ``missing_from_cases``)
and left out of the scores rather than silently counted. Events whose truth is ``None``
(device-health alarms) must not be in any case: they are listed under ``non_incidents_in_cases``
and excluded from the scores as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any


def evaluate(cases: Sequence[Sequence[str]], truth: Mapping[str, str | None]) -> dict[str, Any]:
    """Score clusters of event refs against ``truth`` (event_ref -> incident id or None).

    Called by tests and the replay evaluation. Raises ValueError when one event ref appears in
    two cases (every event must be in exactly one case).
    """
    case_of: dict[str, int] = {}
    for number, refs in enumerate(cases):
        for ref in refs:
            if ref in case_of:
                raise ValueError(f"event {ref} is in more than one case")
            case_of[ref] = number
    missing_from_truth = sorted(ref for ref in case_of if ref not in truth)
    missing_from_cases = sorted(
        ref for ref, incident in truth.items() if incident is not None and ref not in case_of
    )
    non_incidents = sorted(ref for ref in case_of if ref in truth and truth[ref] is None)
    scored = {ref: (case_of[ref], truth[ref]) for ref in case_of if truth.get(ref) is not None}
    b_precision, b_recall = _b_cubed(scored)
    p_precision, p_recall = _pairwise(scored)
    return {
        "events_scored": len(scored),
        "cases": len({c for c, _ in scored.values()}),
        "incidents": len({i for _, i in scored.values()}),
        "bcubed_precision": b_precision,
        "bcubed_recall": b_recall,
        "bcubed_f1": _f1(b_precision, b_recall),
        "pairwise_precision": p_precision,
        "pairwise_recall": p_recall,
        "pairwise_f1": _f1(p_precision, p_recall),
        "missing_from_truth": missing_from_truth,
        "missing_from_cases": missing_from_cases,
        "non_incidents_in_cases": non_incidents,
    }


def _b_cubed(scored: Mapping[str, tuple[int, str | None]]) -> tuple[float, float]:
    if not scored:
        return 1.0, 1.0
    case_sizes = Counter(c for c, _ in scored.values())
    incident_sizes = Counter(i for _, i in scored.values())
    both = Counter(scored.values())
    # Per event: share of its case from its incident (precision), and vice versa (recall).
    precision = sum(both[(c, i)] / case_sizes[c] for c, i in scored.values()) / len(scored)
    recall = sum(both[(c, i)] / incident_sizes[i] for c, i in scored.values()) / len(scored)
    return precision, recall


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def _pairwise(scored: Mapping[str, tuple[int, str | None]]) -> tuple[float, float]:
    same_case = _pairs(Counter(c for c, _ in scored.values()))
    same_incident = _pairs(Counter(i for _, i in scored.values()))
    correct = _pairs(Counter(scored.values()))
    precision = correct / same_case if same_case else 1.0
    recall = correct / same_incident if same_incident else 1.0
    return precision, recall


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0
