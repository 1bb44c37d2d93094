"""Fit the [weights] of ``correlation.toml`` as a logistic regression over the engine's signals,
each weight held to the sign its signal's meaning gives (``SIGNS``).

Rows come from an oracle replay: the labelled events run in event order through the engine's
state, each put in the case of its true incident (``correlation.step_as``); every candidate the
index offers a report gives one row, its ``signal_values`` and whether it is the report's true
case. Folds are blocks of incidents by first report time (an incident lies in one fold, and a
training row never involves a held-out incident). Each candidate (regularisation ``C``,
probability cut-off) is scored by running the real engine on each held-out fold; the best mean
B-cubed F1 with mean precision at least ``MIN_PRECISION`` wins, and is refitted on all rows.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fusionhub.core.correlation import CorrelationState, event_order_key, new_state, step_as
from fusionhub.core.events import Event
from fusionhub.core.policy import CorrelationPolicy, Weights
from fusionhub.core.scoring_types import EventFeatures
from fusionhub.core.signals import SIGNALS, signal_values
from fusionhub.evaluation import evaluate
from fusionhub.ingest.pipeline import partition_key
from fusionhub.replay import correlate_events

MIN_PRECISION = 0.97
C_GRID = (0.1, 1.0, 10.0)
CUTOFFS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass(frozen=True, slots=True)
class Rows:
    """Training rows: signal values, labels, the report's fold and the candidate's fold."""

    x: list[list[float]]
    y: list[int]
    fold: list[int]
    other_fold: list[int]


def incident_folds(
    events: Sequence[Event], truth: Mapping[str, str | None], k: int
) -> dict[str, int]:
    """Each incident's fold: incidents ordered by first report, cut into ``k`` equal blocks."""
    first: dict[str, int] = {}
    for n, event in enumerate(sorted(events, key=event_order_key)):
        incident = truth.get(event.event_ref)
        if incident is not None:
            first.setdefault(incident, n)
    order = sorted(first, key=first.__getitem__)
    return {inc: min(k - 1, i * k // max(1, len(order))) for i, inc in enumerate(order)}


def oracle_rows(
    events: Sequence[Event],
    truth: Mapping[str, str | None],
    policy: CorrelationPolicy,
    folds: Mapping[str, int],
) -> Rows:
    """One row per (report, candidate case) of the true clustering, per partition."""
    rows = Rows([], [], [], [])
    states: dict[bytes, CorrelationState] = {}
    home: dict[str, str] = {}  # incident -> its case
    case_incident: dict[str, str] = {}
    for event in sorted(events, key=event_order_key):
        incident = truth.get(event.event_ref)
        if incident is None:
            continue
        key = partition_key(event.jurisdiction.county_code)
        state = states.get(key)
        if state is None:  # not setdefault: a new state costs about 150 us to build
            state = states[key] = new_state(policy)

        def choose(s: CorrelationState, f: EventFeatures, inc: str = incident) -> str | None:
            for profile in s.index.lookup(f):
                values = signal_values(profile, f, policy)
                other = case_incident[profile.case_id]
                if values is not None:
                    rows.x.append([values[name] for name in SIGNALS])
                    rows.y.append(int(other == inc))
                    rows.fold.append(folds[inc])
                    rows.other_fold.append(folds[other])
            return home.get(inc)

        case_id = step_as(state, event, policy, choose)
        home[incident] = case_id
        case_incident[case_id] = incident
    return rows


# The sign each weight must keep, so that a weight reads as what its signal means: evidence for
# a join never counts against it (+1), evidence against never for it (-1), 0 for free. The two
# category weights are free: every row has exactly one of them, so they act as offsets.
SIGNS: dict[str, int] = {
    "person": 1,
    "distance": 1,
    "village": 1,
    "township": 1,
    "burst_place": 1,
    "other_village": -1,
    "address": 1,
    "house_match": 1,
    "house_conflict": -1,
    "time": 1,
    "same_category": 0,
    "compatible_category": 0,
    "text": 1,
    "org_match": 1,
    "org_conflict": -1,
}


def fit_weights(rows: Rows, keep: Sequence[bool], c: float) -> tuple[list[float], float]:
    """L2-regularised logistic regression on the kept rows, each coefficient held to the sign in
    ``SIGNS``: coefficients (in ``SIGNALS`` order) and intercept.

    The objective is scikit-learn's ``LogisticRegression(C=c)`` (half the squared norm of the
    coefficients plus ``c`` times the log-loss; the intercept is not penalised), minimised by
    scipy's L-BFGS-B, which takes the sign bounds. Called by ``cross_validate`` once per fold
    and setting, then on all rows.
    """
    import numpy as np
    from scipy.optimize import minimize

    picked = [i for i, k in enumerate(keep) if k]
    x = np.asarray([rows.x[i] for i in picked], dtype=float)
    y = np.asarray([rows.y[i] for i in picked], dtype=float)
    sign = 2.0 * y - 1.0  # labels as -1 / +1

    def loss(theta: Any) -> tuple[float, Any]:
        w, b = theta[:-1], theta[-1]
        margin = sign * (x @ w + b)
        # log(1 + exp(-m)), and its derivative -1 / (1 + exp(m)), without overflow.
        value = 0.5 * w @ w + c * np.logaddexp(0.0, -margin).sum()
        slope = -c * sign * np.exp(-np.logaddexp(0.0, margin))
        return float(value), np.append(w + x.T @ slope, slope.sum())

    bounds = [_bound(SIGNS[name]) for name in SIGNALS] + [(None, None)]
    start = np.zeros(len(SIGNALS) + 1)
    found = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    if not found.success:
        raise RuntimeError(f"the weight fit did not converge: {found.message}")
    return [float(v) for v in found.x[:-1]], float(found.x[-1])


def _bound(sign: int) -> tuple[float | None, float | None]:
    return {1: (0.0, None), -1: (None, 0.0)}.get(sign, (None, None))


def policy_with(
    policy: CorrelationPolicy, coef: Sequence[float], intercept: float, cutoff: float
) -> CorrelationPolicy | None:
    """The policy whose score decides as the model at ``cutoff``, scaled to a threshold of 1.

    None when the cut-off falls at or below a zero score (the engine needs a positive
    threshold). Text keeps a weight of at least 0: the engine skips text when it cannot help.
    """
    t = math.log(cutoff / (1 - cutoff)) - intercept
    if t <= 0:
        return None
    values = {name: b / t for name, b in zip(SIGNALS, coef, strict=True)}
    values["text"] = max(0.0, values["text"])
    weights = Weights(**{k: round(v, 4) for k, v in values.items()}, threshold=1.0)
    return dataclasses.replace(policy, weights=weights)


def engine_scores(
    events: Sequence[Event], truth: Mapping[str, str | None], policy: CorrelationPolicy
) -> dict[str, float]:
    """B-cubed P/R/F1 of the real engine's cases of ``events`` under ``policy``."""
    cases = correlate_events(list(events), policy)
    result = evaluate([c.event_refs for c in cases], truth)
    return {k: result[f"bcubed_{k}"] for k in ("precision", "recall", "f1")}


def cross_validate(
    events: Sequence[Event], truth: Mapping[str, str | None], policy: CorrelationPolicy, k: int
) -> dict[str, Any]:
    """Choose ``C`` and the cut-off by held-out engine runs; refit on everything.

    Called by ``fusionhub tune``. Returns the fitted policy, the chosen settings and the
    per-fold figures at those settings.
    """
    folds = incident_folds(events, truth, k)
    rows = oracle_rows(events, truth, policy, folds)
    held = [
        [e for e in events if folds.get(truth.get(e.event_ref) or "", -1) == f] for f in range(k)
    ]
    grid: dict[tuple[float, float], list[dict[str, float]]] = {}
    for f in range(k):
        keep = [f not in (a, b) for a, b in zip(rows.fold, rows.other_fold, strict=True)]
        for c in C_GRID:
            coef, b0 = fit_weights(rows, keep, c)
            for cut in CUTOFFS:
                candidate = policy_with(policy, coef, b0, cut)
                if candidate is not None:
                    grid.setdefault((c, cut), []).append(engine_scores(held[f], truth, candidate))
    best = _choose({key: v for key, v in grid.items() if len(v) == k})
    coef, b0 = fit_weights(rows, [True] * len(rows.y), best[0])
    fitted = policy_with(policy, coef, b0, best[1])
    return {
        "policy": fitted,
        "c": best[0],
        "cutoff": best[1],
        "folds": grid[best],
        "rows": len(rows.y),
    }


def mean(figures: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of each figure over folds."""
    return {k: sum(f[k] for f in figures) / len(figures) for k in figures[0]}


def _choose(
    grid: Mapping[tuple[float, float], Sequence[Mapping[str, float]]],
) -> tuple[float, float]:
    means = {key: mean(v) for key, v in grid.items()}
    good = [key for key, m in means.items() if m["precision"] >= MIN_PRECISION]
    if good:
        return max(good, key=lambda key: means[key]["f1"])
    return max(means, key=lambda key: means[key]["precision"])
