"""``fusionhub tail TOPIC`` and ``fusionhub deadletter show``: topics read back as JSON Lines."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import click

from fusionhub.cli.needs import requires
from fusionhub.settings import Settings


def _open_tail(settings: Settings, topic: str, from_beginning: bool, county: str | None) -> Any:
    """A ``TopicTail`` on ``topic`` (a full name, or one of the table's names without the
    prefix: ``events``, ``cases.county.330681``); a missing topic is a usage error."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bus.topics import spec_of
    from fusionhub.streams.tail import TopicMissingError, TopicTail

    prefixed = f"{settings.topic_prefix}.{topic}"
    if spec_of(topic) is None and spec_of(prefixed) is not None:
        topic = prefixed
    hub = Hub(settings)
    try:
        return TopicTail(
            hub.clients, topic, hub.codec, from_beginning=from_beginning, county=county
        )
    except TopicMissingError as exc:
        raise click.UsageError(str(exc)) from None


def _until_interrupted(tail: Any, exit_at_end: bool) -> Iterator[dict[str, Any]]:
    """The tail's records until Ctrl-C or SIGTERM (or the end, with ``exit_at_end``)."""
    stopping = {"now": False}

    def stop(*_: object) -> None:
        stopping["now"] = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    yield from tail.records(exit_at_end=exit_at_end, stop=lambda: stopping["now"])


@click.command("tail")
@click.argument("topic")
@click.option("--from-beginning", is_flag=True, help="Start at the oldest record, not the end.")
@click.option("--county", default=None, help="Only records of this county (6-digit code).")
@click.option(
    "-e", "--exit-at-end", is_flag=True, help="Stop once every partition is read to its end."
)
@click.pass_obj
def tail_cmd(
    settings: Settings, topic: str, from_beginning: bool, county: str | None, exit_at_end: bool
) -> None:
    """Print a topic's records as JSON Lines, decoded through the schema registry.

    One line per record: topic, partition, offset, timestamp, key, subject and the decoded
    value (times in ISO 8601, bytes in base64). Dead-letter originals stay sealed.
    """
    from fusionhub.serialization.jsonview import json_line

    tail = _open_tail(settings, topic, from_beginning, county)
    for record in _until_interrupted(tail, exit_at_end):
        click.echo(json_line(record))


@click.group()
def deadletter() -> None:
    """Dead letters: what could not be used, and why."""


@deadletter.command("show")
@click.option("--source", default=None, help="Only dead letters of this source.")
@click.option("--id", "source_id", default=None, help="Only the dead letters of this id.")
@click.option("--follow", is_flag=True, help="Keep waiting for new dead letters.")
@click.pass_obj
@requires("sealing_key")
def deadletter_show(
    settings: Settings, source: str | None, source_id: str | None, follow: bool
) -> None:
    """Print dead letters as JSON Lines with their originals opened.

    The originals may hold phone and ID-card numbers in clear: they are opened with
    FUSIONHUB_SECRETS__SEALING_KEY, so only a holder of that key sees them.
    """
    from fusionhub.bootstrap import Hub
    from fusionhub.serialization.jsonview import json_line

    hub = Hub(settings)
    letters = hub.dead_letters()
    tail = _open_tail(settings, hub.topics.dead_letter, True, None)
    for record in _until_interrupted(tail, exit_at_end=not follow):
        value = record.get("value") or {}
        if source is not None and value.get("source") != source:
            continue
        if source_id is not None and value.get("source_id") != source_id:
            continue
        if "original_sealed" in value:
            value.update(_opened(letters, value.pop("original_sealed")))
        click.echo(json_line(record))


def _opened(letters: Any, sealed: bytes) -> dict[str, str]:
    """The original as text (UTF-8, or GB18030 as GB/T 28181 XML may be), else in base64."""
    import base64

    from cryptography.fernet import InvalidToken

    try:
        original: bytes = letters.open(sealed)
    except InvalidToken:
        return {"original_error": "FUSIONHUB_SECRETS__SEALING_KEY does not open this original"}
    for encoding in ("utf-8", "gb18030"):
        try:
            return {"original": original.decode(encoding)}
        except UnicodeDecodeError:
            continue
    return {"original_base64": base64.b64encode(original).decode("ascii")}
