"""Decoded ``fusionhub.Case`` and ``fusionhub.Event`` records for the sink's tests.

Every record goes through the real Avro codec, so tests see exactly what the sink decodes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import CASE_SUBJECT, EVENT_SUBJECT

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=CST)
CODEC = AvroCodec(EmbeddedSchemaRegistry())


def score(total: float, **signals: float) -> dict[str, Any]:
    """A Membership score with the given signals (the rest default to 0)."""
    return {"total": total, **signals}


def case_record(
    case_id: str,
    version: int,
    *,
    event_refs: list[str] | None = None,
    members: dict[str, dict[str, Any]] | None = None,
    status: str = "new",
    township: str = "330681109",
    platform: str = "综治工作",
    priority: int = 3,
    opened_at: datetime = T0,
    minutes: int | None = None,
) -> dict[str, Any]:
    """Version ``version`` of a case; ``updated_at`` is ``minutes`` (default: version) after
    ``opened_at``, and the history has one transition per version."""
    updated_at = opened_at + timedelta(minutes=version if minutes is None else minutes)
    refs = event_refs if event_refs is not None else [f"grid:{case_id}-1"]
    record = {
        "case_id": case_id,
        "version": version,
        "county_code": township[:6],
        "township_code": township,
        "village_code": f"{township}001",
        "category": "dispute.neighbour",
        "platform": platform,
        "priority": priority,
        "status": status,
        "level": "township",
        "opened_at": opened_at,
        "updated_at": updated_at,
        "deadline": opened_at + timedelta(days=3),
        "event_refs": refs,
        "sources": ["grid", "hotline"],
        "history": [
            {"at": opened_at + timedelta(minutes=v), "status": status, "actor": f"a{v}"}
            for v in range(1, version + 1)
        ],
        "members": [{"event_ref": r, "score": s} for r, s in (members or {}).items()],
        "change": "opened" if version == 1 else "event_attached",
    }
    return CODEC.decode(CODEC.encode(CASE_SUBJECT, record), CASE_SUBJECT)


def event_record(
    ref: str, *, township: str = "330681109", text: str = "楼道堆物"
) -> dict[str, Any]:
    """An event with masked and tokenised parties, as connectors publish them."""
    source, _, source_id = ref.partition(":")
    record = {
        "event_ref": ref,
        "source": source,
        "source_id": source_id,
        "occurred_at": T0,
        "received_at": T0 + timedelta(seconds=30),
        "category": "dispute.neighbour",
        "platform": "综治工作",
        "severity": 3,
        "text": text,
        "jurisdiction": {
            "county_code": township[:6],
            "township_code": township,
            "village_code": f"{township}001",
            "county_rule": "grid_code",
            "township_rule": "grid_code",
            "village_rule": "grid_code",
        },
        "point": {"lon": 120.4139, "lat": 29.6247},
        "address": "某村3组",
        "parties": [
            {"role": "appellant", "name_masked": "何**", "phone_masked": "138****2345"},
        ],
        "refs": ["12345-330681-20261125-000123"],
        "fingerprint": "f" * 64,
        "attributes": {"involved_count": "6"},
    }
    return CODEC.decode(CODEC.encode(EVENT_SUBJECT, record), EVENT_SUBJECT)


def utc(value: datetime) -> datetime:
    """``value`` as the store returns it: the same instant, in UTC."""
    return value.astimezone(UTC)


def table_contents(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every case-store table, sorted: for comparing whole database states."""
    from sqlalchemy import select

    from fusionhub.sinks.schema import metadata

    with engine.connect() as conn:
        return {
            name: sorted(tuple(row) for row in conn.execute(select(table)))
            for name, table in metadata.tables.items()
        }
