"""Read-side queries of the case store, for the read API.

Every filter is a bound parameter and every list query orders by an indexed column, so the plans
stay index scans as the tables grow.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, func, select

from fusionhub.sinks.schema import (
    SCORE_FIELDS,
    case_corrections,
    case_history,
    case_members,
    cases,
    events,
)

MAX_PAGE = 1000


@dataclass(frozen=True)
class CaseFilter:
    """What ``list_cases`` narrows by; ``None`` means no filter. Opened times are inclusive-
    exclusive: ``opened_from <= opened_at < opened_to``."""

    county: str | None = None
    township: str | None = None
    status: str | None = None
    platform: str | None = None
    priority: int | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None


@dataclass(frozen=True)
class CorrectionFilter:
    """What ``corrections`` narrows by; ``None`` means no filter. ``at_from <= at < at_to``."""

    county: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None


class CaseQueries:
    """The read API's view of the store. Thread-safe: each call takes a pooled connection.

    Every method raises ``sqlalchemy.exc.OperationalError`` when the database is unreachable;
    the caller answers 503.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_cases(
        self, filters: CaseFilter = CaseFilter(), limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Cases matching ``filters``, most recently updated first, one page of them.

        Raises ValueError for a limit outside 1..MAX_PAGE or a negative offset.
        """
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise ValueError(f"limit must be 1..{MAX_PAGE} and offset >= 0")
        query = _filtered(select(cases), filters)
        query = query.order_by(cases.c.updated_at.desc(), cases.c.case_id.desc())
        with self.engine.connect() as conn:
            result = conn.execute(query.limit(limit).offset(offset))
            return [_case_dict(row._asdict()) for row in result]

    def get_case(self, case_id: str) -> dict[str, Any] | None:
        """One case with ``history`` (its timeline) and ``events`` (its reports with scores).

        ``events`` lists every report of the case, joined to the stored event when it has
        arrived (``event`` is None until then). Returns None for an unknown case id.
        """
        with self.engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
            if row is None:
                return None
            case = _case_dict(row._asdict())
            timeline = select(case_history).where(case_history.c.case_id == case_id)
            case["history"] = [
                {k: v for k, v in r._asdict().items() if k != "case_id"}
                for r in conn.execute(timeline.order_by(case_history.c.seq))
            ]
            case["events"] = _linked_events(conn, case_id)
        return case

    def counts_by_township_status(
        self, county: str | None = None, within: Sequence[ColumnElement[bool]] = ()
    ) -> list[dict[str, Any]]:
        """How many cases each township has in each status, optionally within one county and
        further conditions on ``cases`` (a centre's reach).

        Rows are ``{county_code, township_code, status, count}`` sorted by those keys; cases
        without a township are counted under ``township_code`` None.
        """
        keys = (cases.c.county_code, cases.c.township_code, cases.c.status)
        query = select(*keys, func.count().label("count")).where(*within).group_by(*keys)
        if county is not None:
            query = query.where(cases.c.county_code == county)
        with self.engine.connect() as conn:
            result = conn.execute(query.order_by(*keys))
            return [row._asdict() for row in result]

    def corrections(
        self,
        f: CorrectionFilter,
        limit: int = 50,
        offset: int = 0,
        within: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many merges and splits match ``f``, and one page of them, oldest first; with
        ``within`` (conditions on ``cases``), only corrections of a case meeting them.

        Each is a ``case_corrections`` row with its ref lists decoded. Raises ValueError for a
        limit outside 1..MAX_PAGE or a negative offset.
        """
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise ValueError(f"limit must be 1..{MAX_PAGE} and offset >= 0")
        table = case_corrections
        where: list[ColumnElement[bool]] = []
        if within:
            where.append(table.c.case_id.in_(select(cases.c.case_id).where(*within)))
        if f.county is not None:
            where.append(table.c.county_code == f.county)
        if f.at_from is not None:
            where.append(table.c.at >= f.at_from)
        if f.at_to is not None:
            where.append(table.c.at < f.at_to)
        page = select(table).where(*where).order_by(table.c.at, table.c.command_id)
        with self.engine.connect() as conn:
            counted = conn.execute(select(func.count()).select_from(table).where(*where))
            total = int(counted.scalar_one())
            rows = [r._asdict() for r in conn.execute(page.limit(limit).offset(offset))]
        for row in rows:
            row["moved_refs"] = json.loads(row["moved_refs"])
            row["kept_refs"] = json.loads(row["kept_refs"])
        return total, rows


def _filtered(query: Select[Any], f: CaseFilter) -> Select[Any]:
    equal = {
        cases.c.county_code: f.county,
        cases.c.township_code: f.township,
        cases.c.status: f.status,
        cases.c.platform: f.platform,
        cases.c.priority: f.priority,
    }
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    if f.opened_from is not None:
        query = query.where(cases.c.opened_at >= f.opened_from)
    if f.opened_to is not None:
        query = query.where(cases.c.opened_at < f.opened_to)
    return query


def _case_dict(row: dict[str, Any]) -> dict[str, Any]:
    row["sources"] = row["sources"].split(",") if row["sources"] else []
    return row


def _linked_events(conn: Any, case_id: str) -> list[dict[str, Any]]:
    query = (
        select(case_members, events)
        .select_from(case_members.outerjoin(events, case_members.c.event_ref == events.c.event_ref))
        .where(case_members.c.case_id == case_id)
        .order_by(case_members.c.position, case_members.c.event_ref)
    )
    linked = []
    for row in conn.execute(query):
        values = row._mapping
        score = None
        if values[case_members.c.score_total] is not None:
            score = {name: values[case_members.c[f"score_{name}"]] for name in SCORE_FIELDS}
        stored = None
        if values[events.c.event_ref] is not None:
            stored = {c.name: values[c] for c in events.columns}
            for name in ("parties", "refs", "attributes"):
                stored[name] = json.loads(stored[name])
        linked.append(
            {"event_ref": values[case_members.c.event_ref], "score": score, "event": stored}
        )
    return linked
