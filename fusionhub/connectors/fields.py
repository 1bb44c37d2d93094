"""Typed, path-aware reading of a source document, collecting every field error at once.

Each connector's ``normalise`` reads its document through a ``FieldReader`` and then calls
``raise_if_invalid``: the sender gets all problems of an item in one rejection, each named by
its path (``caller.phone``, ``parties[1].role``, ``location.lon``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

from fusionhub.connectors.errors import ConnectorError, FieldError, Reason, Stage, quote_value
from fusionhub.connectors.timeparse import source_time

# Lengths generous for real use but small enough to stop a runaway exporter.
ID_MAX = 64
SHORT_TEXT_MAX = 200
ADDRESS_MAX = 500
LONG_TEXT_MAX = 20_000
LIST_MAX = 200

# Source ids end up in refs (``grid:ID``) and Kafka keys: letters, digits and -_.
SOURCE_ID_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.\-]{0,63}", re.ASCII)
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 ()\-]{2,30}", re.ASCII)

T = TypeVar("T")
_MISSING = object()
_DECIMAL = re.compile(r"[+-]?\d{1,3}(?:\.\d{1,12})?", re.ASCII)


class FieldReader:
    """Reads fields of one JSON-like mapping; problems go to a shared error list.

    ``prefix`` names where the mapping sits in the document (``caller``, ``parties[0]``), so
    nested readers report full paths.
    """

    def __init__(
        self, doc: Mapping[str, Any], prefix: str = "", errors: list[FieldError] | None = None
    ) -> None:
        self._doc = doc
        self._prefix = prefix
        self.errors: list[FieldError] = [] if errors is None else errors

    def path(self, name: str) -> str:
        """The full path of a field of this mapping."""
        return f"{self._prefix}.{name}" if self._prefix else name

    def get_raw(self, name: str) -> Any:
        """The field's value as sent (``None`` when absent), for checks of its own."""
        return self._doc.get(name)

    def add(self, name: str, message: str, reason: Reason) -> None:
        """Record a problem with a field (used for cross-field rules)."""
        self.errors.append(FieldError(self.path(name), message, reason))

    def _get(self, name: str, required: bool) -> Any:
        value = self._doc.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.add(name, "is required", Reason.MISSING_FIELD)
            return _MISSING
        return value

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        max_len: int = SHORT_TEXT_MAX,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        """A string field, stripped; empty counts as missing. ``pattern`` must match fully."""
        value = self._doc.get(name)
        if type(value) is str:
            # Nearly every field is fine: return it after the checks alone, cheapest first.
            clean = value.strip()
            if (
                clean
                and len(clean) <= max_len
                and (clean.isascii() or _is_encodable(clean))
                and (pattern is None or pattern.fullmatch(clean))
            ):
                return clean
        value = self._get(name, required)
        if value is _MISSING:
            return None
        problem = _text_problem(value, max_len, pattern, hint)
        if problem is not None:
            message, reason = problem
            if reason is not Reason.MISSING_FIELD or required:
                self.add(name, message, reason)
            return None
        stripped: str = value.strip()
        return stripped

    def digits(self, name: str, lengths: Collection[int], *, required: bool = False) -> str | None:
        """A code made of digits only, of one of ``lengths`` (grid_code, region_code, DeviceID)."""
        value = self.text(name, required=required, max_len=ID_MAX)
        if value is not None and not (
            value.isascii() and value.isdigit() and len(value) in lengths
        ):
            self.add(
                name, f"{quote_value(value)} must be {_or_list(lengths)} digits", Reason.BAD_FORMAT
            )
            return None
        return value

    def integer_text(
        self, name: str, low: int, high: int, *, required: bool = False, enum_like: bool = False
    ) -> int | None:
        """An integer written as text (XML elements such as AlarmPriority) in ``low..high``."""
        value = self.text(name, required=required, max_len=12)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):
            self.add(name, f"{quote_value(value)} must be a whole number", Reason.WRONG_TYPE)
            return None
        number = int(value)
        if not low <= number <= high:
            reason = Reason.UNKNOWN_ENUM if enum_like else Reason.OUT_OF_RANGE
            self.add(name, f"{number} is outside {low}..{high}", reason)
            return None
        return number

    def enum(self, name: str, allowed: Collection[str], *, required: bool = False) -> str | None:
        """A string that must be one of ``allowed`` (exact, case-sensitive as the spec says)."""
        value = self.text(name, required=required)
        if value is not None and value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            self.add(name, f"{quote_value(value)} is not one of {options}", Reason.UNKNOWN_ENUM)
            return None
        return value

    def integer(
        self, name: str, low: int, high: int, *, required: bool = False, enum_like: bool = False
    ) -> int | None:
        """A JSON integer in ``low..high``; enum-like ranges (level 1-5) report unknown_enum."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(name, f"must be an integer, got {_json_type(value)}", Reason.WRONG_TYPE)
            return None
        if not low <= value <= high:
            reason = Reason.UNKNOWN_ENUM if enum_like else Reason.OUT_OF_RANGE
            self.add(name, f"{value} is outside {low}..{high}", reason)
            return None
        return value

    def number(self, name: str, low: float, high: float, *, required: bool = False) -> float | None:
        """A finite JSON number in ``low..high``; out of range is an impossible point."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(name, f"must be a number, got {_json_type(value)}", Reason.WRONG_TYPE)
            return None
        if not (math.isfinite(value) and low <= value <= high):
            self.add(name, f"{value} is outside {low}..{high}", Reason.IMPOSSIBLE_POINT)
            return None
        return float(value)

    def number_text(self, name: str, low: float, high: float) -> float | None:
        """An optional decimal written as text (XML Longitude/Latitude) in ``low..high``."""
        value = self.text(name, max_len=32)
        if value is None:
            return None
        if not _DECIMAL.fullmatch(value):
            self.add(name, f"{quote_value(value)} must be a decimal number", Reason.WRONG_TYPE)
            return None
        number = float(value)
        if not low <= number <= high:
            self.add(name, f"{number} is outside {low}..{high}", Reason.IMPOSSIBLE_POINT)
            return None
        return number

    def boolean(self, name: str) -> bool | None:
        """An optional JSON boolean (flags); 0/1 and "true" strings are refused."""
        value = self._get(name, False)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.add(name, f"must be true or false, got {_json_type(value)}", Reason.WRONG_TYPE)
            return None
        return value

    def time(self, name: str, *, required: bool = False) -> datetime | None:
        """An ISO 8601 time; no offset means +08:00."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        parsed = source_time(value)
        if isinstance(parsed, datetime):
            return parsed
        self.add(name, *parsed)
        return None

    def mapping(self, name: str, *, required: bool = False) -> FieldReader | None:
        """A reader for a nested object (``caller``, ``location``), sharing the error list."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if type(value) is not dict and not isinstance(value, Mapping):  # exact type: fast
            self.add(name, f"must be an object, got {_json_type(value)}", Reason.WRONG_TYPE)
            return None
        return FieldReader(value, self.path(name), self.errors)

    def mappings(self, name: str) -> list[FieldReader]:
        """Readers for a list of objects (``parties``); a non-object element is an error."""
        items = self._list(name)
        readers: list[FieldReader] = []
        for index, item in enumerate(items):
            path = f"{self.path(name)}[{index}]"
            if isinstance(item, Mapping):
                readers.append(FieldReader(item, path, self.errors))
            else:
                self.errors.append(
                    FieldError(
                        path, f"must be an object, got {_json_type(item)}", Reason.WRONG_TYPE
                    )
                )
        return readers

    def strings(self, name: str, *, max_len: int = ID_MAX) -> tuple[str, ...]:
        """A list of short strings (refs, attachments); integers are taken as their digits."""
        found: list[str] = []
        at = self.path(name)  # element paths are built for errors alone
        for index, item in enumerate(self._list(name)):
            if isinstance(item, int) and not isinstance(item, bool):
                found.append(str(item))
            elif not isinstance(item, str):
                message = f"must be a string, got {_json_type(item)}"
                self.errors.append(FieldError(f"{at}[{index}]", message, Reason.WRONG_TYPE))
            elif len(clean := item.strip()) > max_len:
                message = f"is longer than {max_len}"
                self.errors.append(FieldError(f"{at}[{index}]", message, Reason.TOO_LONG))
            elif clean:
                found.append(clean)
        return tuple(found)

    def _list(self, name: str) -> list[Any]:
        value = self._get(name, False)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.add(name, f"must be a list, got {_json_type(value)}", Reason.WRONG_TYPE)
            return []
        if len(value) > LIST_MAX:
            self.add(name, f"has {len(value)} items, at most {LIST_MAX}", Reason.TOO_LONG)
            return []
        return value

    def raise_if_invalid(self, stage: Stage, source_id: str | None) -> None:
        """Raise one ConnectorError carrying every error collected so far, if any."""
        if self.errors:
            raise ConnectorError(stage, list(self.errors), source_id)


def known(value: T | None) -> T:
    """A value ``raise_if_invalid`` has vouched for: required fields are present after it."""
    if value is None:
        raise RuntimeError("a required field was not checked before use")
    return value


def _or_list(lengths: Collection[int]) -> str:
    """``6, 9 or 12`` for messages."""
    ordered = [str(n) for n in sorted(lengths)]
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " or " + ordered[-1]


def _text_problem(
    value: object, max_len: int, pattern: re.Pattern[str] | None, hint: str
) -> tuple[str, Reason] | None:
    """What is wrong with a string field's value, or ``None``."""
    if not isinstance(value, str):
        return f"must be a string, got {_json_type(value)}", Reason.WRONG_TYPE
    text = value.strip()
    if not _is_encodable(text):
        return "holds an unpaired UTF-16 surrogate escape", Reason.BAD_ENCODING
    if not text:
        return "is required and must not be empty", Reason.MISSING_FIELD
    if len(text) > max_len:
        return f"is {len(text)} characters, at most {max_len}", Reason.TOO_LONG
    if pattern is not None and not pattern.fullmatch(text):
        return f"{quote_value(text)} is not {hint or 'in the expected format'}", Reason.BAD_FORMAT
    return None


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_JSON_TYPE_NAMES = ((bool, "boolean"), (int, "number"), (float, "number"), (str, "string"))


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return next((n for t, n in _JSON_TYPE_NAMES if isinstance(value, t)), type(value).__name__)
