"""Small pure parts of the console: statistics parameters, names, headlines, page policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fusionhub.api.labels import STATUSES, category_names, every_label, label
from fusionhub.api.page import content_security_policy
from fusionhub.api.params import ParamError, parse_case_list
from fusionhub.api.reads import HEADLINE_CHARS, headline
from fusionhub.api.stats import parse_stats

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def test_the_statistics_period_defaults_to_the_last_thirty_days() -> None:
    query = parse_stats([], NOW)
    assert (query.opened_from, query.opened_to) == (NOW - timedelta(days=30), NOW)


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ([("opened_from", "2025-01-01"), ("opened_to", "2026-12-01")], "opened_from"),
        ([("opened_from", "2026-12-02"), ("opened_to", "2026-12-01")], "opened_to"),
        ([("township", "3306")], "township"),
        ([("days", "7")], "days"),
    ],
)
def test_a_wrong_statistics_parameter_is_named(pairs: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(ParamError) as refused:
        parse_stats(pairs, NOW)
    assert field in {p.field for p in refused.value.problems}


def test_the_board_filters_are_read_with_the_list() -> None:
    query = parse_case_list(
        [
            ("open", "true"),
            ("category", "noise"),
            ("source", "video"),
            ("q", " 楼道 "),
            ("sort", "urgency"),
        ],
        50,
    )
    assert (query.open_only, query.categories, query.sources, query.text) == (
        True,
        ("noise",),
        ("video",),
        "楼道",
    )


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ([("open", "yes")], "open"),
        ([("source", "fax")], "source"),
        ([("category", "噪声")], "category"),
        ([("q", "x" * 101)], "q"),
        ([("after", "garbage")], "after"),
        (
            [
                ("offset", "10"),
                ("after", "WyJvcGVuZWQiLCIyMDI2LTExLTI1VDAwOjAwOjAwKzAwOjAwIiwiQzEiXQ"),
            ],
            "after",
        ),
    ],
)
def test_a_wrong_board_filter_is_named(pairs: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(ParamError) as refused:
        parse_case_list(pairs, 50)
    assert field in {p.field for p in refused.value.problems}


def test_every_code_has_a_chinese_and_an_english_name() -> None:
    labels = every_label()
    assert set(labels["status"]) == set(STATUSES)
    assert len(category_names()) == 22
    for table in labels.values():
        for names in table.values():
            assert names["zh-CN"]
            assert names["en"]
    assert label(STATUSES, "dispatched", "en") == "Dispatched"
    assert label(STATUSES, "unknown", "zh-CN") == "unknown"


@pytest.mark.parametrize(
    ("title", "text", "shown"),
    [
        ("占道经营", "老街早市摊贩占道", "占道经营：老街早市摊贩占道"),
        (None, "  楼道\n堆物  ", "楼道 堆物"),
        ("楼道", "楼道堆物", "楼道堆物"),
        ("", "", ""),
    ],
)
def test_a_headline_is_the_title_and_the_words_of_a_report(
    title: str | None, text: str, shown: str
) -> None:
    assert headline(title, text) == shown


def test_a_long_headline_is_cut_with_an_ellipsis() -> None:
    cut = headline(None, "字" * 200)
    assert len(cut) == HEADLINE_CHARS
    assert cut.endswith("…")


def test_the_page_policy_allows_this_origin_only_and_a_configured_tile_server() -> None:
    policy = content_security_policy(None)
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    with_tiles = content_security_policy("http://{s}.tiles.gov.example:8080/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: http://*.tiles.gov.example:8080" in with_tiles
