"""Source taxonomies mapped to the unified categories, from ``fusionhub/data/categories.toml``.

The table is data: operators edit the TOML file (see its header for the order of decisions) and
restart. Each source reads its own section, in the order its module gives
(``fusionhub.sources``). ``load_category_table`` reads the files; ``CategoryTable`` does no I/O.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from fusionhub.core.events import Platform

OTHER = "other"
T = TypeVar("T")
Keywords = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """The unified category chosen for one report and the table section that decided it."""

    code: str
    platform: Platform
    rule: str


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """A source class refined by keywords in the text, e.g. 劳动社保 + 工资 -> wage_arrears.

    Without a keyword hit and without a default, the general keyword table decides.
    """

    keywords: Keywords
    default: str | None


class CategoryTable:
    """Answers "which unified category is this report" from ``categories.toml``; built once at
    start-up and shared by every connector.

    The table is generic: each source has a section of its own (``[grid]``, ``[hotline]``,
    ...) whose shape its connector knows, and decides its order of rules in its own module
    (``fusionhub.sources``), using ``rules``, ``keywords`` and ``match`` here; ``[keywords]`` is
    the general keyword table every source may fall back on. Construct with
    ``load_category_table()`` or ``CategoryTable.from_texts``; an unknown code anywhere in the
    file raises ValueError naming the place, so a bad edit fails at start-up.
    """

    def __init__(self, rules: Mapping[str, Any], platforms: Mapping[str, Platform]) -> None:
        self._platforms = dict(platforms)
        if OTHER not in self._platforms:
            raise ValueError(f"unified categories must include {OTHER!r}")
        self._doc = dict(rules)
        self._rules: dict[tuple[str, ...], dict[str, str | KeywordRule]] = {}
        self._keywords: dict[tuple[str, ...], Keywords] = {}
        self._matches: dict[tuple[str, str], CategoryMatch] = {}
        self._derived: dict[str, Any] = {}
        bad = [
            f"{place} = {code!r}"
            for place, code in _codes_in(self._doc, "")
            if code not in platforms
        ]
        if bad:
            raise ValueError("unknown unified category codes: " + ", ".join(bad))

    @classmethod
    def from_texts(cls, rules_toml: str, unified_csv: str) -> CategoryTable:
        """A table from the text of categories.toml and unified_categories.csv (tests, tools)."""
        rows = csv.DictReader(io.StringIO(unified_csv))
        platforms = {row["code"]: Platform(row["platform"]) for row in rows}
        return cls(tomllib.loads(rules_toml), platforms)

    @property
    def codes(self) -> frozenset[str]:
        """Every unified category code the table may answer."""
        return frozenset(self._platforms)

    def has_section(self, name: str) -> bool:
        """Whether the file has a section ``[name]`` (the registry checks every source has)."""
        return isinstance(self._doc.get(name), dict)

    def rules(self, *path: str) -> Mapping[str, str | KeywordRule]:
        """The table at ``path`` (``"grid", "pairs", "矛盾纠纷"``): each value a code or a
        keyword rule; empty when the file has none. Built once per path."""
        found = self._rules.get(path)
        if found is None:
            found = self._rules[path] = _rules(self._at(path))
        return found

    def keywords(self, *path: str) -> Keywords:
        """The keyword table at ``path`` as ordered (keyword, code) pairs (the first keyword
        found in a text wins); ``keywords()`` alone is the general ``[keywords]`` table."""
        key = path or ("keywords",)
        found = self._keywords.get(key)
        if found is None:
            found = self._keywords[key] = tuple(
                (str(k), str(c)) for k, c in self._at(key).items() if isinstance(c, str)
            )
        return found

    def match(self, code: str, rule: str) -> CategoryMatch:
        """The answer for ``code``, decided by the rule (table section) named ``rule``."""
        # Few (code, rule) pairs exist: each answer is built once and then shared (it is frozen).
        found = self._matches.get((code, rule))
        if found is None:
            found = self._matches[code, rule] = CategoryMatch(code, self._platforms[code], rule)
        return found

    def derived(self, key: str, build: Callable[[CategoryTable], T]) -> T:
        """A value a source computes once from the table (an ordered list, an index), kept
        under ``key`` so that its connector's per-report path only looks it up."""
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build(self)
        value: T = found
        return value

    def platform_of(self, code: str) -> Platform:
        """The platform line that handles a unified category (KeyError if unknown)."""
        return self._platforms[code]

    def _at(self, path: tuple[str, ...]) -> Mapping[str, Any]:
        node: Any = self._doc
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}


def _codes_in(node: Mapping[str, Any], place: str) -> Iterator[tuple[str, str]]:
    """(place, code) of every code in a part of the file: string values, ``default`` values
    and the second item of each ``keywords`` pair; tables are walked into."""
    for key, value in node.items():
        here = f"{place}.{key}" if place else str(key)
        if isinstance(value, str):
            yield here, value
        elif isinstance(value, dict):
            yield from _codes_in(value, here)
        elif key == "keywords" and isinstance(value, list):
            for pair in value:
                yield f"{here}.{pair[0]}", str(pair[1])


def _rules(raw: Mapping[str, Any]) -> dict[str, str | KeywordRule]:
    """A table whose values are a code, or ``{keywords = [[kw, code], ...], default = code}``."""
    rules: dict[str, str | KeywordRule] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            rules[name] = value
            continue
        keywords = tuple((str(k), str(c)) for k, c in value.get("keywords", []))
        default = value.get("default")
        rules[name] = KeywordRule(keywords, str(default) if default is not None else None)
    return rules


def apply_rule(rule: str | KeywordRule, text: str) -> str | None:
    """The code a rule gives for a text: its own keywords first, then its default."""
    if isinstance(rule, str):
        return rule
    return first_keyword(rule.keywords, text) or rule.default


def first_keyword(table: Keywords, text: str) -> str | None:
    """The code of the first table entry whose keyword occurs in ``text``."""
    if not text:
        return None
    return next((code for keyword, code in table if keyword in text), None)


def load_category_table(
    rules_path: Path | None = None, unified_path: Path | None = None
) -> CategoryTable:
    """Read the category rules (default: the packaged categories.toml) and unified codes.

    Called once by the composition root at start-up; raises ValueError on unknown codes and
    tomllib.TOMLDecodeError on a syntax error in the file.
    """
    data = resources.files("fusionhub").joinpath("data")
    rules = (rules_path or data.joinpath("categories.toml")).read_text("utf-8")
    unified = (unified_path or data.joinpath("unified_categories.csv")).read_text("utf-8")
    return CategoryTable.from_texts(rules, unified)
