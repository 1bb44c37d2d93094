"""``fusionhub broker start | stop | status | logs``."""

from __future__ import annotations

import sys

import click

from fusionhub.broker.distribution import DistributionError
from fusionhub.broker.launcher import BrokerError, LocalKafkaBroker
from fusionhub.settings import Settings


@click.group()
def broker() -> None:
    """The local Kafka broker (KRaft, one node, loopback only)."""


@broker.command()
@click.pass_obj
def start(settings: Settings) -> None:
    """Start the broker; returns when it answers. A no-op when it already runs."""
    launcher = LocalKafkaBroker(settings.broker)
    was_running = launcher.status().running
    try:
        status = launcher.start()
    except (BrokerError, DistributionError) as exc:
        click.echo(f"broker did not start: {exc}", err=True)
        sys.exit(1)
    verb = "already running" if was_running else "started"
    click.echo(f"broker {verb}: {status.bootstrap} (pid {status.pid})")


@broker.command()
@click.pass_obj
def stop(settings: Settings) -> None:
    """Stop the broker cleanly and free its ports."""
    try:
        stopped = LocalKafkaBroker(settings.broker).stop()
    except BrokerError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo("broker stopped" if stopped else "broker was not running")


@broker.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Whether the broker runs and answers; exit 1 when it does not."""
    st = LocalKafkaBroker(settings.broker).status()
    state = "answering" if st.answering else ("running, not answering" if st.running else "stopped")
    click.echo(f"broker {state}: {st.bootstrap}" + (f" (pid {st.pid})" if st.pid else ""))
    sys.exit(0 if st.answering else 1)


@broker.command()
@click.option("-n", "--lines", default=50, show_default=True)
@click.pass_obj
def logs(settings: Settings, lines: int) -> None:
    """The last lines of the broker log."""
    click.echo(LocalKafkaBroker(settings.broker).logs(lines))
