"""The floor under any Faust worker: a faust-streaming agent that copies records and does no work.

``fusionhub bench correlate`` runs it beside the real worker and the aiokafka pass-through on
the same log. It is configured like the worker (batches from ``take_events``, the worker's fetch
size, the worker's ``OutputProducer``, acks awaited per batch), so its rate is what the hub's
worker would reach if decoding, correlating and encoding cost nothing.

``rate`` runs it as ``python -m fusionhub.bench.faust_floor BOOTSTRAP SOURCE TARGET APP_ID
WEB_PORT DATA_DIR`` until its group has committed the whole log, then stops it with SIGTERM.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import faust

from fusionhub.bench import stream
from fusionhub.settings import Settings, StreamSettings
from fusionhub.streams.output import OutputProducer
from fusionhub.streams.topics import TopicNames

TIMEOUT_S = 300.0


def floor_app(argv: list[str]) -> tuple[faust.App, OutputProducer]:
    """The copying app for ``argv`` (see the module doc)."""
    bootstrap, source, target, app_id, web_port, data_dir = argv
    s = StreamSettings()
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        value_serializer="raw",
        key_serializer="raw",
        web_host=s.web_host,
        web_bind=s.web_host,
        web_port=int(web_port),
        datadir=data_dir,
        topic_partitions=s.topic_partitions,
        consumer_auto_offset_reset="earliest",
        consumer_max_fetch_size=s.fetch_bytes_per_partition,
        broker_commit_interval=s.commit_interval_s,
    )
    output = OutputProducer(bootstrap, f"{app_id}-output")

    async def copy(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        batches = cast(faust.Stream[bytes], stream).take_events(s.batch_max, s.batch_within_s)
        async for events in batches:
            await output.send_all([(target, e.key, e.value) for e in events])
            yield None

    app.agent(app.topic(source), name="copy", concurrency=1)(copy)
    return app, output


def rate(run: Settings, workdir: Path, expected: int) -> float:
    """Run the floor agent over ``run``'s event log in a child process; its copying rate.

    Called by ``fusionhub bench correlate`` once per round. Raises RuntimeError if the child
    dies or copies fewer than ``expected`` records.
    """
    topics = TopicNames(run.topic_prefix)
    target = f"{run.topic_prefix}.faust-floor"
    group = f"{run.topic_prefix}-faust-floor"
    workdir.mkdir(parents=True, exist_ok=True)
    args = [run.kafka_bootstrap, topics.events, target, group, str(_free_port()), str(workdir)]
    with (workdir / "faust-floor.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fusionhub.bench.faust_floor", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not stream.group_caught_up(run.kafka_bootstrap, group, topics.events):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Faust floor agent did not finish; see {log.name}")
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    records = stream.read_topic(run.kafka_bootstrap, target)
    if len(records) < expected:
        raise RuntimeError(f"the Faust floor agent copied {len(records)} of {expected} records")
    return stream.steady_rate([r.timestamp for r in records])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    """Entry point of the child process the bench starts."""
    app, _ = floor_app(sys.argv[1:])
    worker = faust.Worker(app, loglevel="warning", redirect_stdouts=False)
    worker.spinner = None  # see fusionhub.streams.worker: the spinner turns on DEBUG logging
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
