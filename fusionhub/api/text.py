"""Plain-text views of the read API's answers, for ``fusionhub cases`` in a terminal.

Pure functions of the JSON answers. Chinese characters take two terminal columns, so widths are
measured in columns, not characters; times are shown in China time (UTC+8).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fusionhub.api.params import CHINA_TIME, STATUSES

_MISSING = "-"


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns (ending in … when cut), padded to ``width``."""
    if columns(text) > width:
        kept = ""
        for ch in text:
            if columns(kept + ch) > width - 1:
                break
            kept += ch
        text = kept + "…"
    return text + " " * (width - columns(text))


def local_time(value: str | None) -> str:
    """An ISO 8601 timestamp from the API as ``YYYY-MM-DD HH:MM`` in China time."""
    if not value:
        return _MISSING
    return datetime.fromisoformat(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows under headers, each column as wide as its widest cell."""
    widths = [columns(h) for h in headers]
    for row in rows:
        widths = [max(w, columns(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [headers, ["-" * w for w in widths], *rows]
    cells = (zip(line, widths, strict=True) for line in lines)
    return "\n".join("  ".join(fit(c, w) for c, w in line).rstrip() for line in cells)


def _place(item: dict[str, Any], level: str) -> str:
    return str(item.get(f"{level}_name") or item.get(f"{level}_code") or _MISSING)


def case_page_text(page: dict[str, Any]) -> str:
    """The answer of ``GET /v1/cases`` as a table with a line saying which part is shown."""
    headers = ["CASE", "STATUS", "P", "PLATFORM", "CATEGORY", "TOWNSHIP", "OPENED (UTC+8)", "N"]
    rows = [
        [
            item["case_id"],
            item["status"],
            str(item["priority"]),
            item["platform"],
            item["category"],
            _place(item, "township"),
            local_time(item["opened_at"]),
            str(item["report_count"]),
        ]
        for item in page["items"]
    ]
    first, shown, total = page["offset"] + 1, len(page["items"]), page["total"]
    if not shown:
        return f"no cases (of {total} matching)"
    summary = f"cases {first}-{first + shown - 1} of {total}"
    if first + shown - 1 < total:
        summary += f" (next page: --offset {first + shown - 1})"
    return table(headers, rows) + "\n" + summary


def _score_text(score: dict[str, Any] | None) -> str:
    if score is None:
        return "opened the case"
    signals = [f"{k} {v:.2f}" for k, v in score.items() if k not in ("total", "veto") and v]
    veto = f"; veto: {score['veto']}" if score.get("veto") else ""
    return f"score {score['total']:.2f} ({', '.join(signals) or 'no signal'}){veto}"


def _event_lines(position: int, linked: dict[str, Any]) -> list[str]:
    event = linked["event"]
    head = f"  #{position} {linked['event_ref']}"
    if event is None:
        return [head + "  (report not stored yet)", f"     {_score_text(linked['score'])}"]
    when = local_time(event["occurred_at"])
    where = event.get("address") or _MISSING
    return [
        f"{head}  {when}  severity {event['severity']}  {where}",
        f"     {fit(event['text'].replace(chr(10), ' '), 70).rstrip()}",
        f"     {_score_text(linked['score'])}",
    ]


def case_text(case: dict[str, Any]) -> str:
    """The answer of ``GET /v1/cases/{id}``: the case, its timeline, then its reports."""
    lines = [
        f"case {case['case_id']}  [{case['status']}]  priority {case['priority']}  "
        f"{case['level']} level  version {case['version']}",
        f"  {case['platform']} / {case['category']}",
        f"  where     {_place(case, 'county')} / {_place(case, 'township')}"
        f" / {case.get('village_code') or _MISSING}",
        f"  opened    {local_time(case['opened_at'])}   updated {local_time(case['updated_at'])}"
        f"   deadline {local_time(case['deadline'])}  (UTC+8)",
        f"  sources   {', '.join(case['sources']) or _MISSING}   reports {case['report_count']}",
    ]
    if case.get("merged_into"):
        lines.append(f"  merged into {case['merged_into']} (its reports are there now)")
    lines += ["", "timeline"]
    history = case["history"]
    lines += [
        f"  {local_time(step['at'])}  {fit(step['status'], 11)}  {fit(step['actor'], 14)}  "
        f"{step['note']}".rstrip()
        for step in history
    ] or ["  (none)"]
    lines += ["", "reports"]
    for position, linked in enumerate(case["events"]):
        lines += _event_lines(position, linked)
    return "\n".join(lines)


def township_counts_text(counts: dict[str, Any]) -> str:
    """The answer of ``GET /v1/stats/townships`` as one row per township, one column a status."""
    present = {s for row in counts["townships"] for s in row["by_status"]}
    statuses = [s for s in STATUSES if s in present] + sorted(present - set(STATUSES))
    rows = [
        [
            row["township_code"] or _MISSING,
            _place(row, "township"),
            str(row["total"]),
            *(str(row["by_status"].get(s, 0)) for s in statuses),
        ]
        for row in counts["townships"]
    ]
    body = table(["TOWNSHIP", "NAME", "TOTAL", *(s.upper() for s in statuses)], rows)
    return f"{body}\n{counts['total']} cases in {len(rows)} townships"
