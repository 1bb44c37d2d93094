"""``fusionhub demo``: the whole hub on this machine, fed with simulated reports, watched live."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.live import Live

from fusionhub.runtime.feed import HttpFeed, load_feed
from fusionhub.runtime.operator import DutyOfficer
from fusionhub.runtime.supervisor import Supervisor
from fusionhub.runtime.up import Endpoints
from fusionhub.runtime.view import CaseView
from fusionhub.sim.writer import simulate


@dataclass(frozen=True)
class DemoOptions:
    events: int = 2000
    rate: float = 40.0
    seed: int | None = None
    exit_when_done: bool = False


def demo_start(now: datetime, days: int = 2) -> datetime:
    """Where the demo's simulated days begin: ``days`` before ``now``, on the hour, so its
    cases have deadlines still running, some already passed, as a duty officer's board does."""
    return (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DemoPlan:
    """One demo run, resolved by the composition root (``fusionhub.bootstrap.runtime``): its
    own topics, database and consumer groups, and how to start and reach its services."""

    run: str
    folder: Path
    seed: int
    intro: list[str]  # what to print first: the console's address and tokens
    endpoints: Endpoints
    ingest_token: str
    api_token: str
    prepare: Callable[[], None]  # broker up, topics created, database migrated
    start: Callable[[], Supervisor]  # the services started and answering
    officer: Callable[[httpx.Client], DutyOfficer]


def run_demo(plan: DemoPlan, options: DemoOptions, console: Console) -> dict[str, object]:
    """Simulate, start everything, feed it, show it; returns the final counts."""
    start = demo_start(datetime.now(UTC))
    simulate(plan.folder, plan.seed, options.events, days=2, start=start)
    for line in plan.intro:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    console.print(f"[bold]fusionhub demo[/] {plan.run}: starting the broker and the services…")
    plan.prepare()
    supervisor = plan.start()
    ep = plan.endpoints
    for line in ep.lines():
        console.print(line, soft_wrap=True)
    items = load_feed(plan.folder, until=datetime.now(UTC))
    feed = HttpFeed(ep.ingest, plan.ingest_token, items, options.rate)
    view = CaseView(ep.api, plan.api_token)
    officer = plan.officer(view.client)
    feed.start()
    try:
        with Live(
            view.render(feed.progress, len(items)), console=console, refresh_per_second=2
        ) as live:
            settle_until: float | None = None
            while True:
                time.sleep(1.0)
                officer.act()
                live.update(view.render(feed.progress, len(items)))
                if supervisor.failed():
                    raise RuntimeError(f"{supervisor.failed()[0].name} stopped; see its log")
                if options.exit_when_done and feed.progress.done:
                    settle_until = settle_until or time.monotonic() + 8
                    if time.monotonic() > settle_until:
                        break
    except KeyboardInterrupt:
        console.print("stopping…")
    finally:
        feed.stop()
        officer.close()
        summary = _summary(view, feed, plan.run, ep.database) | {"commands": officer.actions}
        view.close()
        codes = supervisor.stop()
    # One plain JSON line (no console wrapping), for people and scripts alike.
    console.line()
    print(json.dumps(summary | {"exit_codes": codes}, ensure_ascii=False), flush=True)
    for line in ep.lines():
        console.print(line, soft_wrap=True)
    return summary | {"exit_codes": codes}


def _summary(view: CaseView, feed: HttpFeed, run: str, database: str) -> dict[str, object]:
    try:
        total = view.client.get("/v1/cases", params={"limit": 1}).json().get("total")
    except Exception:
        total = None
    return {
        "run": run,
        "fed": feed.progress.sent,
        "answers": feed.progress.answered,
        "cases": total,
        "database": database,
    }
