"""Chunks of input files: planned by the ingesting process, read by whoever converts them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Source

# A chunk names its input instead of carrying it, so handing one to a worker process costs
# a few bytes: (files, start, end, size in bytes). JSON Lines: one file and the byte range
# [start, end) of whole lines. XML alarms: whole files, one item each (start 0, end -1).
FileChunk = tuple[tuple[str, ...], int, int, int]


def holds_documents(source: Source) -> bool:
    """Whether ``source`` comes one XML document a file (``<name>/*.xml``, as video alarms
    do) rather than one JSON object a line (``<name>.jsonl``): its ``SourceSpec.file_kind``."""
    return load_sources().spec(source).file_kind == "xml"


def plan_chunks(source: Source, files: list[Path], lines: int) -> Iterator[FileChunk]:
    """Chunks of ``lines`` lines (blank ones included) or ``lines`` XML files, in input order.

    Called by ``ingest_files``; only line ends are looked for here, the conversion processes
    read the lines themselves.
    """
    if holds_documents(source):
        for i in range(0, len(files), lines):
            group = files[i : i + lines]
            yield tuple(str(f) for f in group), 0, -1, sum(f.stat().st_size for f in group)
        return
    for file in files:
        with file.open("rb") as fh:
            start = 0
            while True:
                end = start
                for count, line in enumerate(fh, 1):
                    end += len(line)
                    if count == lines:
                        break
                if end == start:
                    break
                yield (str(file),), start, end, end - start
                start = end


def read_chunk(chunk: FileChunk) -> list[bytes]:
    """The items of a chunk: its non-blank lines, stripped, or its XML files' bytes."""
    paths, start, end, _ = chunk
    if end < 0:
        return [Path(p).read_bytes() for p in paths]
    with open(paths[0], "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    return [s for s in (line.strip() for line in data.split(b"\n")) if s]
