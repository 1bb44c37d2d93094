"""Correlation and handling policy: per-category radius, time window and deadlines, as plain data.

The defaults below are the reference table. ``fusionhub/data/correlation.toml`` is its editable
copy; ``fusionhub.policies.load_policy`` reads that file and hands the parsed mapping to
``policy_from_mapping`` here, so this module stays free of I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fusionhub.core.events import Platform

# code, Chinese name, platform, family, radius m, window, party-defined, burst
_DEFAULT_CATEGORIES: tuple[tuple[str, str, str, str, int, str, bool, bool], ...] = (
    ("fire", "火情火灾", "综治工作", "emergency", 300, "90m", False, True),
    ("crowding", "人员聚集", "综治工作", "emergency", 300, "3h", False, True),
    ("public_security", "治安问题", "综治工作", "emergency", 300, "2h", False, True),
    ("fire_hazard", "消防隐患", "综治工作", "safety", 200, "7d", False, False),
    ("safety_hazard", "安全隐患", "综治工作", "safety", 300, "7d", False, False),
    ("dispute.neighbour", "邻里纠纷", "综治工作", "dispute", 300, "21d", True, False),
    ("dispute.land", "土地宅基地纠纷", "综治工作", "dispute", 300, "30d", True, False),
    ("dispute.family", "婚姻家庭纠纷", "综治工作", "dispute", 300, "21d", True, False),
    ("dispute.property", "物业纠纷", "综治工作", "dispute", 300, "21d", True, False),
    ("wage_arrears", "劳资欠薪", "综治工作", "labour", 2000, "30d", True, False),
    ("street_vending", "占道经营", "综合执法", "city", 150, "1d", False, False),
    ("illegal_construction", "违章建筑", "综合执法", "city", 150, "30d", False, False),
    ("sanitation", "市容环卫", "综合执法", "city", 200, "3d", False, False),
    ("pollution", "环境污染", "综合执法", "environment", 1000, "14d", False, False),
    ("noise", "噪声扰民", "综合执法", "environment", 300, "7d", False, False),
    ("food_safety", "食品安全", "市场监管", "market", 500, "14d", False, False),
    ("consumer", "消费维权", "市场监管", "market", 300, "14d", True, False),
    ("price", "价格收费", "市场监管", "market", 300, "14d", False, False),
    ("utilities", "水电气", "便民服务", "infrastructure", 1500, "2d", False, False),
    ("roads", "道路设施", "便民服务", "infrastructure", 200, "14d", False, False),
    ("consultation", "政策咨询", "便民服务", "other", 100, "1d", True, False),
    ("other", "其他", "综治工作", "other", 200, "1d", False, False),
)

_DEFAULT_COMPATIBLE: tuple[tuple[str, str], ...] = (
    ("dispute.neighbour", "dispute.land"),
    ("dispute.neighbour", "dispute.family"),
    ("dispute.neighbour", "dispute.property"),
    ("dispute.neighbour", "noise"),
    ("dispute.land", "illegal_construction"),
    ("dispute.property", "utilities"),
    ("fire", "fire_hazard"),
    ("fire_hazard", "safety_hazard"),
    ("crowding", "public_security"),
    ("crowding", "wage_arrears"),
    ("street_vending", "sanitation"),
    ("street_vending", "food_safety"),
    ("pollution", "noise"),
    ("food_safety", "consumer"),
    ("consumer", "price"),
    ("roads", "safety_hazard"),
)

_MICROSECOND = timedelta(microseconds=1)
_HOUR = timedelta(hours=1)
# How long a finished case stays in the engine's state at least (see ``retention_hours``).
_DEFAULT_FINISHED_RETENTION = timedelta(days=14)

# Hours to handle a case, by priority (1 = most urgent). A category may override per priority.
_DEFAULT_DEADLINE_HOURS: dict[int, int] = {1: 2, 2: 24, 3: 72, 4: 120}
_DEFAULT_DEADLINE_OVERRIDES: dict[str, dict[int, int]] = {
    "wage_arrears": {3: 120, 4: 168},
    "dispute.land": {3: 120, 4: 240},
}


@dataclass(frozen=True, slots=True)
class CategoryPolicy:
    """How one unified category is correlated.

    ``family`` groups categories that share a candidate index. ``party_defined`` means the
    parties make the incident (a dispute between two families): reports naming other people are
    a different incident unless the text says otherwise. ``burst`` means a short-lived incident
    (a fire) for which one township and a few minutes already make a match likely.
    """

    code: str
    name: str
    platform: Platform
    family: str
    radius_m: float
    window: timedelta
    party_defined: bool = False
    burst: bool = False


@dataclass(frozen=True, slots=True)
class Weights:
    """Score contributions. A candidate is accepted at ``threshold`` or above."""

    person: float = 0.9107
    distance: float = 0.2945
    village: float = 0.0092
    township: float = 0.0
    burst_place: float = 0.711
    other_village: float = -0.1883
    address: float = 0.7988
    house_match: float = 0.5451
    house_conflict: float = -1.0837
    time: float = 1.0397
    same_category: float = 0.105
    compatible_category: float = -0.1054
    text: float = 0.1848
    org_match: float = 0.7897
    org_conflict: float = -0.8119
    threshold: float = 1.0


@dataclass(frozen=True, slots=True)
class CategoryPair:
    """How a case of one category and a report of another are compared, when compatible.

    Two compatible categories must coincide as tightly as the stricter of the two (window and
    radius), and are burst-like or party-defined when either is.
    """

    window: timedelta
    window_us: int
    radius_m: float
    burst: bool
    party_defined: bool
    category_weight: float


@dataclass(frozen=True, slots=True)
class CorrelationPolicy:
    """Everything the correlation engine and the lifecycle need to decide, as plain data."""

    categories: Mapping[str, CategoryPolicy]
    compatible: frozenset[frozenset[str]]
    weights: Weights = field(default_factory=Weights)
    deadline_hours: Mapping[int, int] = field(default_factory=lambda: dict(_DEFAULT_DEADLINE_HOURS))
    deadline_overrides: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    fallback_category: str = "other"
    # A finished case (resolved, closed, merged away) is forgotten this long after it finished,
    # or after its category's window if that is longer: see ``retention_hours``.
    finished_retention: timedelta = _DEFAULT_FINISHED_RETENTION
    # Derived from the fields above once, by report category then case category: the engine
    # asks for a pair for every candidate.
    _pairs: Mapping[str, Mapping[str, CategoryPair | None]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        codes = list(self.categories)
        pairs = {b: {a: self._make_pair(a, b) for a in codes} for b in codes}
        object.__setattr__(self, "_pairs", pairs)

    def category(self, code: str) -> CategoryPolicy:
        """The policy of ``code``; unknown codes get the fallback category's policy."""
        found = self.categories.get(code)
        return found if found is not None else self.categories[self.fallback_category]

    def compatible_with(self, a: str, b: str) -> bool:
        """True when ``a`` and ``b`` may describe one incident.

        Same code, a declared pair, or either is the fallback (an unclassified report may be
        about anything; the other signals decide).
        """
        if a == b or self.fallback_category in (a, b):
            return True
        return frozenset((a, b)) in self.compatible

    def pair(self, case_category: str, report_category: str) -> CategoryPair | None:
        """The terms for comparing a report with a case; None when the categories are not
        ``compatible_with`` each other."""
        row = self._pairs.get(report_category)
        if row is not None and case_category in row:
            return row[case_category]
        return self._make_pair(case_category, report_category)

    def pairs_for(self, report_category: str) -> Mapping[str, CategoryPair | None]:
        """``pair(case, report_category)`` for every case category of the table, as a mapping
        (empty for a report category the table lacks; ask ``pair`` for codes not in it)."""
        return self._pairs.get(report_category, {})

    def _make_pair(self, a: str, b: str) -> CategoryPair | None:
        if not self.compatible_with(a, b):
            return None
        cat_a, cat_b = self.category(a), self.category(b)
        window = min(cat_a.window, cat_b.window)
        w = self.weights
        return CategoryPair(
            window=window,
            window_us=window // _MICROSECOND,
            radius_m=min(cat_a.radius_m, cat_b.radius_m),
            burst=cat_a.burst or cat_b.burst,
            party_defined=cat_a.party_defined or cat_b.party_defined,
            category_weight=w.same_category if a == b else w.compatible_category,
        )

    def retention_hours(self, category: str) -> int:
        """Whole hours a finished case of ``category`` stays in the engine's state.

        The longer of ``finished_retention`` and the category's window: a repeat complaint can
        only be scored against a case within its window, so the case is kept at least that
        long. Called by ``core.retention`` when a case finishes.
        """
        kept = max(self.finished_retention, self.category(category).window)
        return -(-kept // _HOUR)

    def deadline(self, category: str, priority: int) -> timedelta:
        """Time allowed to handle a case of this category and priority."""
        hours = self.deadline_overrides.get(category, {}).get(priority)
        if hours is None:
            hours = self.deadline_hours.get(priority, max(self.deadline_hours.values()))
        return timedelta(hours=hours)


_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_WINDOW_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_window(text: str) -> timedelta:
    """Parse ``90m``, ``3h``, ``14d`` or ``2w``. Raises ValueError on anything else."""
    match = _WINDOW_RE.match(text)
    if match is None:
        raise ValueError(f"bad window {text!r}: expected a number and one of m, h, d, w")
    return timedelta(**{_WINDOW_UNIT[match.group(2)]: int(match.group(1))})


def format_window(window: timedelta) -> str:
    """The inverse of ``parse_window``, choosing the largest exact unit."""
    minutes = int(window.total_seconds() // 60)
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def default_policy() -> CorrelationPolicy:
    """The built-in reference policy (the same table as ``data/correlation.toml``)."""
    categories = {
        code: CategoryPolicy(code, name, Platform(pf), fam, float(r), parse_window(w), party, burst)
        for code, name, pf, fam, r, w, party, burst in _DEFAULT_CATEGORIES
    }
    return CorrelationPolicy(
        categories=categories,
        compatible=_pairs(_DEFAULT_COMPATIBLE),
        deadline_hours=dict(_DEFAULT_DEADLINE_HOURS),
        deadline_overrides={k: dict(v) for k, v in _DEFAULT_DEADLINE_OVERRIDES.items()},
    )


def _pairs(pairs: Iterable[Iterable[str]]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(p) for p in pairs)


def policy_from_mapping(data: Mapping[str, Any]) -> CorrelationPolicy:
    """Build a policy from the parsed ``correlation.toml`` mapping.

    Called by ``fusionhub.policies.load_policy``. Raises ValueError naming the bad entry when a
    category lacks a field, a platform is unknown, or a compatible pair names an unknown code.
    """
    categories: dict[str, CategoryPolicy] = {}
    for row in data.get("category", []):
        try:
            cat = CategoryPolicy(
                code=str(row["code"]),
                name=str(row["name"]),
                platform=Platform(row["platform"]),
                family=str(row["family"]),
                radius_m=float(row["radius_m"]),
                window=parse_window(str(row["window"])),
                party_defined=bool(row.get("party_defined", False)),
                burst=bool(row.get("burst", False)),
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"bad category entry {row!r}: {exc}") from exc
        categories[cat.code] = cat
    pairs = [tuple(p["pair"]) for p in data.get("compatible", [])]
    for pair in pairs:
        unknown = [code for code in pair if code not in categories]
        if len(pair) != 2 or unknown:
            raise ValueError(f"bad compatible pair {pair!r}: unknown {unknown}")
    weights = Weights(**{k: float(v) for k, v in data.get("weights", {}).items()})
    retention = _retention(data)
    fallback = str(data.get("fallback_category", "other"))
    if fallback not in categories:
        raise ValueError(f"fallback category {fallback!r} is not in the category table")
    return CorrelationPolicy(
        categories=categories,
        compatible=_pairs(pairs),
        weights=weights,
        deadline_hours=_hours(data.get("deadline_hours", _DEFAULT_DEADLINE_HOURS)),
        deadline_overrides={
            code: _hours(table) for code, table in data.get("deadline_overrides", {}).items()
        },
        fallback_category=fallback,
        finished_retention=retention,
    )


def _retention(data: Mapping[str, Any]) -> timedelta:
    retention = parse_window(str(data.get("finished_retention", "14d")))
    if retention < _HOUR:
        raise ValueError(f"finished_retention {retention} is shorter than an hour")
    return retention


def _hours(table: Mapping[Any, Any]) -> dict[int, int]:
    return {int(priority): int(hours) for priority, hours in table.items()}
