"""``fusionhub demo``: the whole hub on this machine, fed with simulated reports, watched live."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.live import Live

from fusionhub.paths import ensure_dir
from fusionhub.runtime.feed import HttpFeed, load_feed
from fusionhub.runtime.operator import DutyOfficer
from fusionhub.runtime.up import check_configuration, endpoints, prepare, start_services
from fusionhub.runtime.view import CaseView
from fusionhub.settings import CentreSettings, Settings
from fusionhub.sim.writer import simulate
from fusionhub.streams.topics import TopicNames
from fusionhub.wiring import build_codec


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


def demo_settings(settings: Settings, run: str, folder: Path) -> tuple[Settings, dict[str, str]]:
    """Settings of one demo run (its own topics, database and consumer groups), and the
    environment its child services need to see the same."""
    db_url = f"sqlite:///{settings.data_dir / 'demo' / f'{run}.db'}"
    env = dict(os.environ)
    env.update(
        {
            "FUSIONHUB_TOPIC_PREFIX": run,
            "FUSIONHUB_STREAMS__APP_ID": run,
            "FUSIONHUB_DATABASE__URL": db_url,
            "FUSIONHUB_INGEST__CAMERAS_CSV": str(folder / "cameras.csv"),
        }
    )
    updated = settings.model_copy(
        update={
            "topic_prefix": run,
            "streams": settings.streams.model_copy(update={"app_id": run}),
            "database": settings.database.model_copy(update={"url": db_url}),
        }
    )
    return updated, env


def run_demo(settings: Settings, options: DemoOptions, console: Console) -> dict[str, object]:
    """Simulate, start everything, feed it, show it; returns the final counts."""
    check_configuration(settings)
    run = "demo" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    folder = ensure_dir(settings.data_dir / "demo" / run, "FUSIONHUB_DATA_DIR")
    seed = options.seed if options.seed is not None else int(time.time()) % 100_000
    simulate(folder, seed, options.events, days=2, start=demo_start(datetime.now(UTC)))
    settings, env = demo_settings(settings, run, folder)
    for line in console_lines(settings):
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    console.print(f"[bold]fusionhub demo[/] {run}: starting the broker and the services…")
    prepare(settings, start_broker=True)
    supervisor = start_services(settings, env)
    ep = endpoints(settings)
    for line in ep.lines():
        console.print(line, soft_wrap=True)
    items = load_feed(folder, until=datetime.now(UTC))
    token = settings.ingest.token_for("grid") or ""
    feed = HttpFeed(ep.ingest, token, items, options.rate)
    view = CaseView(ep.api, settings.api.token.get_secret_value() if settings.api.token else "")
    officer = DutyOfficer(
        view.client, settings.kafka_bootstrap, TopicNames(run).commands, build_codec(settings), seed
    )
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
        summary = _summary(view, feed, run, ep.database) | {"commands": officer.actions}
        view.close()
        codes = supervisor.stop()
    # One plain JSON line (no console wrapping), for people and scripts alike.
    console.line()
    print(json.dumps(summary | {"exit_codes": codes}, ensure_ascii=False), flush=True)
    for line in ep.lines():
        console.print(line, soft_wrap=True)
    return summary | {"exit_codes": codes}


def console_lines(settings: Settings) -> list[str]:
    """What the demo says first: where the console is and the tokens to sign in with (the
    demo's own, from ./.env; the county's first, it sees the most of a county's work)."""
    if not settings.console.enabled:
        return []
    lines = [f"console         http://{settings.console.host}:{settings.console.port}/"]
    for key, centre in sorted(settings.api.centres.items(), key=lambda kv: _reach_order(kv[1])):
        reach = centre.township or centre.department or centre.county or ""
        token = centre.token.get_secret_value()
        lines.append(f"  token  {centre.name} ({reach}): {token}   [{key}]")
    if settings.api.token is not None:
        lines.append(
            f"  token  province-wide (every county): {settings.api.token.get_secret_value()}"
        )
    return lines


def _reach_order(centre: CentreSettings) -> int:
    return 0 if centre.township is None and centre.department is None else 1


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
