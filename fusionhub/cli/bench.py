"""``fusionhub bench correlate | ingest | hub | api``: benchmarks that print one JSON line each.

Both use the configured broker; when nothing answers there and no external
``bootstrap_servers`` is configured, they start the local broker and stop it afterwards.
Without keys in the environment they generate throwaway ones: nothing they write is kept.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from pydantic import SecretStr

from fusionhub.cli.needs import context_settings
from fusionhub.settings import SecretSettings, Settings


@click.group()
def bench() -> None:
    """Benchmarks; run them on an otherwise idle machine."""


def _bench_settings(ctx: click.Context) -> Settings:
    settings = context_settings(ctx)
    if settings.secrets.pii_key is not None and settings.secrets.sealing_key is not None:
        return settings
    from cryptography.fernet import Fernet

    keys = SecretSettings(
        pii_key=settings.secrets.pii_key or SecretStr(secrets.token_urlsafe(32)),
        sealing_key=settings.secrets.sealing_key or SecretStr(Fernet.generate_key().decode()),
    )
    return settings.model_copy(update={"secrets": keys})


@contextmanager
def _broker(settings: Settings) -> Iterator[None]:
    """The configured broker, started (and stopped after) when it is the local one and down."""
    from fusionhub.broker.launcher import broker_answers

    if broker_answers(settings.kafka_bootstrap):
        yield
        return
    if settings.bootstrap_servers:
        raise click.ClickException(f"no Kafka broker answers at {settings.bootstrap_servers}")
    from fusionhub.broker.launcher import LocalKafkaBroker

    launcher = LocalKafkaBroker(settings.broker)
    launcher.start()
    try:
        yield
    finally:
        launcher.stop()


@bench.command("correlate")
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    help="Open-case backlogs for the engine, comma-separated.",
)
@click.option("--quick", is_flag=True, help="Engine backlogs of 10k and 100k only.")
@click.option("--events", default=5000, show_default=True, help="Timed events per engine run.")
@click.option(
    "--stream-events", default=30000, show_default=True, help="Simulated records for the stream."
)
@click.option("--rounds", default=3, show_default=True, help="Worker vs pass-through rounds.")
@click.option("--latency-seconds", default=15.0, show_default=True, help="Paced phase length.")
@click.option(
    "--part", type=click.Choice(["all", "engine", "stream"]), default="all", show_default=True
)
@click.pass_context
def correlate_cmd(
    ctx: click.Context,
    *,
    sizes: str,
    quick: bool,
    events: int,
    stream_events: int,
    rounds: int,
    latency_seconds: float,
    part: str,
) -> None:
    """The engine at growing backlogs, then the Faust worker against an aiokafka pass-through.

    The default run takes about five minutes, most of it pre-filling a million cases.
    """
    from fusionhub.bench.correlate import QUICK_SIZES, engine_figures, stream_figures
    from fusionhub.bench.stream import prepare_events
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.bench import StreamPhases

    try:
        backlogs = QUICK_SIZES if quick else tuple(int(s) for s in sizes.split(",") if s.strip())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sizes") from exc
    settings = _bench_settings(ctx)
    result: dict[str, object] = {"bench": "correlate"}
    if part in ("all", "engine"):
        result["engine"] = engine_figures(backlogs, events)
    if part in ("all", "stream"):
        with _broker(settings):
            phases = StreamPhases(Hub(settings))
            events_in = prepare_events(phases.pipeline_for, phases.hub.codec, stream_events)
            result["stream"] = stream_figures(
                phases.new_phase, events_in, rounds, latency_seconds, phases.drop_all
            )
    click.echo(json.dumps(result, ensure_ascii=False))


@bench.command("recovery")
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    help="Records of history in the partition's log, comma-separated.",
)
@click.option(
    "--live", default=5000, show_default=True, help="Records after the last standby copy."
)
@click.option("--per-day", default=4000, show_default=True, help="Reports a day in the partition.")
@click.pass_context
def recovery_cmd(ctx: click.Context, sizes: str, live: int, per_day: int) -> None:
    """A second worker taking a partition over after the first is killed with SIGKILL, by
    history size; the cases after the takeover against an uninterrupted run.

    The default run takes about half an hour, most of it working through a million records.
    """
    from fusionhub.bench.recovery import bench_recovery
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.bench import recovery_runs

    try:
        histories = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sizes") from exc
    settings = _bench_settings(ctx)
    with _broker(settings), tempfile.TemporaryDirectory(prefix="fusionhub-bench-") as work:
        runs = recovery_runs(Hub(settings))
        every = settings.streams.snapshot_every_records
        result = bench_recovery(runs, Path(work), histories, live, per_day, snapshot_every=every)
    click.echo(json.dumps(result, ensure_ascii=False))


@bench.command("ingest")
@click.option("--events", default=20000, show_default=True, help="Simulated source records.")
@click.option("--rounds", default=3, show_default=True, help="Connector vs raw rounds.")
@click.option("--seed", default=7, show_default=True)
@click.pass_context
def ingest_cmd(ctx: click.Context, events: int, rounds: int, seed: int) -> None:
    """The connector path against kafka-python producing the same bytes, on a simulated feed."""
    from fusionhub.bench.ingest import bench_ingest
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.bench import ingest_runs
    from fusionhub.sim.writer import simulate

    settings = _bench_settings(ctx)
    with _broker(settings), tempfile.TemporaryDirectory(prefix="fusionhub-bench-") as tmp:
        folder = Path(tmp)
        simulate(folder, seed, events)
        result = bench_ingest(ingest_runs(Hub(settings)), folder, rounds)
    click.echo(json.dumps(result, ensure_ascii=False))


@bench.command("hub")
@click.option("--events", default=3000, show_default=True, help="Simulated reports per phase.")
@click.option("--clients", default=8, show_default=True, help="Concurrent HTTP clients.")
@click.pass_context
def hub_cmd(ctx: click.Context, events: int, clients: int) -> None:
    """The whole hub (HTTP ingest to case stored) against the sink alone, and the end-to-end
    latency at half the hub's rate. Uses the default service ports: stop `fusionhub up` first."""
    from fusionhub.bench.hub import bench_hub
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.bench import hub_run

    settings = _bench_settings(ctx)
    with _broker(settings), tempfile.TemporaryDirectory(prefix="fusionhub-bench-") as tmp:
        work = Path(tmp)
        result = bench_hub(hub_run(Hub(settings), work), work, events=events, clients=clients)
    click.echo(json.dumps(result, ensure_ascii=False))


@bench.command("api")
@click.option("--cases", default=100_000, show_default=True, help="Cases in the store.")
@click.option("--requests", default=100, show_default=True, help="Timed requests per read.")
@click.option(
    "--pg-url",
    help="An empty PostgreSQL database to fill [default: a throwaway cluster from Debian's "
    "postgresql-15, as the tests use].",
)
@click.option(
    "--backend",
    "backends",
    type=click.Choice(["sqlite", "postgresql"]),
    multiple=True,
    default=("sqlite", "postgresql"),
    show_default=True,
)
def api_cmd(cases: int, requests: int, pg_url: str | None, backends: tuple[str, ...]) -> None:
    """The console's reads (board, case list, deep pages, statistics) with a full store, on
    SQLite and PostgreSQL: p50/p95 in milliseconds. Needs no broker and no secret."""
    from fusionhub.bench.api import bench_api
    from fusionhub.bench.pgcluster import PostgresUnavailableError
    from fusionhub.bootstrap.bench import api_app

    try:
        with tempfile.TemporaryDirectory(prefix="fusionhub-bench-api-") as tmp:
            result = bench_api(api_app(Path(tmp)), cases, requests, pg_url, backends)
    except PostgresUnavailableError as exc:
        raise click.ClickException(f"no PostgreSQL to measure: {exc}; or pass --pg-url") from exc
    click.echo(json.dumps(result, ensure_ascii=False))


@bench.command("floor-agent", hidden=True)
@click.argument("target")
@click.pass_context
def floor_agent_cmd(ctx: click.Context, target: str) -> None:
    """The Faust floor contender's child process: copies the event log to TARGET."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.bench import floor_app
    from fusionhub.streams.worker import run_app

    run_app(floor_app(Hub(context_settings(ctx)), target), "warning")


@bench.command("output-floor-agent", hidden=True)
@click.argument("prefix")
@click.pass_context
def output_floor_agent_cmd(ctx: click.Context, prefix: str) -> None:
    """The output floor contender's child process: publishes, for each record of the event
    log, the case states the worker would (worked out before it starts) to the case topics
    under PREFIX."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.bench import output_floor_app
    from fusionhub.streams.worker import run_app

    run_app(output_floor_app(Hub(context_settings(ctx)), prefix), "warning")
