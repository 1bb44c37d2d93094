"""What the read API asks of the case store, in the shapes it answers with.

Details and township counts come from ``fusionhub.sinks.CaseQueries``; the case list is queried
here because the API needs what that query does not offer: several values per filter, a total
for paging and a choice of order. Every call blocks; the service runs them in its thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select

from fusionhub.api.params import CaseListQuery, CorrectionQuery
from fusionhub.sinks import CaseQueries, CorrectionFilter
from fusionhub.sinks.schema import cases

# Division code -> its name (诸暨市, 暨阳街道), or None when the gazetteer does not know it.
NameLookup = Callable[[str], str | None]


def no_names(_: str) -> str | None:
    """A ``NameLookup`` that knows no names, for callers without a gazetteer."""
    return None


class CaseReader:
    """Reads cases for the API. Thread-safe: every call takes its own pooled connection.

    Every method raises ``sqlalchemy.exc.OperationalError`` (or another ``DBAPIError``) when the
    database cannot answer; the service turns that into 503.
    """

    def __init__(self, engine: Engine, names: NameLookup = no_names) -> None:
        self.engine = engine
        self.names = names
        self.queries = CaseQueries(engine)

    def list_page(self, query: CaseListQuery) -> tuple[int, list[dict[str, Any]]]:
        """How many cases match ``query`` in all, and the page of them it asks for."""
        where = _conditions(query)
        column = cases.c.updated_at if query.sort == "updated" else cases.c.opened_at
        page = (
            select(cases)
            .where(*where)
            .order_by(column.desc(), cases.c.case_id.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(cases).where(*where))
            matched = int(total.scalar_one())
            items = [self._named(_summary(row._asdict())) for row in conn.execute(page)]
        return matched, items

    def case(self, case_id: str) -> dict[str, Any] | None:
        """One case with its ``history`` and linked ``events`` (scores included), or None."""
        found = self.queries.get_case(case_id)
        return None if found is None else self._named(found)

    def township_counts(self, county: str | None) -> list[dict[str, Any]]:
        """Per township: its codes and names, ``total`` and ``by_status`` counts, by code."""
        townships: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        for row in self.queries.counts_by_township_status(county):
            key = (row["county_code"], row["township_code"])
            entry = townships.get(key)
            if entry is None:
                entry = self._named(
                    {"county_code": key[0], "township_code": key[1], "total": 0, "by_status": {}}
                )
                townships[key] = entry
            entry["by_status"][row["status"]] = int(row["count"])
            entry["total"] += int(row["count"])
        return list(townships.values())

    def corrections_page(self, query: CorrectionQuery) -> tuple[int, list[dict[str, Any]]]:
        """How many merges and splits match ``query`` in all, and its page of them, each in
        the shape of ``correction_item``."""
        where = CorrectionFilter(query.county, query.at_from, query.at_to)
        total, rows = self.queries.corrections(where, query.limit, query.offset)
        return total, [correction_item(row) for row in rows]

    def close(self) -> None:
        """Release pooled connections; called when the service stops."""
        self.engine.dispose()

    def _named(self, row: dict[str, Any]) -> dict[str, Any]:
        for level in ("county", "township"):
            code = row.get(f"{level}_code")
            row[f"{level}_name"] = self.names(code) if code else None
        return row


def _conditions(query: CaseListQuery) -> list[ColumnElement[bool]]:
    alternatives: list[tuple[Any, tuple[Any, ...]]] = [
        (cases.c.county_code, query.counties),
        (cases.c.township_code, query.townships),
        (cases.c.status, query.statuses),
        (cases.c.platform, query.platforms),
        (cases.c.priority, query.priorities),
    ]
    where: list[ColumnElement[bool]] = [
        column.in_(values) if len(values) > 1 else column == values[0]
        for column, values in alternatives
        if values
    ]
    if query.opened_from is not None:
        where.append(cases.c.opened_at >= query.opened_from)
    if query.opened_to is not None:
        where.append(cases.c.opened_at < query.opened_to)
    return where


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    # Stored comma-joined because it is never filtered on; the API answers with a list.
    row["sources"] = row["sources"].split(",") if row["sources"] else []
    return row


def correction_item(row: dict[str, Any]) -> dict[str, Any]:
    """A stored merge or split in the read API's shape: the fields of the corrections export
    (docs/corrections.md), named per action, plus ``command_id``, ``actor`` and ``county_code``."""
    if row["action"] == "merge":
        named = {
            "into": row["other_case_id"],
            "event_refs": row["moved_refs"],
            "into_event_refs": row["kept_refs"],
        }
    else:
        named = {
            "new_case_id": row["other_case_id"],
            "event_refs_moved": row["moved_refs"],
            "event_refs_kept": row["kept_refs"],
        }
    return {
        "action": row["action"],
        "case_id": row["case_id"],
        **named,
        "reason": row["reason"],
        "at": row["at"],
        "command_id": row["command_id"],
        "actor": row["actor"],
        "county_code": row["county_code"],
    }
