"""Performance harness for the correlation engine: throughput and memory per open case.

Scenario: ``open_cases`` reports are pre-filled through ``step`` at a constant arrival rate
spread over Zhejiang's villages, so a larger backlog spans a longer period, as a real one would:
cases whose window passed leave the candidate index but stay in memory, open. Then ``events``
fresh reports arrive at the end of that period and are timed. Memory is the tracemalloc peak of
the engine state divided by the number of cases opened.

The per-event cost follows the local density of correlatable cases (``candidates_per_event``),
not the number of open cases. The default rate (300 a day, one county's load) fills every
category's window even at 10k cases, so runs of different sizes see the same density and
differ only in backlog; a higher ``rate_per_day`` measures a denser province.
"""

from __future__ import annotations

import csv
import gc
import random
import resource
import statistics
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from typing import Any

from fusionhub.core.correlation import CorrelationState, new_state, step
from fusionhub.core.events import Event, GeoPoint, Jurisdiction, Party, Source
from fusionhub.core.policy import CorrelationPolicy, default_policy
from fusionhub.core.scoring import features_of
from fusionhub.heap import freeze_long_lived
from fusionhub.sim.places import REGIONS_DIR
from fusionhub.streams.options import StreamSettings

_REGIONS = REGIONS_DIR / "zhejiang_villages.csv"
# As often as the worker freezes its heap (streams.freeze_every_records).
FREEZE_EVERY = StreamSettings().freeze_every_records
# Timed events are measured in this many slices (``_timed``).
TIMED_CHUNKS = 10
_START = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))
_TEXTS = (
    "村里两户人家因为宅基地边界问题发生争吵需要调解",
    "路边有流动摊贩占道经营影响通行",
    "工厂晚上排放废气味道刺鼻影响休息",
    "邻居装修噪音很大每天清早开工",
    "工地老板拖欠工资三个月没发",
    "诸暨宏达印染厂晚上偷排废水河水发黑",
)


def villages() -> list[tuple[str, float, float]]:
    """Every village code of Zhejiang with a pseudo-centre (the same every call)."""
    with _REGIONS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(5)
    # Pseudo-centres: a village is a spot within Zhejiang's bounding box.
    return [(r["code"], rng.uniform(118.5, 122.0), rng.uniform(27.3, 31.0)) for r in rows]


def _event(
    rng: random.Random,
    n: int,
    at: datetime,
    *,
    villages: list[Any],
    cats: list[str],
    policy: CorrelationPolicy,
) -> Event:
    code, lon, lat = rng.choice(villages)
    category = rng.choice(cats)
    point = GeoPoint(lon + rng.uniform(-0.01, 0.01), lat + rng.uniform(-0.01, 0.01))
    source = Source.of(rng.choice(("grid", "hotline")))
    return Event(
        event_ref=f"{source.value}:B{n:09d}",
        source=source,
        source_id=f"B{n:09d}",
        occurred_at=at,
        received_at=at,
        category=category,
        platform=policy.category(category).platform,
        severity=3,
        text=f"{rng.choice(_TEXTS)}{n % 997}号",
        jurisdiction=Jurisdiction(code[:6], code[:9], code if rng.random() < 0.5 else None),
        point=point if rng.random() < 0.6 else None,
        address=f"某镇某村{n % 211}号",
        parties=(Party("caller", phone_token=f"t{rng.randrange(10**9):09d}"),),
    )


def measure_engine(
    open_cases: int,
    events: int,
    rate_per_day: int = 300,
    trace_memory: bool = True,
    freeze_every: int = FREEZE_EVERY,
) -> dict[str, Any]:
    """Pre-fill ``open_cases`` cases, then time ``events`` more; returns the measurements.

    Keys: ``open_cases``, ``indexed_cases`` (still correlatable), ``events_per_s``,
    ``us_per_event``, ``candidates_per_event`` (cases scored per timed event; the cost follows
    this, not the number of open cases), ``bytes_per_open_case`` (tracemalloc peak during
    pre-fill / open cases; with ``trace_memory=False`` the growth of the peak RSS instead,
    which avoids tracemalloc's 5x slowdown for a million cases), ``prefill_s``; for the
    caller's accounting of collections, ``prefill_began`` (``time.perf_counter``), ``chunks``
    (start, end, events of each timed slice; ``us_per_event`` is the median slice's) and
    ``forced_full_gc_s``, one full collection forced after the timed events.

    The collector is handled as the worker handles it: the heap is frozen before the first
    event, every ``freeze_every`` events and once the backlog is in (as after a restore), with
    young collections less often (``runtime.heap.freeze_long_lived``).
    """
    policy = default_policy()
    rng = random.Random(11)
    places = villages()
    cats = sorted(policy.categories)
    gap = timedelta(days=1) / rate_per_day
    state: CorrelationState = new_state(policy)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if trace_memory:
        tracemalloc.start()
    # The worker freezes at its first restore, before any record; so does the harness, so that
    # collections after this scan the engine's objects, not the imports' (85k objects).
    freeze_long_lived()
    began = time.perf_counter()
    for n in range(open_cases):
        state, _ = step(
            state,
            _event(rng, n, _START + n * gap, villages=places, cats=cats, policy=policy),
            policy,
        )
        if n % freeze_every == freeze_every - 1:
            freeze_long_lived()
    prefill_s = time.perf_counter() - began
    freeze_long_lived()
    prefilled = len(state.cases)
    if trace_memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    end = _START + open_cases * gap
    fresh = [
        _event(rng, open_cases + i, end + i * gap, villages=places, cats=cats, policy=policy)
        for i in range(events)
    ]
    scored = sum(len(state.index.lookup(features_of(event, policy))) for event in fresh)
    state, chunks = _timed(state, fresh, policy)
    # What one full collection costs at this size: everything the last freeze left in sight.
    forced = time.perf_counter()
    gc.collect()
    forced_s = time.perf_counter() - forced
    per_event = statistics.median((stop - start) / n for start, stop, n in chunks)
    return {
        "open_cases": prefilled,
        "indexed_cases": len(state.index.profiles),
        "events_per_s": round(1 / per_event),
        "us_per_event": round(per_event * 1e6, 1),
        "candidates_per_event": round(scored / events, 2),
        "bytes_per_open_case": round(peak / max(prefilled, 1)),
        "prefill_s": round(prefill_s, 1),
        "prefill_began": began,
        "chunks": chunks,
        "forced_full_gc_s": round(forced_s, 3),
    }


def _timed(
    state: CorrelationState, events: list[Event], policy: CorrelationPolicy
) -> tuple[CorrelationState, list[tuple[float, float, int]]]:
    """``events`` through ``step`` in ``TIMED_CHUNKS`` slices; each slice's start, end and size.

    The median slice is the figure: a burst of other work on a busy machine then spoils one
    slice, not the whole run (one 0.25 s window at a million cases read 58 and 85 us an event).
    """
    size = max(1, -(-len(events) // TIMED_CHUNKS))
    chunks: list[tuple[float, float, int]] = []
    for first in range(0, len(events), size):
        part = events[first : first + size]
        start = time.perf_counter()
        for event in part:
            state, _ = step(state, event, policy)
        chunks.append((start, time.perf_counter(), len(part)))
    return state, chunks
