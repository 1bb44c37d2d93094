"""``fusionhub evaluate --format table``: the scores and the error breakdown as text tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_SUMMARY_KEYS = (
    "events_scored",
    "cases",
    "incidents",
    "bcubed_precision",
    "bcubed_recall",
    "bcubed_f1",
    "pairwise_precision",
    "pairwise_recall",
    "pairwise_f1",
)


def score_text(score: Mapping[str, Any] | None) -> str:
    """``total 0.62 = person 0.45 + time 0.15 + ...`` (non-zero signals only), or why none."""
    if score is None:
        return "not scored against it (a gate ruled the case out)"
    parts = [
        f"{name} {value:+.2f}"
        for name, value in score.items()
        if name not in ("total", "veto", "case_id") and isinstance(value, float | int) and value
    ]
    text = f"total {float(score.get('total', 0.0)):.2f} = " + (" ".join(parts) or "0")
    return text + (f" [veto: {score['veto']}]" if score.get("veto") else "")


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [title, line(header), line(tuple("-" * w for w in widths))]
    out.extend(line(row) for row in rows)
    return [*out, ""]


def format_tables(summary: Mapping[str, Any], breakdown: Mapping[str, Any]) -> str:
    """The whole table report. Called by ``fusionhub evaluate`` for ``--format table``."""
    lines = _table(
        "Scores",
        ("measure", "value"),
        [
            (k, f"{summary[k]:.4f}" if isinstance(summary[k], float) else str(summary[k]))
            for k in _SUMMARY_KEYS
        ],
    )
    for key, title in (("by_category", "category"), ("by_source_pair", "source pair")):
        rows = [
            (name, str(row["wrong_merge"]), str(row["missed_join"]))
            for name, row in breakdown[key].items()
        ]
        lines += _table(f"Errors by {title}", (title, "wrong merges", "missed joins"), rows)
    lines.append(f"Errors: {breakdown['errors']}")
    for kind, row in breakdown["by_kind"].items():
        lines.append(f"{kind.replace('_', ' ')}s: {row[kind]}")
        for ex in row["examples"]:
            lines.append(
                f"  {ex['event_ref']} in {ex['case_id']} ({ex['category']}, {ex['source_pair']})"
            )
            where = ex["other_case_id"] or ex["case_id"]
            lines.append(f"    vs {ex['other_ref']} of {where}: {score_text(ex['score'])}")
    return "\n".join(lines)
