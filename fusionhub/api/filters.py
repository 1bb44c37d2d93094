"""The SQL conditions of the read API: a centre's reach, the case list's filters, search and
keyset paging. Every value is a bound parameter; each condition matches an index where the
board needs one (``fusionhub/sinks/schema.py``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, or_, select, tuple_

from fusionhub.api.centres import Centre
from fusionhub.api.cursor import ORDERS, Cursor
from fusionhub.api.params import CaseListQuery
from fusionhub.sinks.schema import UtcDateTime, case_members, cases, events

_CASE_ID = re.compile(r"C[0-9a-f]{16}")


def reach_conditions(centre: Centre) -> list[ColumnElement[bool]]:
    """The cases ``centre`` may see, as conditions on ``cases`` (``Centre.sees`` in SQL)."""
    if centre.department is not None:
        where = [cases.c.department == centre.department]
        if centre.county is not None:
            where.append(cases.c.county_code == centre.county)
        return where
    if centre.township is not None:
        return [cases.c.township_code == centre.township]
    if centre.county is not None:
        return [cases.c.county_code == centre.county]
    return []


def list_conditions(query: CaseListQuery, centre: Centre) -> list[ColumnElement[bool]]:
    """Every condition of a case-list request within ``centre``'s reach, paging excluded."""
    alternatives: list[tuple[Any, tuple[Any, ...]]] = [
        (cases.c.county_code, query.counties),
        (cases.c.township_code, query.townships),
        (cases.c.status, query.statuses),
        (cases.c.platform, query.platforms),
        (cases.c.priority, query.priorities),
        (cases.c.category, query.categories),
    ]
    where = reach_conditions(centre)
    where += [
        column.in_(values) if len(values) > 1 else column == values[0]
        for column, values in alternatives
        if values
    ]
    if query.sources:
        # Stored comma-joined; no source name is part of another, so a substring is exact.
        where.append(or_(*(cases.c.sources.contains(source) for source in query.sources)))
    if query.open_only:
        where.append(cases.c.is_open == True)  # noqa: E712 - SQL, not Python
    if query.opened_from is not None:
        where.append(cases.c.opened_at >= query.opened_from)
    if query.opened_to is not None:
        where.append(cases.c.opened_at < query.opened_to)
    if query.text is not None:
        where.append(search_condition(query.text))
    return where


def search_condition(text: str) -> ColumnElement[bool]:
    """Cases whose id is ``text``, or with a report whose ref or source id is ``text`` or whose
    text, title or address contains it (case-sensitive for Latin letters on PostgreSQL)."""
    if _CASE_ID.fullmatch(text):
        return cases.c.case_id == text
    if ":" in text:
        by_ref = select(case_members.c.case_id).where(case_members.c.event_ref == text)
        return cases.c.case_id.in_(by_ref)
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    joined = case_members.join(events, case_members.c.event_ref == events.c.event_ref)
    by_report = (
        select(case_members.c.case_id)
        .select_from(joined)
        .where(
            or_(
                events.c.source_id == text,
                events.c.text.like(pattern, escape="\\"),
                events.c.title.like(pattern, escape="\\"),
                events.c.address.like(pattern, escape="\\"),
            )
        )
    )
    return or_(cases.c.case_id == text, cases.c.case_id.in_(by_report))


def order_by(sort: str) -> list[Any]:
    """The ORDER BY of ``sort``: its key columns, each in its direction."""
    return [cases.c[name].desc() if down else cases.c[name].asc() for name, down in ORDERS[sort]]


def after_condition(cursor: Cursor) -> ColumnElement[bool]:
    """Cases after ``cursor`` in its order: one row-value comparison, which both databases
    answer by seeking in the sort's index."""
    columns = ORDERS[cursor.sort]
    names = [name for name, _ in columns]
    descending = {down for _, down in columns}
    if len(descending) != 1:
        return false()  # every order has one direction throughout; guard against a new one
    left = tuple_(*(cases.c[name] for name in names))
    right = tuple_(
        *(
            bindparam(f"after_{name}", value, type_=_type_of(name))
            for name, value in zip(names, cursor.values, strict=True)
        )
    )
    return left < right if descending.pop() else left > right


def _type_of(name: str) -> Any:
    return UtcDateTime() if name in ("opened_at", "updated_at", "deadline") else cases.c[name].type
