"""The live feed: case changes and command answers read from the hub's topics, pushed to the
console's open streams within a second of the worker publishing them.

One consumer per API process, without a consumer group (every process sees everything), from
the end of ``cases.all``, the event topic and the dead-letter topic:

* a case state becomes a summary (the case list's shape, with the headline and place of its
  reports taken from the events read just before) sent to each subscriber whose centre sees it;
* a case state made by an action, or a dead letter of a refused action, answers that command
  in the ``OutcomeBook``;
* events are kept, undecoded, by ref for a while, only to give new cases their place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from fusionhub.api.centres import Centre
from fusionhub.api.outcomes import Outcome, OutcomeBook
from fusionhub.api.reads import NameLookup, headline, no_names
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.records import CASE_SUBJECT, DEAD_LETTER_SUBJECT, EVENT_SUBJECT
from fusionhub.sinks.rows import case_row, member_refs

log = logging.getLogger(__name__)
# Sent instead of a change when a subscriber fell too far behind: the page reloads its view.
RESET = {"type": "reset"}
CLOSED = {"type": "closed"}


@dataclass(eq=False)  # kept in a set: each subscriber is itself
class Subscriber:
    """One open stream: its centre and the changes waiting to be written to it."""

    centre: Centre
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(1000))
    overflowed: bool = False

    def offer(self, message: dict[str, Any]) -> None:
        """Queue ``message``; a full queue ends with one reset instead of losing changes."""
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(RESET)

    def close(self) -> None:
        """End the stream: whatever is still queued is dropped for the closing message."""
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(CLOSED)


class LiveFeed:
    """Reads the case, event and dead-letter topics and fans their news out.

    Started with the API application and stopped with it. While the broker cannot be reached
    it keeps trying (``ready`` stays False and the console says the feed is down); nothing else
    of the API depends on it.
    """

    def __init__(
        self,
        clients: KafkaClients,
        topics: TopicNames,
        codec: AvroCodec,
        names: NameLookup = no_names,
        keep_events: int = 50_000,
    ) -> None:
        self.clients = clients
        self.topics = topics
        self.codec = codec
        self.names = names
        self.keep_events = keep_events
        self.outcomes = OutcomeBook()
        self.subscribers: set[Subscriber] = set()
        self.ready = False
        self._events: OrderedDict[str, bytes] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, centre: Centre) -> Subscriber:
        """A new subscriber for ``centre``; the stream handler drops it when the client leaves."""
        subscriber = Subscriber(centre)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Forget a subscriber (its client left, or the API stops)."""
        self.subscribers.discard(subscriber)

    async def start(self) -> None:
        """Start reading in the background; called when the API application starts."""
        self._task = asyncio.create_task(self._run(), name="live-feed")

    async def stop(self) -> None:
        """Stop reading and end every open stream; called when the API application stops."""
        for subscriber in list(self.subscribers):
            subscriber.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delay = 0.5
        while True:
            consumer = self.clients.async_consumer(
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                metadata_max_age_ms=5000,
                fetch_max_wait_ms=100,
            )
            try:
                await consumer.start()
                consumer.subscribe(
                    [self.topics.cases_all, self.topics.events, self.topics.dead_letter]
                )
                delay = 0.5
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live feed: %s; retrying in %.1fs", exc, delay)
            finally:
                self._set_ready(False)
                with contextlib.suppress(Exception):
                    await consumer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        positioned: set[Any] = set()
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            for tp, records in batches.items():
                for record in records:
                    self.take(tp.topic, record.key, record.value)
            assigned = consumer.assignment()
            if assigned != positioned:
                # Ready once every partition's end is known: from then on nothing is missed.
                for tp in assigned - positioned:
                    await consumer.position(tp)
                positioned = set(assigned)
                self._set_ready(len(positioned) > 0)

    def _set_ready(self, ready: bool) -> None:
        if ready != self.ready:
            self.ready = ready
            for subscriber in list(self.subscribers):
                subscriber.offer({"type": "state", "ready": ready})

    def take(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        """Handle one record of ``topic``; undecodable records are skipped (the worker
        dead-letters what it cannot read, and the feed is only a view)."""
        if value is None:
            return
        try:
            if topic == self.topics.events:
                self._keep_event(value)
            elif topic == self.topics.cases_all:
                self._case(self.codec.decode(value, CASE_SUBJECT))
            elif topic == self.topics.dead_letter and key == b"command":
                self._refusal(self.codec.decode(value, DEAD_LETTER_SUBJECT))
        except DecodeError as exc:
            log.debug("live feed: skipped a record of %s: %s", topic, exc)

    def _keep_event(self, value: bytes) -> None:
        ref = self.codec.leading_string(value, "event_ref")
        self._events[ref] = value
        self._events.move_to_end(ref)
        while len(self._events) > self.keep_events:
            self._events.popitem(last=False)

    def _case(self, record: dict[str, Any]) -> None:
        summary = self.summary(record)
        message = {"type": "case", "case": summary}
        for subscriber in list(self.subscribers):
            if subscriber.centre.sees_case(summary):
                subscriber.offer(message)
        command_id = record.get("command_id")
        if command_id:
            self.outcomes.record(Outcome(command_id, "applied", case=summary))

    def _refusal(self, letter: dict[str, Any]) -> None:
        command_id = letter.get("source_id")
        if not command_id:
            return
        reason = "; ".join(e["message"] for e in letter.get("errors", ())) or letter["reason"]
        self.outcomes.record(Outcome(command_id, "refused", reason=reason))

    def summary(self, record: dict[str, Any]) -> dict[str, Any]:
        """A case record as the case list shows it, placed by the events the feed has seen."""
        row = case_row(record)
        row["sources"] = list(record.get("sources", ()))
        row.update(self._card(member_refs(record)))
        for level in ("county", "township"):
            code = row.get(f"{level}_code")
            row[f"{level}_name"] = self.names(code) if code else None
        return row

    def _card(self, refs: list[str]) -> dict[str, Any]:
        card: dict[str, Any] = {"headline": None, "lon": None, "lat": None}
        for ref in refs:
            raw = self._events.get(ref)
            if raw is None:
                continue
            try:
                event = self.codec.decode(raw, EVENT_SUBJECT)
            except DecodeError:
                continue
            if card["headline"] is None:
                card["headline"] = headline(event.get("title"), event["text"])
            point = event.get("point")
            if point and card["lon"] is None:
                card["lon"], card["lat"] = point["lon"], point["lat"]
            if card["lon"] is not None:
                break
        return card
