"""File ingest in worker processes that convert their chunks and produce them themselves.

Parsing, validation, jurisdiction, personal-data protection and Avro encoding hold the GIL, and
so does kafka-python's ``send`` (about 10 µs a record, against some 23 µs of conversion):
threads cannot share them out. Each worker is a forked process with a producer of its own; the
parent keeps everything stateful (duplicate detection in input order, counters, progress) and
moves only outcomes and verdicts, never records. Forking shares the gazetteer and category
tables already built in the parent.

One pipe per worker; per chunk ``n``:

    parent -> worker   ("convert", n, source, chunk)   a chunk names file bytes, see chunks.py
    worker -> parent   ("converted", n, outcomes)      status, ref, reason, errors per item
    parent -> worker   ("produce", n, dropped)         the items the parent judged duplicates
    worker -> parent   ("acked", n, seconds)           all of chunk n is on the broker

or ``("failed", n, why)`` when the broker refused, ``("error", n, why)`` when conversion raised
(a bug) or the producer could not start. ``("ready", -1, topics)``, answered in kind, has a
worker's producer fetch the topics' metadata. A thread per worker takes its messages off the
pipe as they come; the worker side is in ``chunk_worker.py``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from queue import SimpleQueue
from typing import Any

from fusionhub.core.events import Source
from fusionhub.ingest.chunk_worker import PublisherFactory, serve
from fusionhub.ingest.chunked import CHUNKS_IN_FLIGHT, ChunkIngest, InProcessIngest, SettledChunk
from fusionhub.ingest.chunks import FileChunk
from fusionhub.ingest.pipeline import IngestPipeline, ItemOutcome, Judgement
from fusionhub.ingest.publisher import PublishError

# Chunks handed to each worker to convert ahead of the one being judged.
_AHEAD_PER_WORKER = 2


def default_workers() -> int:
    """Worker processes for file ingest when settings leave it at 0: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def open_ingest(pipeline: IngestPipeline, workers: int, publisher: PublisherFactory) -> ChunkIngest:
    """``WorkerIngest`` for more than one worker where ``fork`` exists, else ``InProcessIngest``.

    Called by ``fusionhub ingest`` and its benchmark before any Kafka client of the process
    exists (a fork copies only the forking thread). ``publisher`` builds one producer; it is
    called in each worker, or once here.
    """
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        return WorkerIngest(pipeline, workers, publisher)
    return InProcessIngest(pipeline, publisher())


class WorkerFailedError(Exception):
    """A worker raised (a bug: ``convert`` never raises on bad input), could not start, or died."""


# A worker's messages of one kind, in the order it sent them, or why its pipe closed.
_Inbox = SimpleQueue[tuple[Any, ...] | Exception]


class _Link:
    """The parent's side of one worker: its process, its pipe, its two inboxes."""

    def __init__(self, process: BaseProcess, pipe: Connection) -> None:
        self.process = process
        self.pipe = pipe
        self.converted: _Inbox = SimpleQueue()  # "converted" and "ready" answers
        self.acked: _Inbox = SimpleQueue()
        self.collector = threading.Thread(target=self.collect, daemon=True)

    def send(self, message: tuple[Any, ...]) -> None:
        try:
            self.pipe.send(message)
        except OSError as exc:  # its end of the pipe is gone
            raise self.last_word() from exc

    def last_word(self) -> Exception:
        """Why a worker whose pipe is closed left: the failure it reported, else its exit."""
        self.collector.join(timeout=5.0)  # it ends at the pipe's end, after any last message
        while not self.converted.empty():
            message = self.converted.get()
            if isinstance(message, tuple) and message[0] in ("error", "failed"):
                return _failure(message)
        return WorkerFailedError(f"an ingest worker exited ({self.process.exitcode})")

    def collect(self) -> None:
        """A thread of the parent: sort the worker's messages until its pipe closes.

        A failure goes to both inboxes, so the parent sees it whichever it waits on.
        """
        while True:
            try:
                message = self.pipe.recv()
            except (EOFError, OSError) as exc:
                self.converted.put(exc)
                self.acked.put(exc)
                return
            kind = message[0]
            if kind in ("converted", "ready"):
                self.converted.put(message)
            elif kind == "acked":
                self.acked.put(message)
            else:
                self.converted.put(message)
                self.acked.put(message)


def _expect(inbox: _Inbox, kind: str) -> tuple[Any, ...]:
    """The next message of ``inbox``; raises for a failure or a closed pipe."""
    message = inbox.get()
    if isinstance(message, Exception):
        raise WorkerFailedError(f"an ingest worker exited: {message!r}") from message
    if message[0] != kind:
        raise _failure(message)
    return message


def _failure(message: tuple[Any, ...]) -> Exception:
    """What a worker's "failed" (the broker refused) or "error" message stands for."""
    if message[0] == "failed":
        return PublishError(message[2])
    return WorkerFailedError(f"an ingest worker failed: {message[2]}")


class WorkerIngest:
    """``ChunkIngest`` with ``workers`` forked processes, each converting and producing.

    Build it with ``open_ingest``; use it as a context manager, or call ``close``.
    """

    def __init__(self, pipeline: IngestPipeline, workers: int, publisher: PublisherFactory) -> None:
        self._pipeline = pipeline
        self._links: list[_Link] = []
        self._broken = False  # after a failed ingest the workers' state is unknown
        context = multiprocessing.get_context("fork")
        for _ in range(workers):
            here, there = context.Pipe()
            process = context.Process(target=serve, args=(pipeline, publisher, there), daemon=True)
            process.start()
            there.close()
            self._links.append(_Link(process, here))
        # Threads only once every worker is forked: a fork copies no thread but its own.
        for link in self._links:
            link.collector.start()

    def ready(self, topics: Sequence[str]) -> None:
        """See ``ChunkIngest.ready``; every worker's producer fetches the topics' metadata."""
        for link in self._links:
            link.send(("ready", -1, list(topics)))
        for link in self._links:
            _expect(link.converted, "ready")

    def ingest(self, source: Source, chunks: Iterable[FileChunk]) -> Iterator[SettledChunk]:
        """See ``ChunkIngest.ingest``. Raises ``WorkerFailedError`` if a worker failed.

        After an ingest that failed or was left unfinished, the workers may still hold its
        chunks: a further ingest raises ``WorkerFailedError`` (open a new ``WorkerIngest``).
        """
        if self._broken:
            raise WorkerFailedError("an earlier ingest through these workers did not finish")
        self._broken = True  # until this ingest has settled every chunk
        links = self._links
        dispatched: deque[tuple[int, int]] = deque()
        judged: deque[tuple[int, Judgement, int]] = deque()
        try:
            for n, chunk in enumerate(chunks):
                links[n % len(links)].send(("convert", n, source.value, chunk))
                dispatched.append((n, chunk[3]))
                if len(dispatched) > _AHEAD_PER_WORKER * len(links):
                    judged.append(self._judge(source, *dispatched.popleft()))
                while len(judged) > CHUNKS_IN_FLIGHT * len(links):
                    yield self._settle(*judged.popleft())
            while dispatched:
                judged.append(self._judge(source, *dispatched.popleft()))
            while judged:
                yield self._settle(*judged.popleft())
            self._broken = False
        except BaseException:
            for _, judgement, _ in judged:
                self._pipeline.seen.forget(judgement.new_refs)
            raise

    def _judge(self, source: Source, n: int, size: int) -> tuple[int, Judgement, int]:
        link = self._links[n % len(self._links)]
        outcomes = [ItemOutcome(*o) for o in _expect(link.converted, "converted")[2]]
        judgement = self._pipeline.judge(source, outcomes)
        kept = set(judgement.keep)
        link.send(("produce", n, [i for i in range(len(outcomes)) if i not in kept]))
        self._pipeline.metrics.in_flight.inc(len(kept))
        return n, judgement, size

    def _settle(self, n: int, judgement: Judgement, size: int) -> SettledChunk:
        seconds = _expect(self._links[n % len(self._links)].acked, "acked")[2]
        metrics = self._pipeline.metrics
        metrics.in_flight.dec(len(judgement.keep))
        metrics.produce_latency.observe(seconds)
        self._pipeline.seen.confirm(judgement.new_refs)
        return SettledChunk(judgement.report.items, size)

    def close(self) -> None:
        """Stop the workers; called once when the ingest is over (also on failure).

        A finished ingest has nothing left in any producer: every chunk was acknowledged.
        """
        for link in self._links:
            # Stopped outright: after a failure a worker may be busy with a chunk nobody wants.
            link.process.terminate()
            link.process.join()
            link.pipe.close()
        self._links = []

    def __enter__(self) -> WorkerIngest:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
