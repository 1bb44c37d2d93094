"""Source taxonomies mapped to the unified categories, from ``fusionhub/data/categories.toml``.

The table is data: operators edit the TOML file (see its header for the order of decisions) and
restart. ``load_category_table`` reads the files; ``CategoryTable`` itself does no I/O.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fusionhub.core.events import Platform

OTHER = "other"
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
    """Answers "which unified category is this report" for each source; built once at start-up.

    Construct with ``load_category_table()`` or ``CategoryTable.from_texts``; an unknown code
    anywhere in the rules raises ValueError naming the place, so a bad edit fails at start-up.
    """

    def __init__(self, rules: Mapping[str, Any], platforms: Mapping[str, Platform]) -> None:
        self._platforms = dict(platforms)
        if OTHER not in self._platforms:
            raise ValueError(f"unified categories must include {OTHER!r}")
        grid, hotline = rules.get("grid", {}), rules.get("hotline", {})
        self._grid_pairs = {
            (t1, t2): rule
            for t1, by_type_2 in grid.get("pairs", {}).items()
            for t2, rule in _rules(by_type_2).items()
        }
        self._grid_type_1 = dict(grid.get("type_1_default", {}))
        self._hotline_segments = dict(hotline.get("segments", {}))
        prefixes = hotline.get("prefixes", {}).items()
        self._hotline_prefixes = sorted(prefixes, key=lambda kv: -len(kv[0]))
        self._hotline_appeal = dict(hotline.get("appeal_type_default", {}))
        self._petition = _rules(rules.get("petition", {}).get("problem_category", {}))
        video = rules.get("video", {})
        self._video_description: Keywords = tuple(video.get("description", {}).items())
        self._video_alarm_type = {str(k): v for k, v in video.get("alarm_type", {}).items()}
        self._keywords: Keywords = tuple(rules.get("keywords", {}).items())
        self._matches: dict[tuple[str, str], CategoryMatch] = {}
        self._check_codes()

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

    def grid(self, type_1: str, type_2: str, description: str) -> CategoryMatch:
        """Category of a grid report: exact (type_1, type_2), then keywords, then type_1."""
        rule = self._grid_pairs.get((type_1, type_2))
        if rule is not None and (code := _apply(rule, description)):
            return self._match(code, "grid.pairs")
        for text in (type_2, description):
            if code := _first_keyword(self._keywords, text):
                return self._match(code, "keywords")
        return self._match(self._grid_type_1.get(type_1, OTHER), "grid.type_1_default")

    def hotline(self, path: str | None, appeal_type: str, content: str) -> CategoryMatch:
        """Category of a 12345 order from its classification path, content and appeal type."""
        segments = [s.strip() for s in (path or "").split("/") if s.strip()]
        for segment in reversed(segments):
            if code := self._hotline_segments.get(segment):
                return self._match(code, "hotline.segments")
        for segment in reversed(segments):
            if code := _first_keyword(self._keywords, segment):
                return self._match(code, "keywords")
        joined = "/".join(segments)
        for prefix, code in self._hotline_prefixes:
            if joined == prefix or joined.startswith(prefix + "/"):
                return self._match(code, "hotline.prefixes")
        if code := _first_keyword(self._keywords, content):
            return self._match(code, "keywords")
        return self._match(self._hotline_appeal.get(appeal_type, OTHER), "hotline.appeal_type")

    def petition(self, problem_category: str | None, text: str) -> CategoryMatch:
        """Category of a petition from its problem category, refined by title + content."""
        rule = self._petition.get(problem_category or "")
        if rule is not None and (code := _apply(rule, text)):
            return self._match(code, "petition.problem_category")
        if code := _first_keyword(self._keywords, text):
            return self._match(code, "keywords")
        return self._match(OTHER, "default")

    def video(self, description: str | None, alarm_type: str | None) -> CategoryMatch:
        """Category of a video alarm from AlarmDescription, then the analytics AlarmType."""
        if code := _first_keyword(self._video_description, description or ""):
            return self._match(code, "video.description")
        if code := self._video_alarm_type.get(alarm_type or ""):
            return self._match(code, "video.alarm_type")
        if code := _first_keyword(self._keywords, description or ""):
            return self._match(code, "keywords")
        return self._match(OTHER, "default")

    def platform_of(self, code: str) -> Platform:
        """The platform line that handles a unified category (KeyError if unknown)."""
        return self._platforms[code]

    def _match(self, code: str, rule: str) -> CategoryMatch:
        # Few (code, rule) pairs exist: each answer is built once and then shared (it is frozen).
        match = self._matches.get((code, rule))
        if match is None:
            match = self._matches[code, rule] = CategoryMatch(code, self._platforms[code], rule)
        return match

    def _check_codes(self) -> None:
        named_rules = [(f"grid.pairs.{a}.{b}", r) for (a, b), r in self._grid_pairs.items()]
        named_rules += [(f"petition.problem_category.{k}", r) for k, r in self._petition.items()]
        used: list[tuple[str, str]] = [
            *((f"grid.type_1_default.{k}", c) for k, c in self._grid_type_1.items()),
            *((f"hotline.segments.{k}", c) for k, c in self._hotline_segments.items()),
            *((f"hotline.prefixes.{k}", c) for k, c in self._hotline_prefixes),
            *((f"hotline.appeal_type_default.{k}", c) for k, c in self._hotline_appeal.items()),
            *((f"video.description.{k}", c) for k, c in self._video_description),
            *((f"video.alarm_type.{k}", c) for k, c in self._video_alarm_type.items()),
            *((f"keywords.{k}", c) for k, c in self._keywords),
        ]
        for place, rule in named_rules:
            if isinstance(rule, str):
                used.append((place, rule))
            else:
                used.extend((f"{place}.keywords.{k}", c) for k, c in rule.keywords)
                if rule.default is not None:
                    used.append((f"{place}.default", rule.default))
        bad = [f"{place} = {code!r}" for place, code in used if code not in self._platforms]
        if bad:
            raise ValueError("unknown unified category codes: " + ", ".join(bad))


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


def _apply(rule: str | KeywordRule, text: str) -> str | None:
    """The code a rule gives for a text: its own keywords first, then its default."""
    if isinstance(rule, str):
        return rule
    return _first_keyword(rule.keywords, text) or rule.default


def _first_keyword(table: Keywords, text: str) -> str | None:
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
