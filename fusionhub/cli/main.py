"""The ``fusionhub`` command. Settings are read here, once, and passed down."""

from __future__ import annotations

import sys

import click

from fusionhub.cli.batch import evaluate_cmd, replay_cmd, simulate_cmd
from fusionhub.cli.bench import bench
from fusionhub.cli.broker import broker
from fusionhub.cli.cases import api, cases
from fusionhub.cli.ingest import ingest, ingest_api, ingest_raw
from fusionhub.cli.ops import keys, registry, sink, worker
from fusionhub.cli.tail import deadletter, tail_cmd
from fusionhub.cli.topics import topics
from fusionhub.cli.tune import tune_cmd
from fusionhub.cli.up import demo, up
from fusionhub.native import staleness
from fusionhub.settings import ConfigurationError, load_settings


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """fusionhub: one case per incident, whichever systems reported it."""
    problem = staleness()
    if problem:
        # Old compiled code would run instead of the edited sources: say so before anything.
        click.echo(f"warning: {problem}", err=True)
    ctx.obj = load_settings()


cli.add_command(broker)
cli.add_command(worker)
cli.add_command(sink)
cli.add_command(up)
cli.add_command(demo)
cli.add_command(bench)
cli.add_command(registry)
cli.add_command(keys)
cli.add_command(ingest)
cli.add_command(ingest_api)
cli.add_command(ingest_raw)
cli.add_command(replay_cmd)
cli.add_command(simulate_cmd)
cli.add_command(evaluate_cmd)
cli.add_command(tune_cmd)
cli.add_command(cases)
cli.add_command(api)
cli.add_command(topics)
cli.add_command(tail_cmd)
cli.add_command(deadletter)


def main() -> None:
    """Console entry point (also ``python -m fusionhub``).

    A missing or unusable setting is one line on stderr naming it, and exit status 2, as for a
    bad option: the user has something to change, not a bug to report.
    """
    try:
        cli()
    except ConfigurationError as exc:
        click.echo(f"fusionhub: {exc}", err=True)
        sys.exit(2)
