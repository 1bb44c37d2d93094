"""``fusionhub up`` and ``fusionhub demo``, built: where each service answers, what must exist
before they start, and the demo's run of its own."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from rich.console import Console

from fusionhub.bootstrap.hub import Hub
from fusionhub.broker.launcher import LocalKafkaBroker
from fusionhub.paths import ensure_dir
from fusionhub.runtime.demo import DemoOptions, DemoPlan
from fusionhub.runtime.operator import DutyOfficer
from fusionhub.runtime.supervisor import Supervisor
from fusionhub.runtime.up import Endpoints, start_services
from fusionhub.settings import EVERY_NEED, CentreSettings, Settings


def endpoints(hub: Hub) -> Endpoints:
    """Where each service of ``hub`` answers."""
    settings = hub.settings
    m = settings.metrics
    console = settings.console
    return Endpoints(
        ingest=f"http://{settings.ingest.host}:{settings.ingest.port}",
        api=f"http://{settings.api.host}:{settings.api.port}",
        worker_metrics=f"http://{settings.streams.web_host}:{settings.streams.web_port}/metrics",
        sink_metrics=f"http://{m.host}:{m.sink_port}/metrics",
        database=settings.database.resolved_url(settings.data_dir),
        console=f"http://{console.host}:{console.port}" if console.enabled else None,
        sources=hub.sources.names,
    )


def check_configuration(hub: Hub) -> None:
    """Fail early, naming the setting (``ConfigurationError``), rather than have a service die
    on start."""
    hub.settings.require(*EVERY_NEED)


def prepare(hub: Hub, start_broker: bool) -> None:
    """Broker up (when local), topics created with their partitions, database migrated."""
    from fusionhub.bootstrap.ingest import prepare_ingest_topics
    from fusionhub.sinks.database import migrate

    settings = hub.settings
    if start_broker and settings.bootstrap_servers is None:
        LocalKafkaBroker(settings.broker).start()
    hub.topic_plan.ensure()  # the worker's topics, its state topic among them
    prepare_ingest_topics(hub)
    # The SQLite file's folder is created by the engine (fusionhub.sinks.database).
    migrate(settings.database.resolved_url(settings.data_dir))


def start_hub_services(hub: Hub, env: Mapping[str, str] | None = None) -> Supervisor:
    """Start the four services of ``hub`` (logs under ``data_dir/logs``) and wait for each."""
    logs = hub.settings.data_dir / "logs"
    return start_services(logs, env if env is not None else dict(os.environ), endpoints(hub))


def demo_hub(hub: Hub, run: str, cameras_csv: str) -> tuple[Hub, dict[str, str]]:
    """The hub of one demo run (its own topics, database and consumer groups), and the
    environment its child services need to see the same."""
    settings = hub.settings
    db_url = f"sqlite:///{settings.data_dir / 'demo' / f'{run}.db'}"
    env = dict(os.environ)
    env.update(
        {
            "FUSIONHUB_TOPIC_PREFIX": run,
            "FUSIONHUB_STREAMS__APP_ID": run,
            "FUSIONHUB_DATABASE__URL": db_url,
            "FUSIONHUB_INGEST__CAMERAS_CSV": cameras_csv,
        }
    )
    run_hub = hub.with_settings(
        topic_prefix=run,
        streams=settings.streams.model_copy(update={"app_id": run}),
        database=settings.database.model_copy(update={"url": db_url}),
    )
    return run_hub, env


def demo_plan(hub: Hub, options: DemoOptions) -> DemoPlan:
    """Everything ``fusionhub demo`` runs with, resolved from the settings."""
    check_configuration(hub)
    run = "demo" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    folder = ensure_dir(hub.settings.data_dir / "demo" / run, "FUSIONHUB_DATA_DIR")
    seed = options.seed if options.seed is not None else int(time.time()) % 100_000
    run_hub, env = demo_hub(hub, run, str(folder / "cameras.csv"))
    settings = run_hub.settings
    api_token = settings.api.token.get_secret_value() if settings.api.token else ""
    return DemoPlan(
        run=run,
        folder=folder,
        seed=seed,
        intro=console_lines(settings),
        endpoints=endpoints(run_hub),
        ingest_token=settings.ingest.token_for("grid") or "",
        api_token=api_token,
        prepare=lambda: prepare(run_hub, start_broker=True),
        start=lambda: start_hub_services(run_hub, env),
        officer=lambda api: DutyOfficer(
            api, run_hub.clients, run_hub.topics.commands, run_hub.codec, seed
        ),
    )


def run_demo(hub: Hub, options: DemoOptions, console: Console) -> dict[str, object]:
    """``fusionhub demo``: see ``fusionhub.runtime.demo.run_demo``."""
    from fusionhub.runtime.demo import run_demo as run

    return run(demo_plan(hub, options), options, console)


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
