"""``fusionhub cases list|show|stats`` (clients of the read API) and ``fusionhub api`` (serves it);
the group also holds ``merge``, ``split`` and ``corrections`` (``fusionhub.cli.corrections``).

The clients talk HTTP to a running API: its address and token come from ``settings.api`` unless
``--url``/``--token`` say otherwise. Filter values are passed through as given; the API checks
them and its per-parameter messages are shown as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from fusionhub.cli.api_access import api_client, call_api
from fusionhub.cli.needs import context_settings, requires
from fusionhub.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def _connection_options(command: F) -> F:
    command = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")(command)
    command = click.option("--token", help="Bearer token [default: FUSIONHUB_API__TOKEN].")(command)
    return click.option("--url", help="Base URL of the read API [default: from settings].")(command)


def _show(answer: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], str]) -> None:
    text = json.dumps(answer, ensure_ascii=False, indent=2) if as_json else render(answer)
    click.echo(text)


@click.group()
@click.pass_context
def cases(ctx: click.Context) -> None:
    """Look at cases through the command-centre read API; merge and split them."""
    context_settings(ctx)


@cases.command("list")
@click.option("--county", multiple=True, help="6-digit county code (repeatable).")
@click.option("--township", multiple=True, help="9-digit township code (repeatable).")
@click.option("--status", multiple=True, help="new, dispatched, in_progress, … (repeatable).")
@click.option("--platform", multiple=True, help="综治工作, 市场监管, … (repeatable).")
@click.option("--priority", multiple=True, help="1 (highest) to 4 (repeatable).")
@click.option("--from", "opened_from", help="Opened at or after (2026-11-25 or ISO date-time).")
@click.option("--to", "opened_to", help="Opened before (2026-11-26 or ISO date-time).")
@click.option("--sort", help="opened (default) or updated; newest first either way.")
@click.option("--limit", default="20", show_default=True, help="Cases per page.")
@click.option("--offset", default="0", show_default=True, help="Cases to skip.")
@_connection_options
@click.pass_obj
def list_cases(
    settings: Settings, /, url: str | None, token: str | None, as_json: bool, **filters: Any
) -> None:
    """Cases matching the filters, newest first, as a table."""
    from fusionhub.api.text import case_page_text

    params: list[tuple[str, str]] = []
    for name, given in filters.items():
        values = given if isinstance(given, tuple) else (given,)
        params.extend((name, str(v)) for v in values if v is not None)
    client = api_client(settings, url, token)
    _show(call_api(lambda: client.list_cases(params)), as_json, case_page_text)


@cases.command("show")
@click.argument("case_id")
@_connection_options
@click.pass_obj
def show_case(
    settings: Settings, case_id: str, url: str | None, token: str | None, as_json: bool
) -> None:
    """One case with its timeline and its reports (with the score that joined each)."""
    from fusionhub.api.text import case_text

    client = api_client(settings, url, token)
    _show(call_api(lambda: client.get_case(case_id)), as_json, case_text)


@cases.command("stats")
@click.option("--county", help="Only this 6-digit county.")
@_connection_options
@click.pass_obj
def township_stats(
    settings: Settings, county: str | None, url: str | None, token: str | None, as_json: bool
) -> None:
    """How many cases each township has in each status."""
    from fusionhub.api.text import township_counts_text

    client = api_client(settings, url, token)
    _show(call_api(lambda: client.township_counts(county)), as_json, township_counts_text)


@click.command("api")
@click.pass_context
@requires("api_token")
def api(ctx: click.Context) -> None:
    """Run the command-centre read API until Ctrl-C (address and token from settings.api)."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.api import serve_api

    serve_api(Hub(context_settings(ctx)))


# Registered here, not in corrections.py, so that the group is complete wherever it is used.
from fusionhub.cli.corrections import export_corrections, merge_case, split_case  # noqa: E402

for _command in (merge_case, split_case, export_corrections):
    cases.add_command(_command)
