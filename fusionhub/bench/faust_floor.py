"""The floor under any Faust worker: a faust-streaming agent that copies records and does no work.

``fusionhub bench correlate`` runs it beside the real worker and the aiokafka pass-through on
the same log. It is the worker's app (``create_app``) with one agent that takes batches as the
correlator does and sends them on through the worker's ``OutputProducer``, acking each batch
through the same ``AckPipeline`` once its copies are acknowledged: its rate is what the hub's
worker would reach if decoding, correlating and encoding cost nothing. The child process is
``python -m fusionhub bench floor-agent TARGET``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NoReturn

import faust

from fusionhub.bench import stream
from fusionhub.bench.stream import StreamRun
from fusionhub.bus.clients import KafkaClients
from fusionhub.streams.app import create_app
from fusionhub.streams.batches import BATCH_FAILED, AckPipeline, take_batches
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.output import OutputProducer

TIMEOUT_S = 300.0
COMMAND = ("-m", "fusionhub", "bench", "floor-agent")


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


def _failed() -> NoReturn:
    # As the worker does: a batch whose copies failed is never acked.
    os._exit(BATCH_FAILED)


def floor_app(
    options: StreamSettings, clients: KafkaClients, events: str, target: str
) -> faust.App:
    """The worker's app with only the copying agent: the event log ``events``, unchanged, to
    ``target``. Built by the composition root for the child process."""
    app = create_app(options, clients.bootstrap)
    output = OutputProducer(clients, f"{options.app_id}-output")

    async def copy(records: faust.StreamT[bytes]) -> AsyncIterator[None]:
        acks = AckPipeline(records, _failed)
        async for batch in take_batches(records, options):
            delivery = await output.submit_all([(target, e.key, e.value) for e in batch])
            await acks.hand_over(batch, delivery)
            yield None

    app.agent(app.topic(events), name="copy", concurrency=1)(copy)
    return app
