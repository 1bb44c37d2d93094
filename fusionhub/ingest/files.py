"""``fusionhub ingest SOURCE PATH``: JSON Lines files and folders of XML alarms."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fusionhub.core.events import Source
from fusionhub.ingest.chunks import plan_chunks
from fusionhub.ingest.parallel import ChunkConverter
from fusionhub.ingest.pipeline import IngestPipeline, IngestReport, PreparedBatch
from fusionhub.ingest.publisher import KafkaPublisher

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class InputItem:
    payload: bytes
    size: int  # bytes of input consumed, for progress


def input_files(source: Source, path: Path) -> list[Path]:
    """The files ``path`` names for ``source``: itself, or the matching files of a folder.

    Raises FileNotFoundError when there is nothing to read, so the command can say so.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist")
    if source is Source.VIDEO:
        folder = path / "video" if (path / "video").is_dir() else path
        files = sorted(folder.glob("*.xml"))
    else:
        named = path / f"{source.value}.jsonl"
        files = [named] if named.is_file() else sorted(path.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no input for {source.value} in {path}")
    return files


def iter_items(source: Source, files: list[Path]) -> Iterator[InputItem]:
    """One item per JSON line (blank lines skipped) or per XML file."""
    for file in files:
        if source is Source.VIDEO:
            data = file.read_bytes()
            yield InputItem(data, len(data))
            continue
        with file.open("rb") as fh:
            for line in fh:
                stripped = line.strip()
                if stripped:
                    yield InputItem(stripped, len(line))


def total_bytes(files: list[Path]) -> int:
    return sum(f.stat().st_size for f in files)


def ingest_files(
    pipeline: IngestPipeline,
    publisher: KafkaPublisher,
    source: Source,
    files: list[Path],
    *,
    chunk_lines: int = 500,
    progress: Progress | None = None,
    converter: ChunkConverter | None = None,
) -> IngestReport:
    """Convert and produce every item, a chunk at a time, and wait for the broker's acks.

    Chunks are converted ahead (by ``converter``'s worker processes when given) and produced
    while the next ones convert; a chunk counts, and its refs become "seen", only once the
    broker acknowledged all of it. So a failure loses nothing silently: ``PublishError``
    propagates with every earlier chunk safely on the broker and no later one reported.
    """
    report = IngestReport()
    in_flight: deque[_SentChunk] = deque()
    chunks = plan_chunks(source, files, chunk_lines)
    # Without a converter, chunks convert in this process (nothing to close afterwards).
    conv = converter or ChunkConverter(pipeline, 1)
    try:
        for converted, consumed in conv.convert(source, chunks):
            prepared = pipeline.admit(source, converted)
            futures = publisher.send(prepared.records)
            in_flight.append(_SentChunk(prepared, futures, consumed))
            while len(in_flight) > _CHUNKS_IN_FLIGHT:
                _settle(pipeline, publisher, in_flight.popleft(), report, progress)
        while in_flight:
            _settle(pipeline, publisher, in_flight.popleft(), report, progress)
    except BaseException:
        for pending in in_flight:
            pipeline.seen.forget(pending.prepared.new_refs)
        raise
    return report


# Chunks sent but not yet acknowledged: enough to keep the producer busy while the next
# chunk converts, few enough that a failure leaves little to resend.
_CHUNKS_IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class _SentChunk:
    prepared: PreparedBatch
    futures: list[Any]
    consumed: int


def _settle(
    pipeline: IngestPipeline,
    publisher: KafkaPublisher,
    sent: _SentChunk,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """Wait for one chunk's acks, then count it and remember its refs."""
    publisher.wait(sent.futures)
    pipeline.seen.confirm(sent.prepared.new_refs)
    report.items.extend(sent.prepared.report.items)
    if progress:
        progress(sent.consumed)
