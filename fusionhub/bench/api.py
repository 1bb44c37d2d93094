"""``fusionhub bench api``: how fast the console's reads answer with a full store.

A store of ``cases`` synthetic cases (default 100,000: three counties, their townships, 90
days, a fifth of them open) is written through the sink's own writer, on SQLite and on
PostgreSQL, and the API built as ``fusionhub api`` builds it answers over HTTP on loopback.
Each read is asked ``requests`` times in a row after a warm-up; the figures are the median and
95th percentile of the answer times in milliseconds:

* ``board``: a county's open cases by urgency, the page of 500 the console loads first
  (``board_township``: the same for a township);
* ``case_list``: the newest 50 cases of the province; ``case_list_filtered``: a county's closed
  cases of one platform; ``case_list_deep_keyset``: 50 cases half-way down the list by cursor,
  which must cost what the first page costs; ``case_list_deep_offset`` the same by offset, for
  comparison (``deep_page_at``: how far down);
* ``stats_township`` and ``stats_county``: the statistics view of the last 30 days.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from fusionhub.bench.api_store import COUNTIES, synthetic_store
from fusionhub.bench.pgcluster import free_port, start_cluster

TARGETS_MS = {"board": 300, "case_list": 300, "stats": 500}


# The read API over the store at a URL, with a province token and a county and a township
# centre ({"province", "county", "township", "county_code", "township_code"}), built as
# ``fusionhub api`` builds it but without migrating and without the broker.
ApiFactory = Callable[[str, dict[str, str]], web.Application]


@contextmanager
def served(app_for: ApiFactory, url: str, tokens: dict[str, str]) -> Iterator[str]:
    """The API over the store at ``url`` on a free loopback port, in a thread of its own."""
    with _in_thread(app_for(url, {**tokens, "county_code": COUNTIES[0]})) as base:
        yield base


@contextmanager
def _in_thread(app: web.Application) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    port = free_port()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="bench-api", daemon=True)
    thread.start()
    ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


def _timed(call: Callable[[], httpx.Response], requests: int) -> dict[str, float]:
    for _ in range(5):
        call().raise_for_status()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call().raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(cuts[18], 1)}


def measure(app_for: ApiFactory, url: str, cases: int, requests: int) -> dict[str, Any]:
    """The answer times of each read against the store of ``cases`` cases at ``url``."""
    depth = cases // 2
    tokens = {"province": "p" * 24, "county": "c" * 24, "township": "t" * 24}
    tokens["township_code"] = _busiest_township(url)
    with (
        served(app_for, url, tokens) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):

        def ask(who: str, path: str, **params: Any) -> Callable[[], httpx.Response]:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            return lambda: client.get(path, params=params, headers=headers)

        middle = client.get(
            "/v1/cases",
            params={"limit": 1, "offset": depth},
            headers={"Authorization": f"Bearer {tokens['province']}"},
        ).json()
        cursor = _cursor_before(client, tokens["province"], middle)
        board = {"open": "true", "sort": "urgency", "limit": 500}
        figures: dict[str, Any] = {
            "deep_page_at": depth,
            "board": _timed(ask("county", "/v1/cases", **board), requests),
            "board_township": _timed(ask("township", "/v1/cases", **board), requests),
            "case_list": _timed(ask("province", "/v1/cases", limit=50), requests),
            "case_list_filtered": _timed(
                ask("county", "/v1/cases", status="closed", platform="综合执法", limit=50),
                requests,
            ),
            "case_list_deep_keyset": _timed(
                ask("province", "/v1/cases", limit=50, after=cursor), requests
            ),
            "case_list_deep_offset": _timed(
                ask("province", "/v1/cases", limit=50, offset=depth), requests
            ),
            "stats_township": _timed(ask("township", "/v1/stats/report"), requests),
            "stats_county": _timed(ask("county", "/v1/stats/report"), requests),
        }
    deep = figures["case_list_deep_keyset"]["p50_ms"] / max(figures["case_list"]["p50_ms"], 0.1)
    figures["deep_keyset_vs_first_page_p50"] = round(deep, 2)
    return figures


def _busiest_township(url: str) -> str:
    from sqlalchemy import create_engine, func, select

    from fusionhub.sinks.schema import cases

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = (
                select(cases.c.township_code)
                .where(cases.c.county_code == COUNTIES[0])
                .group_by(cases.c.township_code)
                .order_by(func.count().desc())
                .limit(1)
            )
            return str(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def _cursor_before(client: httpx.Client, token: str, middle: dict[str, Any]) -> str:
    """The ``after`` cursor that continues at the case ``middle`` holds (the province's list,
    newest opened first); the page after it starts just past that case."""
    from fusionhub.api.cursor import Cursor

    item = middle["items"][0]
    opened = datetime.fromisoformat(item["opened_at"])
    return Cursor("opened", (opened, item["case_id"])).encode()


def _verdict(figures: dict[str, Any]) -> dict[str, bool]:
    return {
        "board_p95_under_300_ms": max(
            figures["board"]["p95_ms"], figures["board_township"]["p95_ms"]
        )
        < TARGETS_MS["board"],
        "case_list_p95_under_300_ms": max(
            figures[k]["p95_ms"]
            for k in ("case_list", "case_list_filtered", "case_list_deep_keyset")
        )
        < TARGETS_MS["case_list"],
        "stats_p95_under_500_ms": max(
            figures["stats_township"]["p95_ms"], figures["stats_county"]["p95_ms"]
        )
        < TARGETS_MS["stats"],
    }


def bench_api(
    app_for: ApiFactory,
    cases: int,
    requests: int,
    pg_url: str | None,
    backends: tuple[str, ...],
) -> dict[str, Any]:
    """Fill a store per backend and time the reads; the JSON line's content."""
    result: dict[str, Any] = {"bench": "api", "cases": cases, "requests": requests}
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="fusionhub-bench-api-") as tmp:
        work = Path(tmp)
        for backend in backends:
            with _database(backend, work, pg_url) as url:
                fill_s = synthetic_store(url, cases, now)
                figures = measure(app_for, url, cases, requests)
                figures["fill_s"] = round(fill_s, 1)
                figures["meets"] = _verdict(figures)
                result[backend] = figures
    return result


@contextmanager
def _database(backend: str, work: Path, pg_url: str | None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}"
        return
    if pg_url:
        yield pg_url
        return
    cluster = start_cluster(shared_buffers="256MB")
    try:
        yield cluster.create_database("bench")
    finally:
        cluster.destroy()
