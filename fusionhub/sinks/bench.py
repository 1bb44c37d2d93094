"""How many records per second the case store takes in: the sink's share of the hub benchmark."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fusionhub.sinks.store import SqlCaseStore

_BASE = datetime(2026, 1, 1, tzinfo=UTC)
_TOWNSHIPS = ("330681001", "330681002", "330681109", "330782001")


def synthetic_event(i: int) -> dict[str, Any]:
    """A decoded ``fusionhub.Event`` record, distinct for every ``i``."""
    township = _TOWNSHIPS[i % len(_TOWNSHIPS)]
    return {
        "event_ref": f"grid:BENCH-{i:08d}",
        "source": "grid",
        "source_id": f"BENCH-{i:08d}",
        "occurred_at": _BASE + timedelta(seconds=i),
        "received_at": _BASE + timedelta(seconds=i, milliseconds=300),
        "category": "dispute.neighbour",
        "platform": "综治工作",
        "severity": 3,
        "text": f"邻里纠纷 第{i}号 楼道堆物影响通行",
        "jurisdiction": {"county_code": township[:6], "township_code": township},
        "point": {"lon": 120.5 + i % 100 / 1000, "lat": 29.9},
        "address": "某小区3幢",
        "parties": [{"role": "reporter", "phone_masked": "138****0000", "phone_token": "tok"}],
        "refs": [],
        "fingerprint": f"{i:064x}",
        "attributes": {"grid_worker": "W001"},
    }


def synthetic_case(i: int) -> dict[str, Any]:
    """A decoded ``fusionhub.Case`` record opened by ``synthetic_event(i)``."""
    at = _BASE + timedelta(seconds=i)
    township = _TOWNSHIPS[i % len(_TOWNSHIPS)]
    return {
        "case_id": f"C-BENCH-{i:08d}",
        "version": 1,
        "county_code": township[:6],
        "township_code": township,
        "village_code": None,
        "category": "dispute.neighbour",
        "platform": "综治工作",
        "priority": 3,
        "status": "new",
        "level": "township",
        "opened_at": at,
        "updated_at": at,
        "deadline": at + timedelta(days=3),
        "event_refs": [f"grid:BENCH-{i:08d}"],
        "sources": ["grid"],
        "history": [{"at": at, "status": "new", "actor": "correlation", "note": "opened"}],
        "members": [],
        "change": "opened",
    }


def measure_sink_rows_per_s(url: str, n: int, batch_size: int = 500) -> float:
    """Write ``n`` synthetic cases and their ``n`` events in batches; return records per second.

    Records are Kafka records stored (a case and an event count one each), the same unit as
    ``SinkLoop.rows_written``. The schema is migrated before timing starts; use an empty
    database, since rows already present would make the writes no-ops.
    """
    store = SqlCaseStore.from_url(url)
    try:
        store.ensure_schema()
        started = time.perf_counter()
        for first in range(0, n, batch_size):
            ids = range(first, min(first + batch_size, n))
            store.write_batch([synthetic_case(i) for i in ids], [synthetic_event(i) for i in ids])
        elapsed = time.perf_counter() - started
    finally:
        store.dispose()
    return 2 * n / elapsed if elapsed > 0 else float("inf")
