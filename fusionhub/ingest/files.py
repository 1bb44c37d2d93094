"""``fusionhub ingest SOURCE PATH``: JSON Lines files and folders of XML alarms."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Source
from fusionhub.ingest.chunked import ChunkIngest
from fusionhub.ingest.chunks import holds_documents, plan_chunks
from fusionhub.ingest.pipeline import IngestReport

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
    if holds_documents(source):
        folder = path / source.value if (path / source.value).is_dir() else path
        files = sorted(folder.glob("*.xml"))
    else:
        named = path / f"{source.value}.jsonl"
        files = [named] if named.is_file() else sorted(path.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no input for {source.value} in {path}")
    return files


def source_files(folder: Path) -> Iterator[tuple[Source, list[Path]]]:
    """Each registered source's files in a replay folder: ``<name>.jsonl``, or the documents
    of ``<name>/*.xml`` for a source that comes one document a file."""
    for spec in load_sources():
        if spec.file_kind == "xml":
            files = sorted((folder / spec.name).glob("*.xml"))
        else:
            named = folder / f"{spec.name}.jsonl"
            files = [named] if named.is_file() else []
        if files:
            yield spec.source, files


def iter_items(source: Source, files: list[Path]) -> Iterator[InputItem]:
    """One item per JSON line (blank lines skipped) or per XML file."""
    documents = holds_documents(source)
    for file in files:
        if documents:
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
    ingest: ChunkIngest,
    source: Source,
    files: list[Path],
    *,
    chunk_lines: int = 500,
    progress: Progress | None = None,
) -> IngestReport:
    """Convert and produce every item, a chunk at a time, and wait for the broker's acks.

    ``ingest`` does the work (in this process or in workers, see ``parallel.open_ingest``); a
    chunk counts only once the broker acknowledged all of it. So a failure loses nothing
    silently: ``PublishError`` propagates with every earlier chunk safely on the broker and no
    later one reported.
    """
    report = IngestReport()
    for settled in ingest.ingest(source, plan_chunks(source, files, chunk_lines)):
        report.items.extend(settled.items)
        if progress:
            progress(settled.consumed)
    return report
