"""A file-ingest worker process: converts the chunks it is sent, produces what the parent keeps.

The parent side, and the messages between the two, are in ``parallel.py``. The worker keeps a
chunk's converted items until the parent's verdict says which to produce, then hands them to its
own producer and reports the chunk once the broker acknowledged all of it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from fusionhub.core.events import Source
from fusionhub.ingest.chunked import CHUNKS_IN_FLIGHT, convert_chunk
from fusionhub.ingest.chunks import FileChunk
from fusionhub.ingest.pipeline import Converted, IngestPipeline
from fusionhub.ingest.publisher import KafkaPublisher, PublishError

PublisherFactory = Callable[[], KafkaPublisher]


def serve(pipeline: IngestPipeline, publisher: PublisherFactory, pipe: Connection) -> None:
    """A worker's life: build its producer, then serve the parent until the pipe closes."""
    try:
        producer = publisher()
    except Exception as exc:  # no input is involved yet: the message is safe to pass on
        pipe.send(("error", -1, f"could not start a producer: {type(exc).__name__}: {exc}"))
        return
    _Worker(pipeline, producer, pipe).run()


class _Worker:
    """Converts the chunks it is sent, produces what the parent keeps, reports acks."""

    def __init__(self, pipeline: IngestPipeline, publisher: KafkaPublisher, pipe: Connection):
        self.pipeline = pipeline
        self.publisher = publisher
        self.pipe = pipe
        self.converted: dict[int, list[Converted]] = {}
        self.in_flight: deque[tuple[int, list[Any], float]] = deque()

    def run(self) -> None:
        while True:
            if self.in_flight and not self.pipe.poll():
                # Nothing else to do: send what lingers in the producer now, not when its
                # linger runs out, and report every chunk once the broker has answered.
                self.publisher.flush()
                while self.in_flight:
                    self.settle_oldest()
                continue
            try:
                message = self.pipe.recv()
            except EOFError:
                return
            kind, n, body = message[0], message[1], message[-1]
            if kind == "convert":
                self.convert(n, Source(message[2]), body)
            elif kind == "produce":
                self.produce(n, body)
            else:  # "ready"
                self.publisher.ready(body)
                self.pipe.send(("ready", n, None))
            while self.in_flight and all(f.is_done for f in self.in_flight[0][1]):
                self.settle_oldest()

    def convert(self, n: int, source: Source, chunk: FileChunk) -> None:
        try:
            items = convert_chunk(self.pipeline, source, chunk)
        except Exception as exc:  # reported to the parent, which stops the ingest
            # The type only: the message of a failure deep in a connector may quote input.
            self.pipe.send(("error", n, f"{type(exc).__name__} while converting {source} input"))
            return
        self.converted[n] = items
        outcomes = [
            (c.outcome.status, c.outcome.event_ref, c.outcome.reason, c.outcome.errors)
            for c in items
        ]
        self.pipe.send(("converted", n, outcomes))

    def produce(self, n: int, dropped: list[int]) -> None:
        items = self.converted.pop(n)
        if dropped:
            skip = set(dropped)
            items = [c for i, c in enumerate(items) if i not in skip]
        futures = self.publisher.send([c.record for c in items])
        self.in_flight.append((n, futures, time.perf_counter()))
        while len(self.in_flight) > CHUNKS_IN_FLIGHT:
            self.settle_oldest()

    def settle_oldest(self) -> None:
        n, futures, started = self.in_flight.popleft()
        try:
            self.publisher.wait(futures)
        except PublishError as exc:
            self.pipe.send(("failed", n, str(exc)))
            raise SystemExit(1) from exc
        self.pipe.send(("acked", n, time.perf_counter() - started))
