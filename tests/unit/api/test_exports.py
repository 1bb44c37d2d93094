from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from fusionhub.api.exports import COLUMNS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.unit

FORMULA = '=HYPERLINK("http://evil.example","点我")'


def item(**more: Any) -> dict[str, Any]:
    base = {
        "case_id": "C1",
        "status": "dispatched",
        "priority": 1,
        "level": "township",
        "category": "noise",
        "platform": "综合执法",
        "county_name": "诸暨市",
        "township_name": "枫桥镇",
        "headline": "夜间施工噪声扰民",
        "sources": ["grid", "hotline"],
        "report_count": 2,
        "opened_at": datetime(2026, 11, 25, 0, 30, tzinfo=UTC),
        "deadline": datetime(2026, 11, 26, 0, 30, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 25, 1, 0, tzinfo=UTC),
        "resolved_at": None,
        "department": "综合行政执法队",
        "evaluation": None,
        "repeat_of": None,
    }
    return base | more


def test_the_csv_names_codes_shows_china_time_and_opens_in_spreadsheets() -> None:
    data = csv_bytes([item()], "zh-CN")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["案件编号", "状态", "优先级"]
    row = dict(zip([key for key, _, _ in COLUMNS], rows[1], strict=True))
    assert (row["status"], row["priority"], row["category"]) == ("派遣", "特急", "噪声扰民")
    assert row["sources"] == "网格上报、12345热线"
    assert row["opened_at"] == "2026-11-25 08:30"
    assert row["resolved_at"] == ""


def test_english_headings_and_names() -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes([item()], "en").decode("utf-8-sig"))))
    assert rows[0][:2] == ["Case", "Status"]
    assert rows[1][1:3] == ["Dispatched", "Critical"]


def test_report_text_that_looks_like_a_formula_stays_text_in_csv() -> None:
    data = csv_bytes([item(headline=FORMULA), item(headline="-1+2")], "zh-CN").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[1][8] == "'" + FORMULA
    assert rows[2][8] == "'-1+2"


def test_report_text_that_looks_like_a_formula_stays_text_in_xlsx() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([item(headline=FORMULA)], "zh-CN")))
    cell = book.active.cell(row=2, column=9)
    assert (cell.value, cell.data_type) == (FORMULA, "s")
    assert book.active.cell(row=2, column=11).value == 2  # numbers stay numbers
