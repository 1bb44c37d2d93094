"""``fusionhub ingest SOURCE PATH``: JSON Lines files and folders of XML alarms."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fusionhub.core.events import Source
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
    chunk_items: int = 2000,
    progress: Progress | None = None,
) -> IngestReport:
    """Convert and produce every item, a chunk at a time, and wait for the broker's acks.

    Each chunk is acknowledged before the next is admitted, so a failure loses nothing
    silently: ``PublishError`` propagates with every earlier chunk safely on the broker.
    """
    report = IngestReport()
    for payloads, consumed in _chunks(source, files, chunk_items):
        prepared = PreparedBatch(IngestReport(), [], [])
        for payload in payloads:
            admitted = pipeline.prepare(source, payload)
            prepared.report.items.extend(admitted.report.items)
            prepared.records.extend(admitted.records)
            prepared.new_refs.extend(admitted.new_refs)
        _flush(pipeline, publisher, prepared, report)
        if progress:
            progress(consumed)
    return report


def _chunks(source: Source, files: list[Path], size: int) -> Iterator[tuple[list[bytes], int]]:
    payloads: list[bytes] = []
    consumed = 0
    for item in iter_items(source, files):
        payloads.append(item.payload)
        consumed += item.size
        if len(payloads) >= size:
            yield payloads, consumed
            payloads, consumed = [], 0
    if payloads:
        yield payloads, consumed


def _flush(
    pipeline: IngestPipeline, publisher: KafkaPublisher, chunk: PreparedBatch, report: IngestReport
) -> None:
    try:
        publisher.send_and_wait(chunk.records)
    except Exception:
        pipeline.seen.forget(chunk.new_refs)
        raise
    pipeline.seen.confirm(chunk.new_refs)
    report.items.extend(chunk.report.items)
