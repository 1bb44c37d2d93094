"""A case store filled through the sink's own writer, and the read API serving it on loopback.

The records are kept so tests can work out the expected answers from them independently of SQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fusionhub.api import ApiClient, ApiService, CaseReader
from fusionhub.api.params import PLATFORMS, STATUSES
from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.api import division_names, topics_document
from fusionhub.settings import Settings
from fusionhub.sinks import SqlCaseStore, open_engine
from tests.support import serve_in_thread
from tests.unit.sinks.builders import T0, case_record, event_record, score

TOWNSHIPS = ("330681109", "330681001", "330782001", "330102001")
MAX_LIMIT = 25
SHOWN_CASE = "C-SHOW"


@dataclass(frozen=True)
class RunningApi:
    """A served read API: its URL, token, a client, and the case records stored behind it."""

    url: str
    token: str
    client: ApiClient
    records: list[dict[str, Any]]
    database_url: str


def varied_cases(count: int) -> list[dict[str, Any]]:
    """Cases spread over townships, statuses, platforms and priorities, one hour apart."""
    records = []
    for i in range(count):
        records.append(
            case_record(
                f"C{i:03d}",
                1 + i % 3,
                township=TOWNSHIPS[i % 4],
                status=STATUSES[i % len(STATUSES)],
                platform=PLATFORMS[(i // 4) % len(PLATFORMS)],
                priority=1 + (i // 2) % 4,
                opened_at=T0 + timedelta(hours=i),
                # C000 is the oldest case but the most recently changed one.
                minutes=5000 if i == 0 else None,
            )
        )
    return records


def shown_case() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A case with three versions and three reports: the opener, a scored join, one missing."""
    record = case_record(
        SHOWN_CASE,
        3,
        event_refs=["grid:S-1", "hotline:S-2", "petition:S-3"],
        members={
            "hotline:S-2": score(0.82, person=0.4, text=0.12, distance=0.3),
            "petition:S-3": score(0.71, ref=0.5, category=0.21),
        },
        status="dispatched",
        township="330681109",
        opened_at=T0 - timedelta(days=2),
    )
    events = [event_record("grid:S-1", text="楼道堆物"), event_record("hotline:S-2")]
    return record, events


@pytest.fixture(scope="module")
def running_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    """The read API over a SQLite store of 40 varied cases plus ``SHOWN_CASE``."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'cases.db'}"
    store = SqlCaseStore.from_url(database_url)
    detailed, events = shown_case()
    records = [*varied_cases(40), detailed]
    store.write_batch(records, events)
    store.dispose()
    token = secrets.token_urlsafe(16)
    reader = CaseReader(open_engine(database_url), division_names())
    asyncapi = topics_document(Hub(Settings(_env_file=None)))  # type: ignore[call-arg]
    service = ApiService(reader, token, MAX_LIMIT, asyncapi=asyncapi)
    with serve_in_thread(service.app()) as url:
        yield RunningApi(url, token, ApiClient(url, token), records, database_url)


@pytest.fixture
def api(running_api: RunningApi) -> RunningApi:
    return running_api


def empty_database(tmp_path: Path) -> str:
    """A SQLite file that exists but was never migrated: every query fails."""
    path = tmp_path / "unmigrated.db"
    path.touch()
    return f"sqlite:///{path}"
