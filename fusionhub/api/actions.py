"""Case actions from the console (accept, dispatch, progress, resolve, close, reopen, escalate,
merge, split): checked, published to the command topic like every other publisher's, and
answered with what the worker made of them.

The body is checked here (``parse_action``), the reach by the route (``Centre``), the rest by
the worker, which applies the action in log order or refuses it with a reason.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from fusionhub.api.params import FieldProblem, ParamError
from fusionhub.bus.clients import KafkaClients
from fusionhub.connectors.registry import load_sources
from fusionhub.core.casebook import ACTIONS, CaseAction
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.actions import action_to_record
from fusionhub.serialization.records import COMMAND_SUBJECT

MAX_NOTE_CHARS = 500
MAX_NAME_CHARS = 60
MAX_SPLIT_REFS = 200
# A report ref: SOURCE:ID of a registered source.
_REF = re.compile("(" + "|".join(load_sources().names) + r"):\S{1,150}")
_CASE_ID = re.compile(r"\S{1,200}")
# The field each action cannot do without, as the worker requires it (core.casebook).
REQUIRED = {
    "dispatch": "department",
    "close": "evaluation",
    "merge": "into_case_id",
    "split": "event_refs",
}
_NOTE_REQUIRED = frozenset({"merge", "split"})


@dataclass(frozen=True)
class ActionRequest:
    """A checked action body: the action and the fields it carries."""

    action: str
    department: str | None = None
    note: str | None = None
    evaluation: str | None = None
    into_case_id: str | None = None
    event_refs: tuple[str, ...] = ()


def parse_action(body: Any) -> ActionRequest:
    """Check the JSON body of ``POST /v1/cases/{case_id}/actions``.

    Called by the route for every action. Raises ``ParamError`` naming every wrong field, so a
    page can mark them all; what only the case's state decides is left to the worker.
    """
    if not isinstance(body, dict):
        raise ParamError([FieldProblem("body", "send a JSON object")])
    problems: list[FieldProblem] = []
    known = {"action", "department", "note", "evaluation", "into_case_id", "event_refs"}
    problems += [FieldProblem(k, "unknown field") for k in body if k not in known]
    action = body.get("action")
    if action not in ACTIONS:
        problems.append(FieldProblem("action", f"{action!r} is not one of {', '.join(ACTIONS)}"))
    texts = {
        name: _text(body, name, limit, problems)
        for name, limit in (
            ("department", MAX_NAME_CHARS),
            ("note", MAX_NOTE_CHARS),
            ("evaluation", MAX_NAME_CHARS),
            ("into_case_id", 200),
        )
    }
    refs = _refs(body.get("event_refs", []), problems)
    if texts["into_case_id"] is not None and not _CASE_ID.fullmatch(texts["into_case_id"]):
        problems.append(FieldProblem("into_case_id", "a case id has no spaces"))
    required = REQUIRED.get(str(action))
    if required and not (refs if required == "event_refs" else texts[required]):
        problems.append(FieldProblem(required, f"{action} needs it"))
    if action in _NOTE_REQUIRED and not texts["note"]:
        problems.append(FieldProblem("note", f"{action} needs a reason"))
    if problems:
        raise ParamError(problems)
    return ActionRequest(str(action), event_refs=refs, **texts)


def _text(body: dict[str, Any], name: str, limit: int, problems: list[FieldProblem]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(FieldProblem(name, "must be text"))
        return None
    value = value.strip()
    if len(value) > limit:
        problems.append(FieldProblem(name, f"at most {limit} characters"))
    return value or None


def _refs(value: Any, problems: list[FieldProblem]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(FieldProblem("event_refs", "must be a list of report refs"))
        return ()
    if len(value) > MAX_SPLIT_REFS:
        problems.append(FieldProblem("event_refs", f"at most {MAX_SPLIT_REFS} refs"))
    bad = [v for v in value if not _REF.fullmatch(v)]
    if bad:
        problems.append(FieldProblem("event_refs", f"{bad[0]!r} is not a ref like grid:WG-…"))
    return tuple(value)


class ActionDesk:
    """Publishes actions to ``{prefix}.commands`` keyed by county, and remembers which centre
    issued each (only that centre, or the province, may ask for its outcome later).

    One per API process; its producer starts on the first action and stops with the app.
    ``publish`` raises aiokafka's ``KafkaError`` when the broker does not take the command in
    time; the route answers 503 and nothing was sent.
    """

    def __init__(
        self, clients: KafkaClients, topic: str, codec: AvroCodec, keep: int = 10_000
    ) -> None:
        self.clients = clients
        self.topic = topic
        self.codec = codec
        self.keep = keep
        self.issued: OrderedDict[str, str] = OrderedDict()
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()

    async def publish(self, action: CaseAction, centre_key: str) -> None:
        """Send ``action`` and wait for the broker's acknowledgement."""
        producer = await self._started()
        value = self.codec.encode(COMMAND_SUBJECT, action_to_record(action))
        key = (action.county_code or "").encode()
        try:
            await producer.send_and_wait(self.topic, value, key=key)
        except Exception:
            await self.stop()  # a fresh producer for the next action
            raise
        self.issued[action.command_id] = centre_key
        while len(self.issued) > self.keep:
            self.issued.popitem(last=False)

    async def _started(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                producer = self.clients.async_producer(
                    "actions",
                    acks="all",
                    enable_idempotence=True,
                    request_timeout_ms=10_000,
                )
                try:
                    await producer.start()
                except Exception:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def stop(self) -> None:
        """Flush and close the producer; called when the API stops (and after a failure)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
