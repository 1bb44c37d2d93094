"""Taking the event log in batches, and acking each batch once its outputs are acknowledged."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, NoReturn, cast

import faust
from faust.types import EventT

from fusionhub.streams.options import StreamSettings


def take_batches(
    stream: faust.StreamT[bytes], streams: StreamSettings
) -> AsyncIterator[Sequence[EventT[bytes]]]:
    """The stream's events in batches of the configured size and wait; an agent's loop.

    The events are not acked: the agent acks each batch once its outputs were acknowledged
    (``AckPipeline`` or ``stream.ack``). Faust's ``take_events`` acks a batch even when the
    agent fails on it, which would commit records never processed.
    """
    # noack_take is on the concrete Stream (faust's StreamT interface lacks it).
    concrete = cast(faust.Stream[bytes], stream)
    # Typed as values by faust; noack_take yields the events themselves.
    batches = concrete.noack_take(streams.batch_max, streams.batch_within_s)
    return cast(AsyncIterator[Sequence[EventT[bytes]]], batches)


# The exit status (EX_SOFTWARE) of a worker stopped by a batch that failed, or whose outputs
# could not be delivered: nothing of it was acked, and a restarted worker takes it again.
BATCH_FAILED = 70


class AckPipeline:
    """Acks each batch's events once the broker acknowledged the batch's outputs, while the
    agent already works on the next batches.

    Waiting for the acknowledgements before taking the next batch left the worker idle for a
    broker round-trip per batch, and for a new case topic's leader (aiokafka retries on
    NotLeaderForPartition) when a batch met one: every report queued behind that wait. Batches
    still settle in order: a batch is acked only after the one before it. At most ``depth``
    batches are in flight; handing over one more waits for the oldest. One per agent; ``failed``
    is called (and must not return: it stops the worker) when a batch's outputs could not be
    delivered, so nothing of it or after it is acked.
    """

    def __init__(
        self, stream: faust.StreamT[bytes], failed: Callable[[], NoReturn], depth: int = 8
    ) -> None:
        self.stream = stream
        self.failed = failed
        self.depth = depth
        self._pending: deque[asyncio.Future[None]] = deque()

    async def hand_over(
        self,
        events: Sequence[EventT[bytes]],
        delivery: Awaitable[Any],
        settled: Callable[[], None] | None = None,
    ) -> None:
        """Ack ``events`` once ``delivery`` (their outputs, handed to the producer) completes
        and every batch handed over before them is acked, calling ``settled`` first.

        Called by the agent after each batch; returns at once unless ``depth`` batches are in
        flight.
        """
        while len(self._pending) >= self.depth:
            await self._pending.popleft()
        previous = self._pending[-1] if self._pending else None
        settling = self._settle(previous, events, delivery, settled)
        self._pending.append(asyncio.ensure_future(settling))

    async def drain(self) -> None:
        """Return once every batch handed over is acked; called by the agent before anything
        that needs the state and the acknowledged outputs to agree (a snapshot)."""
        while self._pending:
            await self._pending.popleft()

    async def _settle(
        self,
        previous: asyncio.Future[None] | None,
        events: Sequence[EventT[bytes]],
        delivery: Awaitable[Any],
        settled: Callable[[], None] | None,
    ) -> None:
        try:
            if previous is not None:
                await asyncio.shield(previous)
            await delivery
        except Exception:
            self.failed()
        if settled is not None:
            settled()
        for event in events:
            await self.stream.ack(event)
