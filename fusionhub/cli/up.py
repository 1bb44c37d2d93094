"""``fusionhub up`` and ``fusionhub demo``."""

from __future__ import annotations

import signal
import sys
import threading

import click

from fusionhub.cli.needs import requires
from fusionhub.settings import EVERY_NEED, Settings


@click.command("up")
@click.option(
    "--broker/--no-broker",
    default=True,
    show_default=True,
    help="Start the local Kafka broker when no bootstrap servers are configured.",
)
@click.pass_obj
@requires(*EVERY_NEED)
def up(settings: Settings, broker: bool) -> None:
    """Run every service (worker, sink, ingest API, read API) until Ctrl-C."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.runtime import endpoints, prepare, start_hub_services
    from fusionhub.runtime.readiness import StartupError

    hub = Hub(settings)
    try:
        prepare(hub, start_broker=broker)
        supervisor = start_hub_services(hub)
    except (ValueError, StartupError) as exc:
        click.echo(f"fusionhub up: {exc}", err=True)
        sys.exit(1)
    for line in endpoints(hub).lines():
        click.echo(line)
    click.echo(f"logs            {settings.data_dir / 'logs'}   (Ctrl-C stops everything)")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1.0):
        if supervisor.failed():
            click.echo(f"{supervisor.failed()[0].name} stopped; stopping the rest", err=True)
            break
    codes = supervisor.stop()
    sys.exit(0 if all(c == 0 for c in codes.values()) and stop.is_set() else 1)


@click.command("demo")
@click.option("--events", default=2000, show_default=True, help="Simulated reports to feed.")
@click.option("--rate", default=40.0, show_default=True, help="Reports per second.")
@click.option("--seed", type=int, default=None, help="Simulator seed (default: new each run).")
@click.option("--exit-when-done", is_flag=True, help="Stop once every report is in.")
@click.pass_obj
@requires(*EVERY_NEED)
def demo(
    settings: Settings, events: int, rate: float, seed: int | None, exit_when_done: bool
) -> None:
    """Start everything, feed simulated reports over HTTP, show cases forming live."""
    from rich.console import Console

    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.runtime import run_demo
    from fusionhub.runtime.demo import DemoOptions

    try:
        run_demo(Hub(settings), DemoOptions(events, rate, seed, exit_when_done), Console())
    except ValueError as exc:
        click.echo(f"fusionhub demo: {exc}", err=True)
        sys.exit(1)
