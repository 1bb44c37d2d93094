"""The correlation agents: thin adapters around ``CaseBook`` (decode, one core call, emit).

Topology:

* ``forward_actions``: the command topic into the event log, keyed by the case's county;
* ``correlate``: the event log (reports, actions, ticks; keyed by county so every report of an
  incident meets in one partition) into case states on ``cases.all`` and the township or county
  topic of the platform holding each case, plus the ``cases`` table (latest state per case);
* a timer writing ticks into the log, so overdue checks run live and replays still agree.

State: a partition's ``CaseBook`` is a pure function of that partition's log, so the log is its
changelog. A worker meeting a partition it does not hold (start-up, or a rebalance) rebuilds it
by replaying the log up to the record in hand. Records are taken in batches; a batch's outputs
are sent straight to the producer and acknowledged by the broker before the batch's offsets can
be committed: a crash re-emits the same case versions, which consumers ignore, and never loses
one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import faust
from faust.types import TP, EventT
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.casebook import CaseAction, CaseBook, Change, Outcome
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import (
    CASE_SUBJECT,
    COMMAND_SUBJECT,
    TICK_SUBJECT,
    case_to_record,
)
from fusionhub.streams.inputs import CaseInput, decode_input
from fusionhub.streams.logreader import read_partition
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.output import Outgoing, OutputProducer
from fusionhub.streams.routing import CaseRouter

log = logging.getLogger(__name__)
OVERDUE_ACTOR = "overdue_check"


class CorrelationAgents:
    """Builds and attaches the agents of one worker; holds the books of its partitions."""

    def __init__(
        self,
        app: faust.App,
        *,
        options: StreamSettings,
        clients: KafkaClients,
        topics: TopicNames,
        router: CaseRouter,
        codec: AvroCodec,
        dead_letters: DeadLetterWriter,
        policy: CorrelationPolicy,
        metrics: StreamMetrics,
    ) -> None:
        self.app = app
        self.options = options
        self.clients = clients
        self.codec = codec
        self.dead_letters = dead_letters
        self.policy = policy
        self.topics = topics
        self.output = OutputProducer(clients, f"{options.app_id}-output")
        self.router = router
        self.metrics = metrics
        self.books: dict[int, CaseBook] = {}
        self.positions: dict[int, int] = {}
        self.events_topic = app.topic(self.topics.events)
        # The latest state of every case, as Avro bytes (the app's serializers are raw).
        self.table = (
            app.Table(
                "cases",
                default=None,
                key_type=bytes,
                value_type=bytes,
                partitions=options.topic_partitions,
            )
            if options.case_table
            else None
        )

    def attach(self) -> None:
        """Register the agents, the tick timer and the rebalance hook on the app."""
        # concurrency=1: with more, faust can commit offsets past unprocessed messages (#606).
        self.app.agent(self.app.topic(self.topics.commands), name="forward_actions", concurrency=1)(
            self._forward_actions
        )
        self.app.agent(self.events_topic, name="correlate", concurrency=1)(self._correlate)
        self.app.timer(self.options.tick_interval_s)(self._tick)
        self.app.timer(self.options.gauge_interval_s)(self._update_gauges)
        self.app.on_partitions_revoked.connect(self._on_revoked)
        self.app.on_before_shutdown.connect(self._on_shutdown)
        registry = self.metrics.registry

        async def metrics_page(web: Any, request: Any) -> Any:
            body = generate_latest(registry)
            return web.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

        self.app.page("/metrics")(metrics_page)

    async def _correlate(self, stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for events in take_batches(stream, self.options):
            outgoing: list[Outgoing] = []
            for event in events:
                message = event.message
                book = self.books.get(message.partition)
                if book is None:
                    book = await self._rebuild(message.partition, message.offset)
                outgoing.extend(self._handle(book, event.value))
                self.positions[message.partition] = message.offset + 1
            # Case topics met for the first time are created in one request per batch.
            await self.router.prepare([topic for topic, _, _ in outgoing])
            # The batch's events are acked (and may be committed) only after this returns.
            await self.output.send_all(outgoing)
            yield None

    def _handle(self, book: CaseBook, data: bytes) -> list[Outgoing]:
        """Apply one log record; the records to send for what it changed."""
        try:
            value = decode_input(self.codec, data)
        except DecodeError as exc:
            return [self._dead_letter("events", "decode", "undecodable_avro", str(exc), data)]
        outcome = self._apply(book, value)
        # Every change an action makes carries its id, so whoever issued it sees it applied.
        command_id = value.command_id if isinstance(value, CaseAction) else None
        outgoing = []
        if outcome.refused is not None:
            assert isinstance(value, CaseAction)
            outgoing.append(
                self._dead_letter(
                    "command",
                    "command",
                    "command_refused",
                    outcome.refused,
                    data,
                    source_id=value.command_id,
                )
            )
        for change in outcome.changes:
            state = case_to_record(change.case, change.change, command_id)
            record = self.codec.encode(CASE_SUBJECT, state)
            outgoing.extend(self.router.records_for(change.case, record))
            if self.table is not None:
                self.table[change.case.case_id.encode()] = record
            self._count_change(change)
        return outgoing

    def _apply(self, book: CaseBook, value: CaseInput) -> Outcome:
        kind = {CaseAction: "action", datetime: "tick"}.get(type(value), "event")
        self.metrics.records_in.labels("correlate", kind).inc()
        return book.on_input(value)

    def _count_change(self, change: Change) -> None:
        case = change.case
        county = case.county_code or "unknown"
        self.metrics.case_versions_out.inc()
        # A case a dispatcher split out is a case opened too.
        if change.change in ("opened", "repeat_opened") or change.change.startswith("split_from:"):
            self.metrics.cases_opened.labels(county, case.platform.value).inc()
        elif change.change == "status:escalated" and case.history[-1].actor == OVERDUE_ACTOR:
            self.metrics.sla_breaches.labels(county).inc()

    async def _rebuild(self, partition: int, end_offset: int) -> CaseBook:
        book = CaseBook(self.policy)
        replayed = 0
        events = self.topics.events
        async for data in read_partition(self.clients, events, partition, end_offset):
            try:
                book.on_input(decode_input(self.codec, data))
            except DecodeError:
                continue  # dead-lettered when it was first met
            replayed += 1
        self.books[partition] = book
        self.metrics.partitions_rebuilt.inc()
        log.info(
            "partition %s: rebuilt %s cases from %s records",
            partition,
            len(book.state.cases),
            replayed,
        )
        return book

    async def _forward_actions(self, stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for events in take_batches(stream, self.options):
            await self.output.send_all([self._forward(e.key, e.value) for e in events])
            yield None

    def _forward(self, key: bytes | None, data: bytes) -> Outgoing:
        """One command as a record of the event log keyed by county, or its dead letter."""
        self.metrics.records_in.labels("forward_actions", "action").inc()
        try:
            record = self.codec.decode(data, COMMAND_SUBJECT)
        except DecodeError as exc:
            return self._dead_letter(
                "command",
                "decode",
                "undecodable_avro",
                str(exc),
                data,
                origin_topic=self.topics.commands,
            )
        county = record.get("county_code") or (key.decode() if key else None)
        if not county:
            return self._dead_letter(
                "command",
                "route",
                "unroutable_command",
                "no county_code and no record key",
                data,
                source_id=record.get("command_id"),
                origin_topic=self.topics.commands,
            )
        return (self.topics.events, county.encode(), data)

    async def _tick(self) -> None:
        tick = self.codec.encode(TICK_SUBJECT, {"at": datetime.now(UTC)})
        for tp in self.app.consumer.assignment():
            if tp.topic == self.topics.events:
                await self.events_topic.send(value=tick, partition=tp.partition, force=True)

    async def _on_shutdown(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await self.output.stop()

    async def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Another worker may move these partitions on; rebuild from the log if they come back.
        revoked: set[Any] = args[0] if args else kwargs.get("revoked", set())
        for tp in revoked:
            if tp.topic == self.topics.events:
                self.books.pop(tp.partition, None)
                self.positions.pop(tp.partition, None)

    def _dead_letter(
        self,
        source: str,
        stage: str,
        reason: str,
        detail: str,
        data: bytes,
        *,
        source_id: str | None = None,
        origin_topic: str | None = None,
    ) -> Outgoing:
        letter = self.dead_letters.seal(
            source=source,
            stage=stage,
            reason=reason,
            detail=detail,
            original=data,
            source_id=source_id,
            origin_topic=origin_topic or self.topics.events,
        )
        self.metrics.dead_letters.labels(stage, reason).inc()
        return (self.topics.dead_letter, source.encode(), letter)

    async def _update_gauges(self) -> None:
        # Recomputed on a timer, not per event: the cost stays off the hot path.
        group = self.options.app_id
        # The consumer drops a partition at a rebalance before faust signals the revocation, and
        # aiokafka asserts on a dropped partition's highwater; an exception in a timer crashes
        # the app. The consumer runs in its own thread, so a partition held at the check may be
        # gone at the call: skip both.
        assigned = self.app.consumer.assignment()
        for partition, position in list(self.positions.items()):
            tp = TP(self.topics.events, partition)
            if tp not in assigned:
                continue
            try:
                highwater = self.app.consumer.highwater(tp)
            except AssertionError:
                continue
            if highwater is not None:
                lag = max(highwater - position, 0)
                self.metrics.consumer_lag.labels(group, tp.topic, str(partition)).set(lag)
        open_by_county: dict[str, int] = {}
        for book in self.books.values():
            for case in book.state.cases.values():
                if not case.is_finished:
                    county = case.county_code or "unknown"
                    open_by_county[county] = open_by_county.get(county, 0) + 1
        for county, count in open_by_county.items():
            self.metrics.open_cases.labels(county).set(count)


def take_batches(
    stream: faust.StreamT[bytes], streams: StreamSettings
) -> AsyncIterator[Sequence[EventT[bytes]]]:
    """The stream's events in batches of the configured size and wait; an agent's loop."""
    # take_events is on the concrete Stream (faust's StreamT interface lacks it).
    concrete = cast(faust.Stream[bytes], stream)
    return concrete.take_events(streams.batch_max, streams.batch_within_s)
