"""Ingesting chunks of input files: convert, drop duplicates, produce, wait for the broker.

Two ways do it, behind one interface. ``InProcessIngest`` converts and produces in the calling
process; ``parallel.WorkerIngest`` has worker processes convert and produce, each with its own
producer. Either way, a chunk counts, and its refs become "seen", only once the broker has
acknowledged all of it, and chunks settle in input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fusionhub.core.events import Source
from fusionhub.ingest.chunks import FileChunk, read_chunk
from fusionhub.ingest.pipeline import Converted, IngestPipeline, ItemOutcome, PreparedBatch
from fusionhub.ingest.publisher import KafkaPublisher

# Chunks handed to a producer but not yet acknowledged, per producer: enough to keep it busy
# while the next chunk converts, few enough that a failure leaves little to resend.
CHUNKS_IN_FLIGHT = 2


@dataclass(slots=True)
class SettledChunk:
    """One chunk acknowledged by the broker: its items' outcomes and its size in bytes."""

    items: list[ItemOutcome]
    consumed: int


class ChunkIngest(Protocol):
    """What ``ingest_files`` needs: chunks in, settled chunks out, in input order."""

    def ingest(self, source: Source, chunks: Iterable[FileChunk]) -> Iterator[SettledChunk]:
        """Convert, judge and produce every chunk; yield each once the broker acknowledged it.

        Raises ``PublishError`` when the broker does not acknowledge a chunk: every chunk
        yielded before is safely on the broker, and no later one was reported.
        """
        ...

    def ready(self, topics: Sequence[str]) -> None:
        """Block until every producer knows ``topics``' partitions (called by the benchmark)."""
        ...

    def close(self) -> None:
        """Release the producers (and processes); called once when the ingest is over."""
        ...

    def __enter__(self) -> ChunkIngest: ...

    def __exit__(self, *_exc: object) -> None: ...


def convert_chunk(pipeline: IngestPipeline, source: Source, chunk: FileChunk) -> list[Converted]:
    """Every item of a chunk converted, in order: the same work in a worker and in-process."""
    return [c for payload in read_chunk(chunk) for c in pipeline.convert(source, payload)]


class InProcessIngest:
    """Converts and produces in this process, with the given publisher (which it closes)."""

    def __init__(self, pipeline: IngestPipeline, publisher: KafkaPublisher) -> None:
        self._pipeline = pipeline
        self._publisher = publisher

    def ingest(self, source: Source, chunks: Iterable[FileChunk]) -> Iterator[SettledChunk]:
        """See ``ChunkIngest.ingest``; a chunk is produced while the next one converts."""
        pipeline, publisher = self._pipeline, self._publisher
        in_flight: deque[tuple[PreparedBatch, list[Any], int]] = deque()
        try:
            for chunk in chunks:
                prepared = pipeline.admit(source, convert_chunk(pipeline, source, chunk))
                in_flight.append((prepared, publisher.send(prepared.records), chunk[3]))
                while len(in_flight) > CHUNKS_IN_FLIGHT:
                    yield self._settle(*in_flight.popleft())
            while in_flight:
                yield self._settle(*in_flight.popleft())
        except BaseException:
            for prepared, _, _ in in_flight:
                pipeline.seen.forget(prepared.new_refs)
            raise

    def _settle(self, prepared: PreparedBatch, futures: list[Any], size: int) -> SettledChunk:
        self._publisher.wait(futures)
        self._pipeline.seen.confirm(prepared.new_refs)
        return SettledChunk(prepared.report.items, size)

    def ready(self, topics: Sequence[str]) -> None:
        """See ``ChunkIngest.ready``."""
        self._publisher.ready(topics)

    def close(self) -> None:
        """Flush and close the publisher."""
        self._publisher.close()

    def __enter__(self) -> InProcessIngest:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
