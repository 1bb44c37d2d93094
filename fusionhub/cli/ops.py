"""Operational commands: the worker, the registry server, keys."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from fusionhub.cli.needs import requires
from fusionhub.settings import Settings


@click.command()
@click.option("--loglevel", default="info", show_default=True)
@click.pass_obj
@requires("sealing_key")
def worker(settings: Settings, loglevel: str) -> None:
    """Run the stream processors until SIGTERM or Ctrl-C."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.worker import run_worker

    run_worker(Hub(settings), loglevel)


@click.group()
def registry() -> None:
    """The embedded schema registry."""


@registry.command("serve")
@click.pass_obj
@requires("registry_token")
def registry_serve(settings: Settings) -> None:
    """Serve schemas/ over Confluent's REST API on loopback, asking every request for
    FUSIONHUB_REGISTRY__SERVE_TOKEN (Bearer, or Basic with the token as password)."""
    from aiohttp import web

    from fusionhub.bootstrap import Hub
    from fusionhub.serialization import EmbeddedSchemaRegistry
    from fusionhub.serialization.server import registry_app

    reg = settings.registry
    hub = Hub(settings)
    # Departments publishing with Confluent's default subject names register under
    # "<topic>-value"; those subjects stand for the record subjects of the topics they name.
    aliases = hub.topics.value_subjects(hub.sources.raw_subjects())
    app = registry_app(EmbeddedSchemaRegistry(aliases=aliases), reg.require_serve_token())
    web.run_app(app, host=reg.serve_host, port=reg.serve_port, print=None)


@click.group()
def keys() -> None:
    """Secrets for a developer machine."""


DEMO_CENTRES = {
    "zhuji": {"name": "诸暨市社会治理中心", "county": "330681"},
    "fengqiao": {"name": "枫桥镇综治中心", "township": "330681109"},
    "market": {"name": "市场监管所", "department": "市场监管所", "county": "330681"},
}


@keys.command("init")
@click.option(
    "--env-file", type=click.Path(path_type=Path), default=Path(".env"), show_default=True
)
def keys_init(env_file: Path) -> None:
    """Write fresh keys to an untracked .env file, keeping any already there."""
    from fusionhub.serialization.deadletter import new_sealing_key

    existing = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    wanted = {
        "FUSIONHUB_SECRETS__PII_KEY": secrets.token_urlsafe(32),
        "FUSIONHUB_SECRETS__SEALING_KEY": new_sealing_key(),
        "FUSIONHUB_INGEST__TOKEN": secrets.token_urlsafe(24),
        "FUSIONHUB_API__TOKEN": secrets.token_urlsafe(24),
        "FUSIONHUB_REGISTRY__SERVE_TOKEN": secrets.token_urlsafe(24),
    }
    # A demo set of command centres in the demo's first county (诸暨市): edit or replace them
    # with your own; each gets a token of its own.
    for key, fields in DEMO_CENTRES.items():
        prefix = f"FUSIONHUB_API__CENTRES__{key.upper()}__"
        if f"{prefix}TOKEN=" not in existing:
            wanted |= {prefix + name.upper(): value for name, value in fields.items()}
            wanted[prefix + "TOKEN"] = secrets.token_urlsafe(24)
    added = [f"{k}={v}\n" for k, v in wanted.items() if f"{k}=" not in existing]
    if added:
        with env_file.open("a", encoding="utf-8") as fh:
            fh.writelines(added)
        env_file.chmod(0o600)
    click.echo(f"{env_file}: {len(added)} key(s) added, {len(wanted) - len(added)} kept")


@click.command()
@click.pass_obj
@requires("sealing_key")
def sink(settings: Settings) -> None:
    """Store cases and events in the database until SIGTERM or Ctrl-C."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.sink import run_sink

    run_sink(Hub(settings))
