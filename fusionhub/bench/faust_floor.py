"""The floor under any Faust worker: a faust-streaming agent that copies records and does no work.

``fusionhub bench correlate`` runs it beside the real worker and the aiokafka pass-through on
the same log. It is the worker's app (``create_app``) with one agent that takes batches as the
correlator does and sends them on through the worker's ``OutputProducer``, acks awaited per
batch: its rate is what the hub's worker would reach if decoding, correlating and encoding cost
nothing.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import faust

from fusionhub.bench import stream
from fusionhub.settings import Settings
from fusionhub.streams.app import create_app
from fusionhub.streams.batches import take_batches
from fusionhub.streams.output import OutputProducer
from fusionhub.streams.topics import TopicNames
from fusionhub.streams.worker import run_app

TIMEOUT_S = 300.0


def rate(run: Settings, workdir: Path, expected: int) -> float:
    """Run the floor agent over ``run``'s event log in a child process; its copying rate.

    Called by ``fusionhub bench correlate`` once per round. Raises if the child dies, times
    out, or copies fewer than ``expected`` records.
    """
    target = f"{run.topic_prefix}.faust-floor"
    streams = run.streams.model_copy(
        update={"app_id": f"{run.topic_prefix}-faust-floor", "web_port": stream.free_port()}
    )
    floor = run.model_copy(update={"streams": streams})
    workdir.mkdir(parents=True, exist_ok=True)
    command = ("-m", "fusionhub.bench.faust_floor", target)
    with stream.running_worker(floor, workdir, command) as proc:
        stream.wait_for_worker(floor, proc, workdir, TIMEOUT_S)
    records = stream.read_topic(run.kafka_bootstrap, target)
    if len(records) < expected:
        raise RuntimeError(f"the Faust floor agent copied {len(records)} of {expected} records")
    return stream.steady_rate([r.timestamp for r in records])


def floor_app(settings: Settings, target: str) -> faust.App:
    """The worker's app with only the copying agent: the event log, unchanged, to ``target``."""
    app = create_app(settings)
    output = OutputProducer(settings.kafka_bootstrap, f"{settings.streams.app_id}-output")

    async def copy(records: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for events in take_batches(records, settings.streams):
            await output.send_all([(target, e.key, e.value) for e in events])
            for event in events:
                await records.ack(event)
            yield None

    source = app.topic(TopicNames(settings.topic_prefix).events)
    app.agent(source, name="copy", concurrency=1)(copy)
    return app


def main() -> None:
    """Entry point of the child process ``rate`` starts: ``python -m ... TARGET``."""
    run_app(floor_app(Settings(), sys.argv[1]), "warning")


if __name__ == "__main__":
    main()
