"""Keyset cursors for the case list: where the next page starts, as an opaque string.

A page ends with the sort key of its last case; the next page asks for cases after it, so the
database seeks in an index instead of counting past every earlier case (``offset``), and page
1,000 costs what page 1 does. Pure.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The sort key of each order: the columns, each ascending (False) or descending (True). The
# case id comes last, so every key is unique and no case is skipped or shown twice.
ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "opened": (("opened_at", True), ("case_id", True)),
    "updated": (("updated_at", True), ("case_id", True)),
    "urgency": (("priority", False), ("deadline", False), ("case_id", False)),
}
_MOMENTS = frozenset({"opened_at", "updated_at", "deadline"})


class CursorError(ValueError):
    """A cursor that this API did not make for this sort order."""


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last case of a page, for ``sort``."""

    sort: str
    values: tuple[Any, ...]

    def encode(self) -> str:
        """The opaque ``after`` value a client passes back (URL-safe, no padding)."""
        plain = [v.isoformat() if isinstance(v, datetime) else v for v in (self.sort, *self.values)]
        raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_after(sort: str, row: dict[str, Any]) -> Cursor:
    """The cursor that continues after ``row`` (a case as the store gives it) in ``sort``."""
    return Cursor(sort, tuple(row[column] for column, _ in ORDERS[sort]))


def decode_cursor(text: str, sort: str) -> Cursor:
    """The cursor in ``text``; raises ``CursorError`` when it is not one made for ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise CursorError("not a cursor this API made") from exc
    columns = ORDERS[sort]
    if not isinstance(plain, list) or len(plain) != len(columns) + 1 or plain[0] != sort:
        raise CursorError(f"not a cursor of the {sort!r} order")
    values = []
    for (column, _), value in zip(columns, plain[1:], strict=True):
        values.append(_typed(column, value))
    return Cursor(sort, tuple(values))


def _typed(column: str, value: Any) -> Any:
    if column in _MOMENTS:
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise CursorError("not a cursor this API made") from exc
        if moment.tzinfo is None:
            raise CursorError("not a cursor this API made")
        return moment
    wanted = int if column == "priority" else str
    if type(value) is not wanted:
        raise CursorError("not a cursor this API made")
    return value
