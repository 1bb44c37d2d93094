"""What the read API asks of the case store, in the shapes it answers with, within the reach of
the centre asking.

Details and township counts come from ``fusionhub.sinks.CaseQueries``; the case list is queried
here because the API needs what that query does not offer: several values per filter, search,
a total for paging, keyset paging and a choice of order. Every call blocks; the service runs
them in its thread pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, func, select

from fusionhub.api.centres import PROVINCE, Centre
from fusionhub.api.cursor import cursor_after
from fusionhub.api.filters import after_condition, list_conditions, order_by, reach_conditions
from fusionhub.api.params import CaseListQuery, CorrectionQuery
from fusionhub.sinks import CaseQueries, CorrectionFilter
from fusionhub.sinks.schema import case_members, cases, events

# Division code -> its name (诸暨市, 暨阳街道), or None when the gazetteer does not know it.
NameLookup = Callable[[str], str | None]
HEADLINE_CHARS = 80


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

    def list_page(
        self, query: CaseListQuery, centre: Centre = PROVINCE
    ) -> tuple[int, list[dict[str, Any]], str | None]:
        """How many cases match ``query`` within ``centre``'s reach, the page of them it asks
        for (each with its headline and place), and the cursor of the page after it (None
        on the last page)."""
        where = list_conditions(query, centre)
        page = select(cases).where(*where)
        if query.after is not None:
            page = page.where(after_condition(query.after))
        page = page.order_by(*order_by(query.sort)).limit(query.limit).offset(query.offset)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(cases).where(*where))
            matched = int(total.scalar_one())
            rows = [row._asdict() for row in conn.execute(page)]
            cards = _cards(conn, [row["case_id"] for row in rows])
        following = None
        if len(rows) == query.limit:
            following = cursor_after(query.sort, rows[-1]).encode()
        items = [self.summary(row, cards.get(row["case_id"])) for row in rows]
        return matched, items, following

    def summary(self, row: dict[str, Any], card: dict[str, Any] | None) -> dict[str, Any]:
        """A stored case row in the list's shape: sources as a list, division names, and the
        headline and place of its reports (None when no report is stored yet or located)."""
        row["sources"] = row["sources"].split(",") if row["sources"] else []
        row.update(card or {"headline": None, "lon": None, "lat": None})
        return self._named(row)

    def case(self, case_id: str, centre: Centre = PROVINCE) -> dict[str, Any] | None:
        """One case with its ``history`` and linked ``events`` (scores included), or None when
        there is no such case or ``centre`` may not see it."""
        found = self.queries.get_case(case_id)
        if found is None or not centre.sees_case(found):
            return None
        return self._named(found)

    def reach_of(self, case_id: str) -> dict[str, Any] | None:
        """The codes, department and status of a case (what an action is judged by), or None."""
        columns = (
            cases.c.case_id,
            cases.c.county_code,
            cases.c.township_code,
            cases.c.department,
            cases.c.status,
        )
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(cases.c.case_id == case_id)).first()
        return None if row is None else row._asdict()

    def township_counts(
        self, county: str | None, centre: Centre = PROVINCE
    ) -> list[dict[str, Any]]:
        """Per township in reach: its codes and names, ``total`` and ``by_status`` counts."""
        townships: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        rows = self.queries.counts_by_township_status(county, reach_conditions(centre))
        for row in rows:
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

    def corrections_page(
        self, query: CorrectionQuery, centre: Centre = PROVINCE
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many merges and splits of cases in reach match ``query`` in all, and its page
        of them, each in the shape of ``correction_item``."""
        where = CorrectionFilter(query.county, query.at_from, query.at_to)
        within = reach_conditions(centre)
        total, rows = self.queries.corrections(where, query.limit, query.offset, within)
        return total, [correction_item(row) for row in rows]

    def close(self) -> None:
        """Release pooled connections; called when the service stops."""
        self.engine.dispose()

    def _named(self, row: dict[str, Any]) -> dict[str, Any]:
        for level in ("county", "township"):
            code = row.get(f"{level}_code")
            row[f"{level}_name"] = self.names(code) if code else None
        return row


def _cards(conn: Any, case_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per case: the headline of its first stored report and the point of its first located
    one, read for a page of cases in one query (each by its primary key)."""
    ids = list(case_ids)
    if not ids:
        return {}
    joined = case_members.join(events, case_members.c.event_ref == events.c.event_ref)
    query = (
        select(case_members.c.case_id, events.c.title, events.c.text, events.c.lon, events.c.lat)
        .select_from(joined)
        .where(case_members.c.case_id.in_(ids))
        .order_by(case_members.c.case_id, case_members.c.position)
    )
    cards: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query):
        card = cards.setdefault(row.case_id, {"headline": None, "lon": None, "lat": None})
        if card["headline"] is None:
            card["headline"] = headline(row.title, row.text)
        if card["lon"] is None and row.lon is not None and row.lat is not None:
            card["lon"], card["lat"] = row.lon, row.lat
    return cards


def headline(title: str | None, text: str) -> str:
    """What a board row shows of a report: its title (a grid report's is its kind, 占道经营)
    and the start of its text, at most ``HEADLINE_CHARS`` characters."""
    words = " ".join(text.split())
    title = " ".join((title or "").split())
    chosen = f"{title}：{words}" if title and words and title not in words else words or title
    return chosen if len(chosen) <= HEADLINE_CHARS else chosen[: HEADLINE_CHARS - 1] + "…"


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
