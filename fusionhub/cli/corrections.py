"""``fusionhub cases merge | split`` (dispatcher corrections, sent to the command topic) and
``fusionhub cases corrections`` (their export as labels, read through the read API).

A merge or split is a case action like any other: it goes to ``{prefix}.commands`` keyed by
county, the worker applies it in log order or dead-letters it with the reason it was refused.
Sending returns once the broker has the command, not once the worker applied it; ``fusionhub
cases show`` tells. The export writes the JSON Lines of docs/corrections.md, which
``fusionhub tune --corrections FILE`` reads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from fusionhub.cli.api_access import api_client, call_api
from fusionhub.core.casebook import CaseAction
from fusionhub.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

# The agreed export line per action, key by key: the tuning command depends on exactly these.
EXPORT_KEYS = {
    "merge": ("action", "case_id", "into", "event_refs", "into_event_refs", "reason", "at"),
    "split": (
        "action",
        "case_id",
        "new_case_id",
        "event_refs_moved",
        "event_refs_kept",
        "reason",
        "at",
    ),
}


def export_line(item: dict[str, Any]) -> dict[str, Any]:
    """The export line of one ``GET /v1/corrections`` item (its other fields left out)."""
    return {key: item[key] for key in EXPORT_KEYS[item["action"]]}


def _action_options(command: F) -> F:
    command = click.option(
        "--command-id", help="Reuse an id to resend safely [default: a fresh one]."
    )(command)
    command = click.option("--actor", default="值班员", show_default=True, help="Who corrects.")(
        command
    )
    command = click.option("--reason", required=True, help="Why: kept with the case history.")(
        command
    )
    return click.option("--county", required=True, help="The cases' 6-digit county code.")(command)


def publish_action(settings: Settings, action: CaseAction) -> str:
    """Send ``action`` to the command topic keyed by its county and wait for the broker's ack;
    returns the topic. Raises kafka-python's ``KafkaError`` when the broker does not take it."""
    from fusionhub.bootstrap import Hub
    from fusionhub.serialization.actions import action_to_record
    from fusionhub.serialization.records import COMMAND_SUBJECT

    hub = Hub(settings)
    topic = hub.topics.commands
    value = hub.codec.encode(COMMAND_SUBJECT, action_to_record(action))
    producer = hub.clients.producer("commands", acks="all")
    try:
        key = (action.county_code or "").encode()
        producer.send(topic, value, key=key).get(timeout=30)
    finally:
        producer.close()
    return topic


def _send(settings: Settings, action: CaseAction) -> None:
    from kafka.errors import KafkaError

    try:
        topic = publish_action(settings, action)
    except KafkaError as exc:
        raise click.ClickException(f"the command topic did not take the command: {exc}") from exc
    click.echo(
        f"{action.action} {action.command_id} sent to {topic}; "
        f"the worker applies it or dead-letters it with the reason"
    )


@click.command("merge")
@click.argument("case_id")
@click.option("--into", "into", required=True, help="The case that keeps the reports.")
@_action_options
@click.pass_obj
def merge_case(settings: Settings, /, case_id: str, into: str, **given: Any) -> None:
    """Merge CASE_ID into another case (两案合并): its reports move there, it ends merged."""
    _send(settings, _action(case_id, "merge", given, into_case_id=into))


@click.command("split")
@click.argument("case_id")
@click.argument("event_refs", nargs=-1, required=True)
@_action_options
@click.pass_obj
def split_case(
    settings: Settings, /, case_id: str, event_refs: tuple[str, ...], **given: Any
) -> None:
    """Move EVENT_REFS (e.g. hotline:12345-…) out of CASE_ID into a new case of their own."""
    _send(settings, _action(case_id, "split", given, event_refs=event_refs))


def _action(case_id: str, name: str, given: dict[str, Any], **fields: Any) -> CaseAction:
    return CaseAction(
        command_id=given["command_id"] or f"{name}-{uuid.uuid4().hex}",
        case_id=case_id,
        action=name,
        actor=given["actor"],
        issued_at=datetime.now(UTC),
        note=given["reason"],
        county_code=given["county"],
        **fields,
    )


@click.command("corrections")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--county", help="Only this 6-digit county.")
@click.option("--from", "at_from", help="Issued at or after (2026-11-25 or ISO date-time).")
@click.option("--to", "at_to", help="Issued before (2026-11-26 or ISO date-time).")
@click.option("--url", help="Base URL of the read API [default: from settings].")
@click.option("--token", help="Bearer token [default: FUSIONHUB_API__TOKEN].")
@click.pass_obj
def export_corrections(
    settings: Settings, /, out: Path, url: str | None, token: str | None, **filters: str | None
) -> None:
    """Write every merge and split as JSON Lines (docs/corrections.md), oldest first."""
    client = api_client(settings, url, token)
    base = [(name, value) for name, value in filters.items() if value is not None]

    def page_at(offset: int) -> dict[str, Any]:
        return call_api(lambda: client.corrections([*base, ("offset", str(offset))]))

    def pages() -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = page_at(offset)
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return

    written = 0
    with out.open("w", encoding="utf-8") as fh:
        for item in pages():
            fh.write(json.dumps(export_line(item), ensure_ascii=False) + "\n")
            written += 1
    click.echo(f"{out}: {written} correction(s)", err=True)
