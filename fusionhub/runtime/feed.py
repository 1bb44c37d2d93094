"""Sending a simulated replay folder through the HTTP ingest API, in event-time order, paced."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from fusionhub.connectors.registry import SourceSpec, load_sources
from fusionhub.ingest.files import iter_items, source_files

CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True, order=True)
class FeedItem:
    at: str  # ISO text sorts in time order within one offset (the simulator writes +08:00)
    source: str
    payload: bytes = field(compare=False)


def load_feed(folder: Path, until: datetime | None = None) -> list[FeedItem]:
    """Every record of a replay folder, ordered by the time its source system stamped on it;
    with ``until``, only those stamped before it (a live feed cannot carry tomorrow's)."""
    items: list[FeedItem] = []
    for source, files in source_files(folder):
        spec = load_sources().spec(source)
        for item in iter_items(source, files):
            items.append(FeedItem(stamp_of(spec, item.payload), source.value, item.payload))
    if until is not None:
        items = [i for i in items if _before(i.at, until)]
    return sorted(items)


def _before(stamp: str, until: datetime) -> bool:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return True  # the ingest API judges it
    # Video alarms carry local time without an offset: China time.
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)) < until


def stamp_of(spec: SourceSpec, payload: bytes) -> str:
    """When the source system stamped a record (its ``SourceSpec.time_field``), as written."""
    field = spec.time_field
    if spec.file_kind == "xml":
        found = re.search(rf"<{field}>([^<]+)</{field}>".encode(), payload)
        return found.group(1).decode() if found else ""
    return str(json.loads(payload).get(field, ""))


@dataclass
class FeedProgress:
    sent: int = 0
    answered: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    done: bool = False


class HttpFeed:
    """Posts items to the ingest API at ``rate`` per second on a background thread."""

    def __init__(self, base_url: str, token: str, items: list[FeedItem], rate: float) -> None:
        self.base_url = base_url
        self.token = token
        self.items = items
        self.rate = rate
        self.progress = FeedProgress()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        with httpx.Client(
            base_url=self.base_url, headers=headers, timeout=30, trust_env=False
        ) as c:
            for item in self.items:
                if self._stop.wait(max(next_at - time.monotonic(), 0)):
                    break
                next_at += interval
                kind = load_sources().spec(item.source).media_type
                try:
                    answer = c.post(
                        f"/v1/ingest/{item.source}",
                        content=item.payload,
                        headers={"Content-Type": kind},
                    )
                except httpx.HTTPError:
                    self.progress.failures += 1
                    continue
                self.progress.sent += 1
                code = answer.status_code
                self.progress.answered[code] = self.progress.answered.get(code, 0) + 1
        self.progress.done = True
