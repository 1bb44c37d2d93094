"""``fusionhub ingest SOURCE PATH``, ``fusionhub ingest-api`` and ``fusionhub ingest-raw``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fusionhub.cli.needs import requires
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Source
from fusionhub.settings import Settings

SOURCES = click.Choice(load_sources().names)


@click.command("ingest")
@click.argument("source", type=SOURCES)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--chunk", default=500, show_default=True, help="Lines (or XML files) per acknowledged batch."
)
@click.pass_obj
@requires("pii_key", "sealing_key")
def ingest(settings: Settings, source: str, path: Path, chunk: int) -> None:
    """Ingest a JSON Lines file (grid, hotline, petition) or a folder of XML alarms (video)."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.ingest import file_ingest
    from fusionhub.ingest.files import ingest_files, input_files, total_bytes

    src = Source(source)
    try:
        files = input_files(src, path)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    with (
        file_ingest(Hub(settings)) as chunked,
        click.progressbar(
            length=total_bytes(files), label=f"{source} {path}", file=sys.stderr
        ) as bar,
    ):
        report = ingest_files(chunked, src, files, chunk_lines=chunk, progress=bar.update)
    click.echo(json.dumps({"source": source, **report.summary()}))


@click.command("ingest-api")
@click.pass_obj
@requires("pii_key", "sealing_key", "ingest_token")
def ingest_api(settings: Settings) -> None:
    """Run the HTTP ingest API (and its /metrics) until Ctrl-C."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.ingest import serve_ingest_api

    serve_ingest_api(Hub(settings))


@click.command("ingest-raw")
@click.pass_obj
@requires("pii_key", "sealing_key")
def ingest_raw(settings: Settings) -> None:
    """Move source-native Avro records from the raw topics into the event log, until Ctrl-C."""
    import signal
    import threading

    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.ingest import run_ingest_raw

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    report = run_ingest_raw(Hub(settings), stop)
    click.echo(json.dumps(report.summary()))
