"""What became of the case actions this API process published: applied, refused or pending.

The worker answers every action on the hub's topics, never to the sender: an applied action
makes new case versions that carry its ``command_id`` (``fusionhub.Case`` v3), a refused one
becomes a dead letter (stage ``command``) whose ``source_id`` is the command id. The live feed
reads both and reports them here; an action handler waits here for its command's answer.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

OutcomeKind = Literal["pending", "applied", "refused"]


@dataclass(frozen=True)
class Outcome:
    """The answer to one command. ``case`` is the case's new state (live-feed summary shape)
    when applied; ``reason`` the worker's words when refused."""

    command_id: str
    outcome: OutcomeKind
    reason: str | None = None
    case: dict[str, Any] | None = None

    def as_answer(self) -> dict[str, Any]:
        """The JSON answer of ``POST .../actions`` and ``GET /v1/commands/{id}``."""
        return {
            "command_id": self.command_id,
            "outcome": self.outcome,
            "reason": self.reason,
            "case": self.case,
        }


class OutcomeBook:
    """The latest outcomes by command id (the newest ``keep`` of them) and who waits for which.

    Used on the API's event loop only: the feed records, handlers wait.
    """

    def __init__(self, keep: int = 10_000) -> None:
        self.keep = keep
        self._known: OrderedDict[str, Outcome] = OrderedDict()
        self._waiting: dict[str, list[asyncio.Future[Outcome]]] = {}

    def record(self, outcome: Outcome) -> None:
        """Called by the live feed for every command answer it reads; the first answer to a
        command wins (a merge answers with two case versions)."""
        if outcome.command_id in self._known:
            return
        self._known[outcome.command_id] = outcome
        while len(self._known) > self.keep:
            self._known.popitem(last=False)
        for future in self._waiting.pop(outcome.command_id, []):
            if not future.done():
                future.set_result(outcome)

    def expect(self, command_id: str) -> asyncio.Future[Outcome]:
        """A future for ``command_id``'s answer; take it before publishing the command, so an
        answer arriving at once is not missed."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        known = self._known.get(command_id)
        if known is not None:
            future.set_result(known)
        else:
            self._waiting.setdefault(command_id, []).append(future)
        return future

    def forget(self, command_id: str, future: asyncio.Future[Outcome]) -> None:
        """Stop waiting with ``future`` (the handler timed out or its client left)."""
        waiting = self._waiting.get(command_id, [])
        if future in waiting:
            waiting.remove(future)
        if not waiting:
            self._waiting.pop(command_id, None)

    def get(self, command_id: str) -> Outcome:
        """The known answer to ``command_id``, or ``pending``."""
        return self._known.get(command_id) or Outcome(command_id, "pending")

    async def wait(
        self, command_id: str, future: asyncio.Future[Outcome], within_s: float
    ) -> Outcome:
        """The answer ``future`` brings within ``within_s`` seconds, else ``pending``."""
        try:
            return await asyncio.wait_for(asyncio.shield(future), within_s)
        except TimeoutError:
            return self.get(command_id)
        finally:
            self.forget(command_id, future)
