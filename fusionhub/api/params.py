"""Query parameters of the read API, parsed and checked before any database work.

Pure: takes the (name, value) pairs of a query string, returns plain values or every problem
found, each naming its parameter, so a client can fix all of them in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from fusionhub.api.cursor import ORDERS, Cursor, CursorError, decode_cursor
from fusionhub.connectors.registry import load_sources
from fusionhub.core.cases import CaseStatus
from fusionhub.core.events import Platform

# Zhejiang's wall clock; China has no daylight saving time, so a fixed offset is exact.
CHINA_TIME = timezone(timedelta(hours=8), "UTC+8")
DEFAULT_LIMIT = 50
SORT_ORDERS = tuple(ORDERS)
STATUSES = tuple(s.value for s in CaseStatus)
PLATFORMS = tuple(p.value for p in Platform)
PRIORITIES = (1, 2, 3, 4)
SOURCES = load_sources().names
MAX_SEARCH_CHARS = 100

_COUNTY = re.compile(r"\d{6}")
_TOWNSHIP = re.compile(r"\d{9}")
_CATEGORY = re.compile(r"[a-z][a-z_.]{0,59}")
_REPEATABLE = ("county", "township", "status", "platform", "priority", "category", "source")
_SINGLE = ("open", "q", "opened_from", "opened_to", "sort", "limit", "offset", "after")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class FieldProblem:
    """One wrong parameter: its name and what is wrong with it."""

    field: str
    message: str


class ParamError(ValueError):
    """Raised by the parsers with every problem found; the service answers 400 with them."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CaseListQuery:
    """A checked ``GET /v1/cases`` request. Values within one filter are alternatives (OR),
    filters combine with AND; empty means no filter. ``opened_from <= opened_at < opened_to``."""

    counties: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    sort: str = "opened"
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # Only cases not yet resolved, closed or merged (the board).
    open_only: bool = False
    # A case id, a report's ref (SOURCE:ID) or words of a report's text, title or address.
    text: str | None = None
    # Keyset paging: the page after this cursor (instead of ``offset``).
    after: Cursor | None = None


class QueryCollector:
    """Gathers the values of a query string by name and the problems found while reading them."""

    def __init__(self, pairs: Iterable[tuple[str, str]], known: tuple[str, ...]) -> None:
        self.values: dict[str, list[str]] = {}
        self.problems: list[FieldProblem] = []
        for name, value in pairs:
            if name in known:
                self.values.setdefault(name, []).append(value)
            else:
                self.problem(name, f"unknown parameter; known are {', '.join(known)}")

    def problem(self, name: str, message: str) -> None:
        self.problems.append(FieldProblem(name, message))

    def single(self, name: str) -> str | None:
        given = self.values.get(name, [])
        if len(given) > 1:
            self.problem(name, "give this parameter at most once")
        return given[0] if given else None

    def codes(self, name: str, pattern: re.Pattern[str], digits: int) -> tuple[str, ...]:
        good = []
        for value in self.values.get(name, []):
            if pattern.fullmatch(value):
                good.append(value)
            elif digits:
                self.problem(name, f"{value!r} is not a {digits}-digit division code")
            else:
                self.problem(name, f"{value!r} is not a category code (e.g. dispute.neighbour)")
        return tuple(good)

    def choices(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        good = []
        for value in self.values.get(name, []):
            if value in allowed:
                good.append(value)
            else:
                self.problem(name, f"{value!r} is not one of {', '.join(allowed)}")
        return tuple(good)

    def integer(self, name: str, value: str, low: int, high: int | None) -> int | None:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            upper = "" if high is None else f"..{high}"
            self.problem(name, f"{value!r} is not a whole number in {low}{upper}")
            return None
        return number

    def flag(self, name: str) -> bool:
        value = self.single(name)
        if value is None:
            return False
        if value not in _FLAGS:
            self.problem(name, f"{value!r} is not true or false")
        return _FLAGS.get(value, False)

    def optional_integer(self, name: str, default: int, low: int, high: int | None) -> int | None:
        value = self.single(name)
        return default if value is None else self.integer(name, value, low, high)

    def moment(self, name: str) -> datetime | None:
        value = self.single(name)
        if value is None:
            return None
        try:
            return parse_moment(value)
        except ValueError:
            self.problem(name, f"{value!r} is not an ISO 8601 date or date-time")
            return None


def parse_moment(value: str) -> datetime:
    """An aware datetime from ``2026-11-25``, ``2026-11-25T08:00`` or one with an offset.

    A date means its midnight and a time without an offset is China time (UTC+8), which is what
    a command centre in Zhejiang means. Raises ValueError for anything else.
    """
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(), CHINA_TIME)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TIME)


def parse_case_list(pairs: Iterable[tuple[str, str]], max_limit: int) -> CaseListQuery:
    """Check the query string of ``GET /v1/cases``; called by the service for every request.

    Raises ``ParamError`` listing every wrong, repeated-single or unknown parameter.
    """
    got = QueryCollector(pairs, _REPEATABLE + _SINGLE)
    priorities = [got.integer("priority", v, 1, 4) for v in got.values.get("priority", [])]
    limit = got.optional_integer("limit", DEFAULT_LIMIT, 1, max_limit)
    offset = got.optional_integer("offset", 0, 0, None)
    sort = got.single("sort") or "opened"
    if sort not in SORT_ORDERS:
        got.problem("sort", f"{sort!r} is not one of {', '.join(SORT_ORDERS)}")
    query = CaseListQuery(
        categories=got.codes("category", _CATEGORY, 0),
        sources=got.choices("source", SOURCES),
        open_only=got.flag("open"),
        text=_search_text(got),
        after=_cursor(got, sort if sort in SORT_ORDERS else "opened"),
        counties=got.codes("county", _COUNTY, 6),
        townships=got.codes("township", _TOWNSHIP, 9),
        statuses=got.choices("status", STATUSES),
        platforms=got.choices("platform", PLATFORMS),
        priorities=tuple(p for p in priorities if p is not None),
        opened_from=got.moment("opened_from"),
        opened_to=got.moment("opened_to"),
        sort=sort,
        limit=min(limit or 0, max_limit),
        offset=offset or 0,
    )
    if query.opened_from and query.opened_to and query.opened_from >= query.opened_to:
        got.problem("opened_to", "must be later than opened_from")
    if query.after is not None and query.offset:
        got.problem("after", "give after or offset, not both")
    if got.problems:
        raise ParamError(got.problems)
    return query


def _search_text(got: QueryCollector) -> str | None:
    text = (got.single("q") or "").strip()
    if len(text) > MAX_SEARCH_CHARS:
        got.problem("q", f"search for at most {MAX_SEARCH_CHARS} characters")
    return text[:MAX_SEARCH_CHARS] or None


def _cursor(got: QueryCollector, sort: str) -> Cursor | None:
    text = got.single("after")
    if not text:
        return None
    try:
        return decode_cursor(text, sort)
    except CursorError as exc:
        got.problem("after", f"{exc}; pass the next value of the page before")
        return None


def parse_county_only(pairs: Iterable[tuple[str, str]]) -> str | None:
    """Check the query string of ``GET /v1/stats/townships``: an optional 6-digit county."""
    got = QueryCollector(pairs, ("county",))
    county = got.single("county")
    if county is not None and not _COUNTY.fullmatch(county):
        got.problem("county", f"{county!r} is not a 6-digit division code")
    if got.problems:
        raise ParamError(got.problems)
    return county


@dataclass(frozen=True)
class CorrectionQuery:
    """A checked ``GET /v1/corrections`` request: ``at_from <= at < at_to``, oldest first."""

    county: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse_corrections(pairs: Iterable[tuple[str, str]], max_limit: int) -> CorrectionQuery:
    """Check the query string of ``GET /v1/corrections``; called by the service per request.

    Raises ``ParamError`` listing every wrong, repeated or unknown parameter.
    """
    got = QueryCollector(pairs, ("county", "at_from", "at_to", "limit", "offset"))
    county = got.single("county")
    if county is not None and not _COUNTY.fullmatch(county):
        got.problem("county", f"{county!r} is not a 6-digit division code")
    query = CorrectionQuery(
        county=county,
        at_from=got.moment("at_from"),
        at_to=got.moment("at_to"),
        limit=min(got.optional_integer("limit", DEFAULT_LIMIT, 1, max_limit) or 0, max_limit),
        offset=got.optional_integer("offset", 0, 0, None) or 0,
    )
    if query.at_from and query.at_to and query.at_from >= query.at_to:
        got.problem("at_to", "must be later than at_from")
    if got.problems:
        raise ParamError(got.problems)
    return query
