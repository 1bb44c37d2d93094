"""``fusionhub bench hub``: the whole hub, HTTP ingest to case stored, against the sink alone.

Phase 1 sends a simulated set over HTTP as fast as a few concurrent clients can and times until
the last accepted report is stored in the database: the hub's events/s. Phase 2 measures the
sink's own rows/s on a fresh database of the same kind. Phase 3 sends another set at half the
hub's rate and reads the end-to-end latency (ingest receipt to case stored) from the sink's
histogram.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from fusionhub.runtime.feed import FeedItem, HttpFeed, load_feed
from fusionhub.runtime.up import endpoints, prepare, start_services
from fusionhub.settings import (
    ApiSettings,
    ConsoleSettings,
    DatabaseSettings,
    IngestSettings,
    SecretSettings,
    Settings,
)
from fusionhub.sim.writer import simulate
from fusionhub.sinks.bench import measure_sink_rows_per_s
from fusionhub.streams.admin import drop_topics


def bench_settings(base: Settings, work: Path) -> Settings:
    """A hub of its own: fresh topics, database, consumer groups and throwaway secrets."""
    run = f"benchhub{uuid.uuid4().hex[:8]}"
    return base.model_copy(
        update={
            "topic_prefix": run,
            "data_dir": work,
            "database": DatabaseSettings(url=f"sqlite:///{work / f'{run}.db'}"),
            "ingest": IngestSettings(
                token=SecretStr(secrets.token_urlsafe(16)), cameras_csv=work / "sim" / "cameras.csv"
            ),
            "api": ApiSettings(token=SecretStr(secrets.token_urlsafe(16))),
            # The console plays no part in ingest-to-store; without it one port less is taken.
            "console": ConsoleSettings(enabled=False),
            "secrets": SecretSettings(
                pii_key=SecretStr(secrets.token_urlsafe(32)),
                sealing_key=SecretStr(Fernet.generate_key().decode()),
            ),
            "streams": base.streams.model_copy(update={"app_id": run, "tick_interval_s": 3600.0}),
        }
    )


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "FUSIONHUB_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
            "FUSIONHUB_TOPIC_PREFIX": settings.topic_prefix,
            "FUSIONHUB_DATA_DIR": str(settings.data_dir),
            "FUSIONHUB_DATABASE__URL": settings.database.resolved_url(settings.data_dir),
            "FUSIONHUB_INGEST__TOKEN": settings.ingest.token.get_secret_value(),  # type: ignore[union-attr]
            "FUSIONHUB_INGEST__CAMERAS_CSV": str(settings.ingest.cameras_csv),
            "FUSIONHUB_API__TOKEN": settings.api.token.get_secret_value(),  # type: ignore[union-attr]
            "FUSIONHUB_CONSOLE__ENABLED": "false",
            "FUSIONHUB_SECRETS__PII_KEY": settings.secrets.require_pii_key().decode(),
            "FUSIONHUB_SECRETS__SEALING_KEY": settings.secrets.require_sealing_key().decode(),
            "FUSIONHUB_STREAMS__APP_ID": settings.streams.app_id,
            "FUSIONHUB_STREAMS__TICK_INTERVAL_S": "3600",
        }
    )
    return env


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
                kind = "application/xml" if item.source == "video" else "application/json"
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


def bench_hub(base: Settings, work: Path, events: int = 3000, clients: int = 8) -> dict[str, Any]:
    """Run the three phases; returns the JSON line's fields."""
    from datetime import timedelta

    from fusionhub.sim.writer import DEFAULT_START

    settings = bench_settings(base, work)
    simulate(work / "sim", 21, events, days=7)
    simulate(work / "sim2", 22, events // 2, days=7, start=DEFAULT_START + timedelta(days=60))
    blast_items, paced_items = load_feed(work / "sim"), load_feed(work / "sim2")
    prepare(settings, start_broker=True)
    supervisor = start_services(settings, child_env(settings))
    ep, url = endpoints(settings), settings.database.resolved_url(settings.data_dir)
    token = settings.ingest.token.get_secret_value()  # type: ignore[union-attr]
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
        drop_topics(settings.kafka_bootstrap, settings.topic_prefix)
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
