"""ISO 8601 times as the sources send them: no offset means China Standard Time (+08:00).

Shape problems (``bad_format``) are told apart from calendar problems (``impossible_date``) so a
department's developer knows whether to fix the formatter or the data.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from fusionhub.connectors.errors import FieldError, Reason, quote_value

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100

# Accepts what datetime.fromisoformat accepts in practice from these systems, and no more:
# date, optional time with optional fraction, optional Z or +hh:mm / +hhmm offset. A lowercase
# "z" is a shape problem: fromisoformat refuses it, and letting it through made a formatter's
# slip look like an impossible date.
_ISO_SHAPE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)
_FRACTION = re.compile(r"[.,](\d+)")


def parse_source_time(value: object, path: str) -> datetime | FieldError:
    """The aware datetime in ``value``, or the FieldError that explains why it is not one.

    Called by every connector for every datetime field; a missing offset is +08:00 and years
    outside 2000..2100 are refused as impossible (typos such as 1026 or 2206).
    """
    parsed = source_time(value)
    if isinstance(parsed, datetime):
        return parsed
    message, reason = parsed
    return FieldError(path, message, reason)


def source_time(value: object) -> datetime | tuple[str, Reason]:
    """``parse_source_time`` with the problem as (message, reason), so the caller builds the
    field's path only when there is one."""
    if not isinstance(value, str):
        return f"must be an ISO 8601 string, got {_type_name(value)}", Reason.WRONG_TYPE
    text = value.strip()
    if not _ISO_SHAPE.fullmatch(text):
        return (
            f"{quote_value(text)} is not ISO 8601 (expected e.g. 2026-11-25T09:12:33+08:00)",
            Reason.BAD_FORMAT,
        )
    try:
        # Most times carry no fraction and go to fromisoformat as they are.
        has_fraction = "." in text or "," in text
        parsed = datetime.fromisoformat(_fraction_to_micro(text) if has_fraction else text)
    except ValueError as exc:
        return f"{quote_value(text)} is not a real date or time ({exc})", Reason.IMPOSSIBLE_DATE
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return (
            f"year {parsed.year} is outside {EARLIEST_YEAR}..{LATEST_YEAR}",
            Reason.IMPOSSIBLE_DATE,
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_STANDARD_TIME)
    return parsed


def _fraction_to_micro(text: str) -> str:
    """fromisoformat wants 3 or 6 fraction digits before 3.11's wider support; pad or cut to 6."""
    match = _FRACTION.search(text)
    if not match:
        return text
    digits = (match.group(1) + "000000")[:6]
    return text[: match.start()] + "." + digits + text[match.end() :]


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__
