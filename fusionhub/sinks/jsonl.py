"""A second case sink: every case state and report as one JSON line in a file.

The worked example of docs/extending.md ("Adding a sink"): one class, the three methods of
``CaseSink``, and the one error type the loop retries on. Useful as it is for a department that
wants the hub's cases as a file it can tail, load into a spreadsheet or ship elsewhere.

Each line is ``{"kind": "case" | "event", "record": {...}}`` with the decoded Avro record
(times in ISO 8601). Writes are idempotent: a case version or a report already in the file is
not written again, so a batch the loop retries or a redelivery after a crash adds nothing; a
reader takes the highest ``version`` of each case. The keys written so far are read back from
the file when the sink first writes, so they survive a restart (at the cost of memory: a few
dozen bytes per line).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from fusionhub.sinks.contract import CaseSink, Record, RetriableSinkError, SinkBatch

Key = tuple[str, str]


class JsonLinesCaseSink(CaseSink):
    """Appends case states and events to ``path`` (created with its folder when missing).

    A folder that is gone or unwritable, a full disk, any ``OSError``, is the destination being
    unavailable: ``RetriableSinkError``, and the loop tries the same batch again later.
    """

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: set[Key] | None = None
        self._handle: IO[str] | None = None
        self._start = 0
        self._pending: set[Key] = set()

    def write(self, batch: SinkBatch) -> None:
        """Append the batch's new lines; ``flush`` makes them durable. See ``CaseSink.write``."""
        written = self._keys_on_file()
        lines: list[str] = []
        keys: set[Key] = set()
        items = [("case", r) for r in batch.cases] + [("event", r) for r in batch.events]
        for kind, record in items:
            key = _key(kind, record)
            if key in written or key in keys:
                continue
            keys.add(key)
            lines.append(json.dumps({"kind": kind, "record": record}, default=_plain) + "\n")
        if not lines:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if _ends_torn(self.path):
                lines.insert(0, "\n")  # a crash's half line stays a line of its own
            self._handle = self.path.open("a", encoding="utf-8")
            self._start = self._handle.tell()
            self._handle.writelines(lines)
        except OSError as exc:
            self._abandon()
            raise RetriableSinkError(f"cannot append to {self.path}: {exc}") from exc
        self._pending = keys

    def flush(self) -> None:
        """Flush and fsync what ``write`` appended, then remember its keys; on ``OSError`` the
        appended part is cut off again (best effort) and ``RetriableSinkError`` raised."""
        handle = self._handle
        if handle is None:
            return
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        except OSError as exc:
            self._abandon()
            raise RetriableSinkError(f"cannot flush {self.path}: {exc}") from exc
        self._handle = None
        assert self._written is not None
        self._written |= self._pending
        self._pending = set()

    def close(self) -> None:
        """Close the file if a write was left unflushed (its lines are cut off again)."""
        self._abandon()

    def _keys_on_file(self) -> set[Key]:
        if self._written is None:
            try:
                self._written = read_keys(self.path)
            except OSError as exc:
                raise RetriableSinkError(f"cannot read {self.path}: {exc}") from exc
        return self._written

    def _abandon(self) -> None:
        # Lines of a batch that failed half-way are cut off, so a retry does not leave a torn
        # line in the middle of the file.
        handle, self._handle, self._pending = self._handle, None, set()
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.close()
        # A file gone or unreachable cannot be cut: read_keys skips a torn last line.
        with contextlib.suppress(OSError):
            os.truncate(self.path, self._start)


def read_keys(path: Path) -> set[Key]:
    """The (kind, id) keys of the lines in ``path``; a torn last line (a crash mid-append) is
    skipped. A missing file holds none."""
    if not path.exists():
        return set()
    keys: set[Key] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            keys.add(_key(item["kind"], item["record"]))
    return keys


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every line of a sink file, parsed (for readers and tests); torn lines are skipped."""
    items: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return items


def _ends_torn(path: Path) -> bool:
    """Whether the file's last line has no line end (a crash cut an append short)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def _key(kind: str, record: Record) -> Key:
    if kind == "case":
        return kind, f"{record['case_id']}@{record['version']}"
    return kind, str(record["event_ref"])


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")
