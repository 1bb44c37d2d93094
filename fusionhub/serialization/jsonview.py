"""Decoded Avro records as JSON, for people and tools without Avro: ``fusionhub tail`` and
``fusionhub deadletter show`` print them one a line."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _plain(value: object) -> object:
    """What ``json`` cannot write: times as ISO 8601, bytes as base64, decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_line(record: dict[str, Any]) -> str:
    """One line of JSON for a decoded record (UTF-8 text kept as it is, keys in order)."""
    return json.dumps(record, ensure_ascii=False, default=_plain)


def county_of(value: dict[str, Any]) -> str | None:
    """The county code a decoded record belongs to, where it says one: a case's
    ``county_code``, an event's ``jurisdiction.county_code``; None for other records."""
    county = value.get("county_code")
    if isinstance(county, str):
        return county
    jurisdiction = value.get("jurisdiction")
    if isinstance(jurisdiction, dict) and isinstance(jurisdiction.get("county_code"), str):
        return str(jurisdiction["county_code"])
    return None
