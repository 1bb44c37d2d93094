"""Dispatchers' corrections become labels for fitting, over the engine's own cases."""

from __future__ import annotations

import json

import pytest

from fusionhub.tuning.labels import labels_from_corrections, read_corrections

pytestmark = pytest.mark.unit

CASES = [["grid:a", "hotline:b", "hotline:c"], ["grid:d"], ["video:e"]]
LINES = [
    json.dumps(
        {
            "action": "split",
            "case_id": "C1",
            "new_case_id": "C9",
            "event_refs_moved": ["hotline:c"],
            "event_refs_kept": ["grid:a", "hotline:b"],
            "reason": "another family",
            "at": "2026-11-02T10:00:00+08:00",
        }
    ),
    "",
    json.dumps(
        {
            "action": "merge",
            "case_id": "C2",
            "into": "C1",
            "event_refs": ["grid:d"],
            "into_event_refs": ["grid:a", "hotline:b"],
            "reason": "same fire",
            "at": "2026-11-03T09:00:00+08:00",
        }
    ),
]


def test_reports_in_one_case_share_a_label_unless_a_split_moved_them() -> None:
    labels = labels_from_corrections(CASES, read_corrections(LINES))
    t = labels.truth
    assert t["grid:a"] == t["hotline:b"]
    assert t["hotline:c"] != t["grid:a"]
    assert ("grid:a", "hotline:c") in labels.cannot_link


def test_a_merge_joins_both_cases_and_untouched_cases_keep_their_own_label() -> None:
    labels = labels_from_corrections(CASES, read_corrections(LINES))
    t = labels.truth
    assert t["grid:d"] == t["grid:a"]
    assert ("grid:a", "grid:d") in labels.must_link
    assert t["video:e"] not in {t["grid:a"], t["hotline:c"]}
    assert labels.conflicts == frozenset()


def test_a_later_merge_of_split_reports_is_reported_as_a_conflict() -> None:
    undo = json.dumps(
        {
            "action": "merge",
            "case_id": "C9",
            "into": "C1",
            "event_refs": ["hotline:c"],
            "into_event_refs": ["grid:a"],
            "reason": "same after all",
            "at": "2026-11-04T09:00:00+08:00",
        }
    )
    labels = labels_from_corrections(CASES, read_corrections([*LINES, undo]))
    assert labels.truth["hotline:c"] == labels.truth["grid:a"]
    assert ("grid:a", "hotline:c") in labels.conflicts


def test_a_line_that_is_neither_merge_nor_split_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="line 2"):
        read_corrections([LINES[0], json.dumps({"action": "rename"})])
    with pytest.raises(ValueError, match="missing event_refs_kept"):
        read_corrections([json.dumps({"action": "split", "event_refs_moved": []})])
