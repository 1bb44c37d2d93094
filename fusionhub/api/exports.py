"""The case list as a file: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
Chinese right) and XLSX (openpyxl, write-only).

Cells hold text from citizens' reports. A spreadsheet takes a cell starting with ``=``, ``+``,
``-``, ``@`` or a tab as a formula, so in CSV such text is prefixed with an apostrophe, and in
XLSX every cell is written as a plain string or number, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fusionhub.api.labels import (
    PLATFORMS,
    PRIORITIES,
    SOURCES,
    STATUSES,
    Language,
    category_names,
    label,
)
from fusionhub.api.params import CHINA_TIME

MAX_EXPORT_ROWS = 50_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Column key, Chinese heading, English heading.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("case_id", "案件编号", "Case"),
    ("status", "状态", "Status"),
    ("priority", "优先级", "Priority"),
    ("level", "层级", "Level"),
    ("category", "类别", "Category"),
    ("platform", "平台", "Platform"),
    ("county_name", "县(市、区)", "County"),
    ("township_name", "乡镇(街道)", "Township"),
    ("headline", "事项", "Matter"),
    ("sources", "来源", "Sources"),
    ("report_count", "报告数", "Reports"),
    ("opened_at", "受理时间", "Opened"),
    ("deadline", "办理时限", "Deadline"),
    ("updated_at", "最近变更", "Updated"),
    ("resolved_at", "办结时间", "Resolved"),
    ("department", "承办部门", "Department"),
    ("evaluation", "评价", "Evaluation"),
    ("repeat_of", "重复投诉于", "Repeat of"),
)


def headings(language: Language) -> list[str]:
    """The heading row in ``language``."""
    return [zh if language == "zh-CN" else en for _, zh, en in COLUMNS]


def export_row(item: dict[str, Any], language: Language) -> list[Any]:
    """One case of the list (its ``GET /v1/cases`` item) as cells: codes named, times in China
    time, numbers kept numbers."""
    named = {
        "status": label(STATUSES, item["status"], language),
        "priority": label(PRIORITIES, item["priority"], language),
        "category": label(category_names(), item["category"], language),
        "platform": label(PLATFORMS, item["platform"], language),
        "sources": "、".join(label(SOURCES, s, language) for s in item["sources"]),
        "level": {"township": "乡镇", "county": "县级"}.get(item["level"], item["level"])
        if language == "zh-CN"
        else item["level"],
    }
    cells = []
    for key, _, _ in COLUMNS:
        value = named.get(key, item.get(key))
        if isinstance(value, datetime):
            value = value.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
        cells.append("" if value is None else value)
    return cells


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(items: Iterable[dict[str, Any]], language: Language) -> bytes:
    """The CSV file of ``items``: BOM, heading row, one row per case, CRLF line ends."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(headings(language))
    for item in items:
        writer.writerow([_safe_text(cell) for cell in export_row(item, language)])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(items: Iterable[dict[str, Any]], language: Language) -> bytes:
    """The XLSX workbook of ``items``: one sheet, heading row frozen, text never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("案件" if language == "zh-CN" else "Cases")
    sheet.freeze_panes = "A2"
    sheet.append(headings(language))
    for item in items:
        row = []
        for value in export_row(item, language):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would take "=..." for a formula
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
