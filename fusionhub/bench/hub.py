"""``fusionhub bench hub``: the whole hub, HTTP ingest to case stored, against the sink alone.

Phase 1 sends a simulated set over HTTP as fast as a few concurrent clients can and times until
the last accepted report is stored in the database: the hub's events/s. Phase 2 measures the
sink's own rows/s on a fresh database of the same kind. Phase 3 sends another set at half the
hub's rate and reads the end-to-end latency (ingest receipt to case stored) from the sink's
histogram.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from fusionhub.connectors.registry import load_sources
from fusionhub.runtime.feed import FeedItem, HttpFeed, load_feed
from fusionhub.runtime.supervisor import Supervisor
from fusionhub.runtime.up import Endpoints
from fusionhub.sim.writer import simulate
from fusionhub.sinks.bench import measure_sink_rows_per_s


@dataclass(frozen=True)
class HubRun:
    """A hub of its own for the benchmark, built by the composition root: fresh topics,
    database, consumer groups and throwaway secrets, its camera registry the simulated one
    (``sim/cameras.csv`` under the work folder)."""

    endpoints: Endpoints
    database_url: str
    ingest_token: str
    prepare: Callable[[], None]  # broker up, topics created, database migrated
    start: Callable[[], Supervisor]  # every service started and answering
    drop_topics: Callable[[], object]


async def _blast(url: str, token: str, items: list[FeedItem], clients: int) -> dict[int, int]:
    queue: asyncio.Queue[FeedItem] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    codes: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=60, trust_env=False
        ) as c:
            while not queue.empty():
                item = queue.get_nowait()
                kind = load_sources().spec(item.source).media_type
                answer = await c.post(
                    f"/v1/ingest/{item.source}",
                    content=item.payload,
                    headers={"Content-Type": kind},
                )
                codes[answer.status_code] = codes.get(answer.status_code, 0) + 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return codes


def stored_events(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM case_members")).scalar() or 0)
    finally:
        engine.dispose()


def histogram_quantile(q: float, exposition: str, name: str) -> float | None:
    """Prometheus' histogram_quantile over one unlabelled histogram of an exposition."""
    buckets: list[tuple[float, float]] = []
    for line in exposition.splitlines():
        if line.startswith(f"{name}_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), float(line.rsplit(" ", 1)[1])))
    if not buckets or buckets[-1][1] == 0:
        return None
    rank = q * buckets[-1][1]
    prev_le, prev_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * (rank - prev_count) / max(count - prev_count, 1e-9)
        prev_le, prev_count = le, count
    return None


def _buckets(exposition: str, name: str) -> dict[str, float]:
    return {
        line.split('le="', 1)[1].split('"', 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith(f"{name}_bucket")
    }


def _as_exposition(buckets: dict[str, float], name: str) -> str:
    return "\n".join(f'{name}_bucket{{le="{le}"}} {count}' for le, count in buckets.items())


async def _blast_counting(url: str, token: str, items: list[FeedItem], clients: int) -> int:
    codes = await _blast(url, token, items, clients)
    if set(codes) != {202}:
        raise RuntimeError(f"ingest answered {codes}")
    return len(items)


def bench_hub(run: HubRun, work: Path, events: int = 3000, clients: int = 8) -> dict[str, Any]:
    """Run the three phases; returns the JSON line's fields."""
    from datetime import timedelta

    from fusionhub.sim.writer import DEFAULT_START

    simulate(work / "sim", 21, events, days=7)
    simulate(work / "sim2", 22, events // 2, days=7, start=DEFAULT_START + timedelta(days=60))
    blast_items, paced_items = load_feed(work / "sim"), load_feed(work / "sim2")
    run.prepare()
    supervisor = run.start()
    ep, url, token = run.endpoints, run.database_url, run.ingest_token
    name = "fusionhub_end_to_end_latency_seconds"
    try:
        started = time.perf_counter()
        asyncio.run(_blast_counting(ep.ingest, token, blast_items, clients))
        stored, finished = _settle(url)
        hub_eps = stored / (finished - started)
        before = _buckets(httpx.get(ep.sink_metrics, timeout=10).text, name)
        feed = HttpFeed(ep.ingest, token, paced_items, rate=max(hub_eps / 2, 1.0))
        feed.start()
        while not feed.progress.done:
            time.sleep(0.5)
        _settle(url)
        after = _buckets(httpx.get(ep.sink_metrics, timeout=10).text, name)
    finally:
        supervisor.stop()
        # Its own random prefix: the hub's topics and the worker's internal ones.
        run.drop_topics()
    phase = _as_exposition({le: after[le] - before.get(le, 0.0) for le in after}, name)
    sink_rows = measure_sink_rows_per_s(f"sqlite:///{work / 'sink-only.db'}", 10_000)
    return {
        "bench": "hub",
        "reports_sent": len(blast_items),
        "reports_stored": stored,
        "http_clients": clients,
        "hub_events_per_s": round(hub_eps, 1),
        "sink_rows_per_s": round(sink_rows, 1),
        "sink_to_hub_ratio": round(sink_rows / hub_eps, 2),
        "target_ratio": 2.0,
        "paced_rate_per_s": round(max(hub_eps / 2, 1.0), 1),
        "latency_p50_s": _round(histogram_quantile(0.5, phase, name)),
        "latency_p99_s": _round(histogram_quantile(0.99, phase, name)),
        "database": "sqlite",
    }


def _settle(url: str, quiet_s: float = 3.0) -> tuple[int, float]:
    """Wait until the stored report count stops rising for ``quiet_s``; returns the count and
    the ``perf_counter`` time it last rose."""
    last, last_change = -1, time.perf_counter()
    while time.perf_counter() - last_change < quiet_s:
        count = stored_events(url)
        if count != last:
            last, last_change = count, time.perf_counter()
        time.sleep(0.1)
    return last, last_change


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
