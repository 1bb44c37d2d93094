"""The error breakdown of ``fusionhub evaluate`` on a set small enough to check by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fusionhub.cli.main import cli
from fusionhub.evaluation_errors import error_breakdown, find_errors

pytestmark = pytest.mark.unit


def _score(total: float, **signals: float) -> dict[str, object]:
    return {"total": total, "ref": 0.0, **signals, "veto": None}


# Incident F (a fire): grid g1 opens case C1, hotline h1 joins it; hotline h2 of F opens C3.
# Incident D (a dispute): hotline h3 opens C2, and grid g2 of incident E wrongly joins C2.
CASES = [
    {
        "case_id": "C1",
        "category": "fire",
        "event_refs": ["grid:g1", "hotline:h1"],
        "scores": [{"event_ref": "hotline:h1", **_score(0.9, distance=0.4, text=0.3)}],
        "near_misses": [],
    },
    {
        "case_id": "C2",
        "category": "dispute.neighbour",
        "event_refs": ["hotline:h3", "grid:g2"],
        "scores": [{"event_ref": "grid:g2", **_score(0.7, place=0.25, time=0.15, text=0.3)}],
        "near_misses": [],
    },
    {
        "case_id": "C3",
        "category": "fire",
        "event_refs": ["hotline:h2"],
        "scores": [],
        "near_misses": [
            {"event_ref": "hotline:h2", "case_id": "C1", **_score(0.5, place=0.35, text=0.15)}
        ],
    },
    # No score files at all (an older cases file): still judged, without scores.
    {"case_id": "C4", "category": "fire", "event_refs": ["video:v1"]},
]
TRUTH = {
    "grid:g1": "F",
    "hotline:h1": "F",
    "hotline:h2": "F",
    "hotline:h3": "D",
    "grid:g2": "E",
    "video:v1": "F",
}


def test_a_report_joining_a_case_of_another_incident_is_a_wrong_merge_with_its_score() -> None:
    merges = [e for e in find_errors(CASES, TRUTH) if e.kind == "wrong_merge"]
    assert [(e.event_ref, e.case_id, e.source_pair) for e in merges] == [
        ("grid:g2", "C2", "grid+hotline")
    ]
    assert merges[0].score is not None
    assert merges[0].score["total"] == 0.7


def test_a_report_opening_a_second_case_of_its_incident_is_a_missed_join() -> None:
    missed = {e.event_ref: e for e in find_errors(CASES, TRUTH) if e.kind == "missed_join"}
    assert sorted(missed) == ["hotline:h2", "video:v1"]
    # The engine scored h2 against C1: that breakdown is shown.
    assert missed["hotline:h2"].other_case_id == "C1"
    assert missed["hotline:h2"].score == _score(0.5, place=0.35, text=0.15)
    assert missed["hotline:h2"].source_pair == "grid+hotline"
    # v1 was never scored against C1 (a gate): no breakdown, but the case it belonged to.
    assert missed["video:v1"].other_case_id == "C1"
    assert missed["video:v1"].score is None
    assert missed["video:v1"].source_pair == "grid+video"


def test_the_breakdown_counts_by_kind_category_and_source_pair() -> None:
    result = error_breakdown(CASES, TRUTH, examples=1)
    assert result["errors"] == 3
    assert result["by_kind"]["wrong_merge"]["wrong_merge"] == 1
    assert result["by_kind"]["missed_join"]["missed_join"] == 2
    assert len(result["by_kind"]["missed_join"]["examples"]) == 1
    assert {k: (v["wrong_merge"], v["missed_join"]) for k, v in result["by_category"].items()} == {
        "fire": (0, 2),
        "dispute.neighbour": (1, 0),
    }
    assert {
        k: (v["wrong_merge"], v["missed_join"]) for k, v in result["by_source_pair"].items()
    } == {"grid+hotline": (1, 1), "grid+video": (0, 1)}


def test_evaluate_prints_the_breakdown_as_json_and_as_tables(tmp_path: Path) -> None:
    cases, truth = tmp_path / "cases.jsonl", tmp_path / "truth.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    truth.write_text(
        "".join(json.dumps({"event_ref": r, "incident_id": i}) + "\n" for r, i in TRUTH.items()),
        encoding="utf-8",
    )
    args = ["evaluate", "--cases", str(cases), "--truth", str(truth)]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["bcubed_f1"] < 1.0
    assert result["breakdown"]["errors"] == 3
    table = CliRunner().invoke(cli, [*args, "--format", "table"])
    assert table.exit_code == 0, table.output
    assert "Errors by source pair" in table.output
    assert "grid:g2 in C2 (dispute.neighbour, grid+hotline)" in table.output
    assert "total 0.70 = place +0.25 time +0.15 text +0.30" in table.output
