"""The console's statistics view: per township and per day, over a period of opening dates.

* cases per day by source (a case reported by two systems counts once for each of them, and
  once in the day's total);
* overdue rate: the share of cases whose deadline passed before they were resolved (or, still
  unresolved, before now);
* median time to resolve, in hours, over the cases resolved (and not reopened since);
* repeat complaints: cases opened about an incident whose case was already finished (重复投诉).

Merged-away cases are left out: their reports are counted in the case they went into. Days are
China's calendar days. Counting is done by the database; only the resolve times (one row per
resolved case in reach) are read to take their medians.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, bindparam, case, func, select

from fusionhub.api.centres import Centre
from fusionhub.api.filters import reach_conditions
from fusionhub.api.params import ParamError, QueryCollector
from fusionhub.api.reads import NameLookup, no_names
from fusionhub.sinks.schema import UtcDateTime, cases

DEFAULT_DAYS = 30
MAX_DAYS = 366
_COUNTY = re.compile(r"\d{6}")
_TOWNSHIP = re.compile(r"\d{9}")


@dataclass(frozen=True)
class StatsQuery:
    """A checked ``GET /v1/stats/report``: cases opened in ``[opened_from, opened_to)``."""

    opened_from: datetime
    opened_to: datetime
    counties: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()


def parse_stats(pairs: Iterable[tuple[str, str]], now: datetime) -> StatsQuery:
    """Check the query string of ``GET /v1/stats/report``; the period defaults to the last
    30 days up to ``now``. Raises ``ParamError`` naming every wrong parameter."""
    got = QueryCollector(pairs, ("county", "township", "opened_from", "opened_to"))
    opened_to = got.moment("opened_to") or now
    opened_from = got.moment("opened_from") or opened_to - timedelta(days=DEFAULT_DAYS)
    if opened_from >= opened_to:
        got.problem("opened_to", "must be later than opened_from")
    elif opened_to - opened_from > timedelta(days=MAX_DAYS):
        got.problem("opened_from", f"a period of at most {MAX_DAYS} days")
    query = StatsQuery(
        opened_from,
        opened_to,
        got.codes("county", _COUNTY, 6),
        got.codes("township", _TOWNSHIP, 9),
    )
    if got.problems:
        raise ParamError(got.problems)
    return query


class StatsReader:
    """Computes the statistics view from the store. Thread-safe; every call blocks and raises
    ``sqlalchemy.exc.DBAPIError`` when the database cannot answer (the route answers 503)."""

    def __init__(self, engine: Engine, names: NameLookup = no_names) -> None:
        self.engine = engine
        self.names = names

    def report(self, query: StatsQuery, centre: Centre, now: datetime) -> dict[str, Any]:
        """The whole view for ``query`` within ``centre``'s reach, at ``now``."""
        where = self._where(query, centre)
        with self.engine.connect() as conn:
            per_day = self._per_day(conn, where)
            townships = self._townships(conn, where, now)
            waits = self._resolve_hours(conn, where)
        rows = []
        for key, counts in sorted(
            townships.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
        ):
            row = _township_row(key, counts, waits.get(key, []))
            row["county_name"] = self.names(key[0]) if key[0] else None
            row["township_name"] = self.names(key[1]) if key[1] else None
            rows.append(row)
        every_wait = [hours for found in waits.values() for hours in found]
        totals = _township_row((None, None), _sum(townships.values()), every_wait)
        return {
            "opened_from": query.opened_from,
            "opened_to": query.opened_to,
            "per_day": per_day,
            "townships": rows,
            "totals": {k: totals[k] for k in _MEASURES},
        }

    def _where(self, query: StatsQuery, centre: Centre) -> list[ColumnElement[bool]]:
        where = [
            *reach_conditions(centre),
            cases.c.opened_at >= query.opened_from,
            cases.c.opened_at < query.opened_to,
            cases.c.status != "merged",
        ]
        if query.counties:
            where.append(cases.c.county_code.in_(query.counties))
        if query.townships:
            where.append(cases.c.township_code.in_(query.townships))
        return where

    def _day(self) -> Any:
        # China's calendar day of the opening time, in each database's own words.
        if self.engine.dialect.name == "postgresql":
            return func.date(func.timezone("Asia/Shanghai", cases.c.opened_at))
        return func.date(cases.c.opened_at, "+8 hours")

    def _per_day(self, conn: Any, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
        day = self._day().label("day")
        query = select(day, cases.c.sources, func.count().label("n")).where(*where)
        days: dict[str, dict[str, Any]] = {}
        for row in conn.execute(query.group_by(day, cases.c.sources)):
            entry = days.setdefault(
                str(row.day), {"day": str(row.day), "total": 0, "by_source": {}}
            )
            entry["total"] += row.n
            for source in filter(None, (row.sources or "").split(",")):
                entry["by_source"][source] = entry["by_source"].get(source, 0) + row.n
        return [days[d] for d in sorted(days)]

    def _townships(
        self, conn: Any, where: list[ColumnElement[bool]], now: datetime
    ) -> dict[tuple[str | None, str | None], dict[str, int]]:
        at_now = bindparam("now", now, type_=UtcDateTime())
        finished_or_now = func.coalesce(cases.c.resolved_at, at_now)
        overdue = func.sum(case((cases.c.deadline < finished_or_now, 1), else_=0))
        repeats = func.sum(case((cases.c.repeat_of.is_not(None), 1), else_=0))
        resolved = func.sum(case((cases.c.resolved_at.is_not(None), 1), else_=0))
        keys = (cases.c.county_code, cases.c.township_code)
        query = select(*keys, func.count(), overdue, repeats, resolved).where(*where)
        found = {}
        for county, township, n, late, again, done in conn.execute(query.group_by(*keys)):
            found[(county, township)] = {
                "cases": int(n),
                "overdue": int(late or 0),
                "repeats": int(again or 0),
                "resolved": int(done or 0),
            }
        return found

    def _resolve_hours(
        self, conn: Any, where: list[ColumnElement[bool]]
    ) -> dict[tuple[str | None, str | None], list[float]]:
        query = select(
            cases.c.county_code, cases.c.township_code, cases.c.opened_at, cases.c.resolved_at
        ).where(*where, cases.c.resolved_at.is_not(None))
        waits: dict[tuple[str | None, str | None], list[float]] = {}
        for county, township, opened, resolved in conn.execute(query):
            hours = max((resolved - opened).total_seconds(), 0.0) / 3600
            waits.setdefault((county, township), []).append(hours)
        return waits


_MEASURES = ("cases", "overdue", "overdue_rate", "resolved", "median_resolve_hours", "repeats")


def _sum(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total = {"cases": 0, "overdue": 0, "repeats": 0, "resolved": 0}
    for entry in counts:
        for key in total:
            total[key] += entry[key]
    return total


def _township_row(
    key: tuple[str | None, str | None], counts: dict[str, int], waits: list[float]
) -> dict[str, Any]:
    rate = counts["overdue"] / counts["cases"] if counts["cases"] else None
    median = statistics.median(waits) if waits else None
    return {
        "county_code": key[0],
        "township_code": key[1],
        **counts,
        "overdue_rate": None if rate is None else round(rate, 4),
        "median_resolve_hours": None if median is None else round(median, 2),
    }
