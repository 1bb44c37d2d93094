"""The correlation agents: thin adapters around ``CaseBook`` (decode, one core call, emit).

Topology:

* ``forward_actions``: the command topic into the event log, keyed by the case's county;
* ``correlate``: the event log (reports, actions, ticks; keyed by county so every report of an
  incident meets in one partition) into case states on ``cases.all`` and the township or county
  topic of the platform holding each case, plus the ``cases`` table (latest state per case);
* a timer writing ticks into the log, so overdue checks run live and replays still agree.

State: a partition's ``CaseBook`` is a pure function of that partition's log, so the log is its
changelog. A worker meeting a partition it does not hold (start-up, or a rebalance) rebuilds it
by replaying the log up to the record in hand. Outputs are attached to their input's offset and
published before that offset is committed (``stream_publish_on_commit``): a crash re-emits the
same case versions, which consumers ignore, and never loses one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust

from fusionhub.core.casebook import CaseAction, CaseBook, Outcome
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import CASE_SUBJECT, TICK_SUBJECT, case_to_record
from fusionhub.settings import Settings
from fusionhub.streams.inputs import decode_input
from fusionhub.streams.logreader import read_partition
from fusionhub.streams.routing import CaseRouter
from fusionhub.streams.topics import TopicNames

log = logging.getLogger(__name__)


@dataclass
class CorrelationCounters:
    events: int = 0
    actions: int = 0
    ticks: int = 0
    refused: int = 0
    case_versions: int = 0
    dead_lettered: int = 0
    rebuilt_partitions: int = 0


class CorrelationAgents:
    """Builds and attaches the agents of one worker; holds the books of its partitions."""

    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        codec: AvroCodec,
        dead_letters: DeadLetterWriter,
        policy: CorrelationPolicy,
    ) -> None:
        self.app = app
        self.settings = settings
        self.codec = codec
        self.dead_letters = dead_letters
        self.policy = policy
        self.topics = TopicNames(settings.topic_prefix)
        self.router = CaseRouter(app, self.topics, settings)
        self.counters = CorrelationCounters()
        self.books: dict[int, CaseBook] = {}
        self.events_topic = app.topic(self.topics.events)
        self.dead_topic = app.topic(self.topics.dead_letter)
        # The latest state of every case, as Avro bytes (the app's serializers are raw).
        self.table = app.Table("cases", default=None, partitions=settings.streams.topic_partitions)

    def attach(self) -> None:
        """Register the agents, the tick timer and the rebalance hook on the app."""
        # concurrency=1: with more, faust can commit offsets past unprocessed messages (#606).
        self.app.agent(self.app.topic(self.topics.commands), name="forward_actions", concurrency=1)(
            self._forward_actions
        )
        self.app.agent(self.events_topic, name="correlate", concurrency=1)(self._correlate)
        self.app.timer(self.settings.streams.tick_interval_s)(self._tick)
        self.app.on_partitions_revoked.connect(self._on_revoked)

    async def _correlate(self, stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for event in stream.events():
            message = event.message
            book = self.books.get(message.partition)
            if book is None:
                book = await self._rebuild(message.partition, message.offset)
            await self._handle(book, event.value)
            yield None

    async def _handle(self, book: CaseBook, data: bytes) -> None:
        try:
            value = decode_input(self.codec, data)
        except DecodeError as exc:
            await self._dead_letter("events", "decode", "undecodable_avro", str(exc), data)
            return
        outcome = self._apply(book, value)
        if outcome.refused is not None:
            assert isinstance(value, CaseAction)
            self.counters.refused += 1
            await self._dead_letter(
                "command",
                "command",
                "command_refused",
                outcome.refused,
                data,
                source_id=value.command_id,
            )
        for change in outcome.changes:
            record = self.codec.encode(CASE_SUBJECT, case_to_record(change.case, change.change))
            await self.router.publish(change.case, record)
            self.table[change.case.case_id] = record
            self.counters.case_versions += 1

    def _apply(self, book: CaseBook, value: Any) -> Outcome:
        if isinstance(value, CaseAction):
            self.counters.actions += 1
            return book.on_action(value)
        if isinstance(value, datetime):
            self.counters.ticks += 1
            return book.on_tick(value)
        self.counters.events += 1
        return book.on_event(value)

    async def _rebuild(self, partition: int, end_offset: int) -> CaseBook:
        book = CaseBook(self.policy)
        replayed = 0
        bootstrap = self.settings.kafka_bootstrap
        async for data in read_partition(bootstrap, self.topics.events, partition, end_offset):
            try:
                self._apply_silently(book, decode_input(self.codec, data))
            except DecodeError:
                continue  # dead-lettered when it was first met
            replayed += 1
        self.books[partition] = book
        self.counters.rebuilt_partitions += 1
        log.info(
            "partition %s: rebuilt %s cases from %s records",
            partition,
            len(book.state.cases),
            replayed,
        )
        return book

    def _apply_silently(self, book: CaseBook, value: Any) -> None:
        if isinstance(value, CaseAction):
            book.on_action(value)
        elif isinstance(value, datetime):
            book.on_tick(value)
        else:
            book.on_event(value)

    async def _forward_actions(self, stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for event in stream.events():
            data = event.value
            try:
                record = self.codec.decode(data, "fusionhub.CaseCommand")
            except DecodeError as exc:
                await self._dead_letter("command", "decode", "undecodable_avro", str(exc), data)
                continue
            county = record.get("county_code") or (event.key.decode() if event.key else None)
            if not county:
                await self._dead_letter(
                    "command",
                    "route",
                    "unroutable_command",
                    "no county_code and no record key",
                    data,
                    source_id=record.get("command_id"),
                )
                continue
            await self.events_topic.send(key=county.encode(), value=data)
            yield None

    async def _tick(self) -> None:
        tick = self.codec.encode(TICK_SUBJECT, {"at": datetime.now(UTC)})
        for tp in self.app.consumer.assignment():
            if tp.topic == self.topics.events:
                await self.events_topic.send(value=tick, partition=tp.partition, force=True)

    async def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Another worker may move these partitions on; rebuild from the log if they come back.
        revoked: set[Any] = args[0] if args else kwargs.get("revoked", set())
        for tp in revoked:
            if tp.topic == self.topics.events:
                self.books.pop(tp.partition, None)

    async def _dead_letter(
        self,
        source: str,
        stage: str,
        reason: str,
        detail: str,
        data: bytes,
        *,
        source_id: str | None = None,
    ) -> None:
        letter = self.dead_letters.seal(
            source=source,
            stage=stage,
            reason=reason,
            detail=detail,
            original=data,
            source_id=source_id,
            origin_topic=self.topics.events,
        )
        await self.dead_topic.send(key=source.encode(), value=letter)
        self.counters.dead_lettered += 1
