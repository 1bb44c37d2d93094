"""The correlation agents: thin adapters around ``CaseBook`` (decode, one core call, emit).

Topology:

* ``forward_actions``: the command topic into the event log, keyed by the case's county;
* ``correlate``: the event log (reports, actions, ticks; keyed by county so every report of an
  incident meets in one partition) into case states on ``cases.all`` and the township or county
  topic of the platform holding each case;
* a timer writing ticks into the log, so overdue checks run live and replays still agree.

State: a partition's ``CaseBook`` is a pure function of that partition's log. It is kept in
snapshots on a compacted state topic (``partitions``, ``snapshots``); a worker meeting a
partition it does not hold restores the latest snapshot (or its standby copy) and replays the
log after it. Records are taken in batches; a batch's outputs are sent straight to the producer
and acknowledged by the broker before the batch's records are acked (and so may be committed),
while the agent goes on with the next batches (``AckPipeline``; batches are acked in order),
and a snapshot only ever claims records whose outputs were acknowledged. A batch that fails
stops the worker without acking it: a restarted worker does it again (at-least-once; consumers
keep the highest version per case).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, NoReturn

import faust
from faust.types import EventT
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.casebook import CaseAction, CaseBook, Outcome
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import (
    CASE_SUBJECT,
    COMMAND_SUBJECT,
    TICK_SUBJECT,
    case_to_record,
)
from fusionhub.streams.batches import BATCH_FAILED, AckPipeline, take_batches
from fusionhub.streams.gauges import BatchCounts, update_gauges
from fusionhub.streams.inputs import CaseInput, decode_input
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.output import Delivery, Outgoing, OutputProducer
from fusionhub.streams.partitions import Held, Partitions
from fusionhub.streams.routing import CaseRouter
from fusionhub.streams.standby import Standby

log = logging.getLogger(__name__)
_KINDS: dict[type, str] = {CaseAction: "action", datetime: "tick"}


def _batch_failed() -> NoReturn:
    # Faust would restart the agent past this batch, on a state missing it, and commit later
    # batches: stop the worker instead, before anything of it is acked.
    log.critical("a batch failed; stopping the worker unacknowledged", exc_info=True)
    logging.shutdown()
    os._exit(BATCH_FAILED)


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
        state_topic = self.topics.state(options.app_id)
        self.standby = (
            Standby(clients, state_topic, options.topic_partitions, codec, metrics)
            if options.standby
            else None
        )
        self.partitions = Partitions(
            options,
            clients=clients,
            events_topic=self.topics.events,
            state_topic=state_topic,
            codec=codec,
            policy=policy,
            output=self.output,
            metrics=metrics,
            standby=self.standby,
        )
        self.events_topic = app.topic(self.topics.events)
        self.counts = BatchCounts(metrics)

    def attach(self) -> None:
        """Register the agents, the timers, the standby task and the rebalance hooks."""
        # concurrency=1: with more, faust can commit offsets past unprocessed messages (#606).
        self.app.agent(self.app.topic(self.topics.commands), name="forward_actions", concurrency=1)(
            self._forward_actions
        )
        self.app.agent(self.events_topic, name="correlate", concurrency=1)(self._correlate)
        self.app.timer(self.options.tick_interval_s)(self._tick)
        self.app.timer(self.options.gauge_interval_s)(self._update_gauges)
        if self.standby is not None:
            self.app.task(self.standby.run)
        self.app.on_partitions_assigned.connect(self._on_assigned)
        self.app.on_partitions_revoked.connect(self._on_revoked)
        self.app.on_before_shutdown.connect(self._on_shutdown)
        registry = self.metrics.registry

        async def metrics_page(web: Any, request: Any) -> Any:
            body = generate_latest(registry)
            return web.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

        self.app.page("/metrics")(metrics_page)

    async def _correlate(self, stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        acks = AckPipeline(stream, _batch_failed)
        partitions = self.partitions
        async for events in take_batches(stream, self.options):
            try:
                delivery = await self._batch(events)
            except Exception:
                _batch_failed()
            marks = partitions.marks()
            await acks.hand_over(events, delivery, partial(partitions.acknowledged, marks))
            if partitions.snapshot_wanted():
                await acks.drain()
            yield None

    async def _batch(self, events: Sequence[EventT[bytes]]) -> Delivery:
        """Apply a batch and hand its outputs to the producer; returns their delivery."""
        outgoing: list[Outgoing] = []
        partitions = self.partitions
        for event in events:
            message = event.message
            held = await partitions.get(message.partition, message.offset)
            if message.offset < held.applied:
                continue  # already in the restored snapshot: its outputs went out then
            outcome = self._handle(held, event.value, outgoing)
            partitions.applied(held, message.offset, outcome)
        self.counts.flush()
        # The batch's records are acked (and may be committed) only once this completes.
        return await self.router.submit(outgoing, self.output)

    def _handle(self, held: Held, data: bytes, outgoing: list[Outgoing]) -> Outcome | None:
        """Apply one log record; add the records to send for what it changed."""
        try:
            value = decode_input(self.codec, data)
        except DecodeError as exc:
            outgoing.append(
                self._dead_letter("events", "decode", "undecodable_avro", str(exc), data)
            )
            return None
        outcome = self._apply(held.book, value)
        # Every change an action makes carries its id, so whoever issued it sees it applied.
        command_id = value.command_id if isinstance(value, CaseAction) else None
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
            held.store.changed(change.case.case_id, record)
            self.counts.change(change)
        return outcome

    def _apply(self, book: CaseBook, value: CaseInput) -> Outcome:
        self.counts.record(_KINDS.get(type(value), "event"))
        return book.on_input(value)

    async def _forward_actions(self, stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for events in take_batches(stream, self.options):
            try:
                await self.output.send_all([self._forward(e.key, e.value) for e in events])
            except Exception:
                log.critical("forwarding actions failed; stopping the worker", exc_info=True)
                logging.shutdown()
                os._exit(BATCH_FAILED)
            for event in events:
                await stream.ack(event)
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

    async def _on_assigned(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        assigned: set[Any] = args[0] if args else kwargs.get("assigned", set())
        mine = {tp.partition for tp in assigned if tp.topic == self.topics.events}
        for partition in mine:
            self.metrics.partitions_held.labels(str(partition)).set(1)
        self.partitions.assigned(mine)
        if self.standby is not None:
            self.standby.assigned(mine)

    async def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Faust has waited for every fetched record to be processed and acked: snapshot what is
        # given away, so whoever takes it replays nothing.
        revoked: set[Any] = args[0] if args else kwargs.get("revoked", set())
        gone = {tp.partition for tp in revoked if tp.topic == self.topics.events}
        for partition in gone:
            self.metrics.partitions_held.labels(str(partition)).set(0)
        await self.partitions.release(gone)

    async def _on_shutdown(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await self.partitions.stop()
        await self.output.stop()
        self.router.close()

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
        update_gauges(
            self.app, self.options.app_id, self.topics.events, self.partitions, self.metrics
        )
