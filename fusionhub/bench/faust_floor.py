"""The floors under any Faust worker: faust-streaming agents that do no work.

``fusionhub bench correlate`` runs them beside the real worker and the aiokafka pass-through on
the same log. Each is the worker's app (``create_app``) with one agent that takes batches as the
correlator does, sends through the worker's ``OutputProducer`` and acks each batch through the
same ``AckPipeline`` once its records are acknowledged.

* The copying floor (``python -m fusionhub bench floor-agent TARGET``) sends each record on
  unchanged: one record out per record in.
* The output floor (``python -m fusionhub bench output-floor-agent PREFIX``) sends, for each
  record, the case states the worker sends for it (worked out before the agent starts, with
  the worker's own books, encoding and router), to ``cases.all`` and the platform topics under
  PREFIX: about 2.6 records per report. Its rate is what the hub's worker would reach if
  decoding, correlating and encoding cost nothing.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import faust
from faust.types import EventT

from fusionhub.bench import stream
from fusionhub.bench.stream import StreamRun
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.casebook import CaseBook
from fusionhub.core.cases import Case
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import CASE_SUBJECT, case_to_record
from fusionhub.streams.app import create_app
from fusionhub.streams.batches import BATCH_FAILED, AckPipeline, take_batches
from fusionhub.streams.inputs import decode_input
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.output import Delivery, Outgoing, OutputProducer
from fusionhub.streams.routing import CaseRouter

TIMEOUT_S = 300.0
COMMAND = ("-m", "fusionhub", "bench", "floor-agent")
OUTPUT_COMMAND = ("-m", "fusionhub", "bench", "output-floor-agent")
# A record of the event log as the worker meets it: partition, offset.
Position = tuple[int, int]
# A case the worker changed and its new state, encoded.
CaseState = tuple[Case, bytes]


def rate(run: StreamRun, workdir: Path, expected: int) -> float:
    """Run the floor agent over ``run``'s event log in a child process; its copying rate.

    Called by ``fusionhub bench correlate`` once per round. Raises if the child dies, times
    out, or copies fewer than ``expected`` records.
    """
    target = f"{run.topics.prefix}.faust-floor"
    group = f"{run.topics.prefix}-faust-floor"
    workdir.mkdir(parents=True, exist_ok=True)
    env = run.env(workdir / "streams", group, stream.free_port())
    with stream.running_worker(env, workdir, (*COMMAND, target)) as proc:
        stream.wait_for_worker(run, group, proc, workdir, TIMEOUT_S)
    records = stream.read_topic(run.clients, target)
    if len(records) < expected:
        raise RuntimeError(f"the Faust floor agent copied {len(records)} of {expected} records")
    return stream.steady_rate([r.timestamp for r in records])


def output_rate(run: StreamRun, workdir: Path, expected: int) -> float:
    """Run the output floor agent over ``run``'s event log in a child process; its rate.

    Called by ``fusionhub bench correlate`` once per round. The child publishes to topics of
    its own prefix (``output_topics``), so the worker's first states are never its. The rate
    is taken as the worker's is (the first state listing each report). Raises if the child
    dies or times out, or if states for fewer than ``expected`` reports came out.
    """
    group = f"{run.topics.prefix}-output-floor"
    topics = output_topics(run)
    run.create_topics([topics.cases_all])
    workdir.mkdir(parents=True, exist_ok=True)
    env = run.env(workdir / "streams", group, stream.free_port())
    with stream.running_worker(env, workdir, (*OUTPUT_COMMAND, topics.prefix)) as proc:
        stream.wait_for_worker(run, group, proc, workdir, TIMEOUT_S)
    first = stream.first_case_times(run.codec, stream.read_topic(run.clients, topics.cases_all))
    if len(first) < expected:
        raise RuntimeError(f"the output floor agent published {len(first)} of {expected} reports")
    return stream.steady_rate(list(first.values()))


def output_topics(run: StreamRun) -> TopicNames:
    """The case topics the output floor of ``run`` publishes to: a prefix of its own."""
    return TopicNames(f"{run.topics.prefix}-outputs")


def worker_outputs(
    log: Iterable[Any], codec: AvroCodec, policy: CorrelationPolicy
) -> dict[Position, list[CaseState]]:
    """The case states the worker publishes for each record of ``log`` (kafka-python records,
    in offset order per partition): each changed case and its encoded state.

    Called by the output floor's child before its app starts; one book per partition, as the
    worker keeps them.
    """
    books: dict[int, CaseBook] = {}
    table: dict[Position, list[CaseState]] = {}
    for rec in log:
        book = books.get(rec.partition)
        if book is None:
            book = books[rec.partition] = CaseBook(policy)
        outcome = book.on_input(decode_input(codec, rec.value))
        table[(rec.partition, rec.offset)] = [
            (c.case, codec.encode(CASE_SUBJECT, case_to_record(c.case, c.change, None)))
            for c in outcome.changes
        ]
    return table


def output_floor_app(
    options: StreamSettings,
    clients: KafkaClients,
    events: str,
    router: CaseRouter,
    outputs: Mapping[Position, Sequence[CaseState]],
) -> faust.App:
    """The worker's app with only the publishing agent: for each record of ``events``, its
    case states (``worker_outputs``), routed and handed to ``router`` as the correlator does.
    Built by the composition root for the child process."""

    async def publish(batch: Sequence[EventT[bytes]], output: OutputProducer) -> Delivery:
        outgoing: list[Outgoing] = []
        for e in batch:
            for case, state in outputs.get((e.message.partition, e.message.offset), ()):
                outgoing.extend(router.records_for(case, state))
        return await router.submit(outgoing, output)

    return _sending_app(options, clients, events, name="publish", send=publish, close=router.close)


def floor_app(
    options: StreamSettings, clients: KafkaClients, events: str, target: str
) -> faust.App:
    """The worker's app with only the copying agent: the event log ``events``, unchanged, to
    ``target``. Built by the composition root for the child process."""

    async def copy(batch: Sequence[EventT[bytes]], output: OutputProducer) -> Delivery:
        return await output.submit_all([(target, e.key, e.value) for e in batch])

    return _sending_app(options, clients, events, name="copy", send=copy, close=lambda: None)


# What a floor sends for a batch: hands its records to the producer, returns their delivery.
SendBatch = Callable[[Sequence[EventT[bytes]], OutputProducer], Awaitable[Delivery]]


def _sending_app(
    options: StreamSettings,
    clients: KafkaClients,
    events: str,
    *,
    name: str,
    send: SendBatch,
    close: Callable[[], None],
) -> faust.App:
    """The worker's app with one agent that takes ``events`` in batches as the correlator
    does, hands each batch's records to the producer (``send``) and acks the batch once they
    are acknowledged; the producer stops, then ``close`` runs, when the worker stops."""
    app = create_app(options, clients.bootstrap)
    output = OutputProducer(clients, f"{options.app_id}-output")

    async def agent(records: faust.StreamT[bytes]) -> AsyncIterator[None]:
        acks = AckPipeline(records, _failed)
        async for batch in take_batches(records, options):
            await acks.hand_over(batch, await send(batch, output))
            yield None

    async def stop(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await output.stop()
        close()

    app.agent(app.topic(events), name=name, concurrency=1)(agent)
    app.on_before_shutdown.connect(stop)
    return app


def _failed() -> NoReturn:
    # As the worker does: a batch whose records failed is never acked.
    os._exit(BATCH_FAILED)
