"""The synthetic store of ``fusionhub bench api``: cases as the sink writes them, with one
report each, spread the way a province's store is (three counties, their townships, 90 days,
most cases finished)."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from fusionhub.sinks.store import SqlCaseStore

COUNTIES = ("330681", "330782", "331082")
STATUSES = (
    ("closed", 0.55),
    ("resolved", 0.15),
    ("new", 0.08),
    ("dispatched", 0.1),
    ("in_progress", 0.07),
    ("escalated", 0.05),
)
CATEGORIES = (
    ("dispute.neighbour", "综治工作"),
    ("noise", "综合执法"),
    ("sanitation", "综合执法"),
    ("food_safety", "市场监管"),
    ("roads", "便民服务"),
)
SOURCES = (["grid"], ["hotline"], ["grid", "hotline"], ["video"], ["hotline", "petition"])
BATCH = 2000


def synthetic_store(url: str, cases: int, now: datetime, seed: int = 5) -> float:
    """Write ``cases`` cases (each with one report) to a fresh store; returns the seconds."""
    from fusionhub.regions import division_lists

    townships = [t.code for t in division_lists()[1] if t.county_code in COUNTIES]
    rng = random.Random(seed)
    store = SqlCaseStore.from_url(url)
    started = time.perf_counter()
    try:
        store.ensure_schema()
        for first in range(0, cases, BATCH):
            made = [_case(i, rng, townships, now) for i in range(first, min(first + BATCH, cases))]
            store.write_batch([c for c, _ in made], [e for _, e in made])
    finally:
        store.dispose()
    return time.perf_counter() - started


def _case(
    i: int, rng: random.Random, townships: list[str], now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    township = rng.choice(townships)
    opened = now - timedelta(minutes=rng.randrange(90 * 1440))
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    category, platform = rng.choice(CATEGORIES)
    priority = rng.choice((1, 2, 3, 3, 3, 4))
    ref = f"grid:BENCH-{i:08d}"
    history = [{"at": opened, "status": "new", "actor": "correlation", "note": "opened"}]
    if status in ("resolved", "closed"):
        resolved = opened + timedelta(hours=rng.expovariate(1 / 30))
        history.append({"at": resolved, "status": "resolved", "actor": "镇综治中心", "note": ""})
    case = {
        "case_id": f"CB{i:015d}",
        "version": len(history),
        "county_code": township[:6],
        "township_code": township,
        "village_code": None,
        "category": category,
        "platform": platform,
        "priority": priority,
        "status": status,
        "level": "county" if status == "escalated" else "township",
        "opened_at": opened,
        "updated_at": history[-1]["at"],
        "deadline": opened + timedelta(hours=(2, 24, 72, 120)[priority - 1]),
        "event_refs": [ref],
        "sources": rng.choice(SOURCES),
        "department": "镇综治中心" if status != "new" else None,
        "history": history,
        "members": [],
        "change": "opened",
    }
    return case, _event(i, ref, case, (120.0 + rng.random(), 29.0 + rng.random()))


def _event(i: int, ref: str, case: dict[str, Any], point: tuple[float, float]) -> dict[str, Any]:
    return {
        "event_ref": ref,
        "source": "grid",
        "source_id": ref[5:],
        "occurred_at": case["opened_at"],
        "received_at": case["opened_at"],
        "category": case["category"],
        "platform": case["platform"],
        "severity": 3,
        "text": f"第{i}号 楼道堆物影响通行",
        "jurisdiction": {
            "county_code": case["county_code"],
            "township_code": case["township_code"],
        },
        "point": {"lon": point[0], "lat": point[1]},
        "address": "某村",
        "parties": [],
        "refs": [],
        "fingerprint": f"{i:064x}",
        "attributes": {},
    }
