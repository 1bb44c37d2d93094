"""What people read for the hub's codes, in Chinese and English: statuses, sources, platforms,
categories and priorities. The console's page and the exports use these, so a code reads the
same on screen and in a spreadsheet.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import Any, Literal

from fusionhub.connectors.registry import load_sources

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")

STATUSES = {
    "new": ("受理", "New"),
    "dispatched": ("派遣", "Dispatched"),
    "in_progress": ("处置中", "In progress"),
    "resolved": ("办结", "Resolved"),
    "closed": ("已评价", "Closed"),
    "escalated": ("已上报", "Escalated"),
    "reopened": ("重办", "Reopened"),
    "merged": ("已合并", "Merged"),
}
# Each source's own labels, as its module declares them (fusionhub.sources).
SOURCES = load_sources().labels()
PLATFORMS = {
    "综治工作": ("综治工作", "Social governance"),
    "市场监管": ("市场监管", "Market regulation"),
    "综合执法": ("综合执法", "Law enforcement"),
    "便民服务": ("便民服务", "Public services"),
}
PRIORITIES = {
    1: ("特急", "Critical"),
    2: ("紧急", "Urgent"),
    3: ("一般", "Normal"),
    4: ("缓办", "Low"),
}
_CATEGORIES_EN = {
    "fire": "Fire",
    "fire_hazard": "Fire hazard",
    "crowding": "Crowding",
    "public_security": "Public security",
    "dispute.neighbour": "Neighbour dispute",
    "dispute.land": "Land dispute",
    "dispute.family": "Family dispute",
    "dispute.property": "Property management dispute",
    "wage_arrears": "Unpaid wages",
    "safety_hazard": "Safety hazard",
    "street_vending": "Street vending",
    "illegal_construction": "Illegal construction",
    "sanitation": "Sanitation",
    "pollution": "Pollution",
    "noise": "Noise",
    "food_safety": "Food safety",
    "consumer": "Consumer rights",
    "price": "Prices and fees",
    "utilities": "Water, power, gas",
    "roads": "Roads",
    "consultation": "Policy question",
    "other": "Other",
}


@functools.cache
def category_names() -> dict[str, tuple[str, str]]:
    """Unified category code -> (Chinese, English) name, from the packaged category table."""
    path = resources.files("fusionhub").joinpath("data").joinpath("unified_categories.csv")
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {r["code"]: (r["name"], _CATEGORIES_EN.get(r["code"], r["code"])) for r in rows}


def label(table: dict[Any, tuple[str, str]], code: Any, language: Language) -> str:
    """The name of ``code`` in ``table`` for ``language``; the code itself when unknown."""
    names = table.get(code)
    if names is None:
        return "" if code is None else str(code)
    return names[0] if language == "zh-CN" else names[1]


def every_label() -> dict[str, dict[str, dict[str, str]]]:
    """All tables by kind, code and language, for the console page (``GET /v1/console``)."""
    tables: dict[str, dict[Any, tuple[str, str]]] = {
        "status": STATUSES,
        "source": SOURCES,
        "platform": PLATFORMS,
        "priority": PRIORITIES,
        "category": category_names(),
    }
    return {
        kind: {str(code): {"zh-CN": zh, "en": en} for code, (zh, en) in table.items()}
        for kind, table in tables.items()
    }
