"""B-cubed and pairwise scores on examples small enough to check by hand."""

from __future__ import annotations

import pytest

from fusionhub.evaluation import evaluate

pytestmark = pytest.mark.unit

TRUTH = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": None}


def test_perfect_clustering_scores_one_everywhere() -> None:
    result = evaluate([["a", "b", "c"], ["d", "e"]], TRUTH)
    for key in ("bcubed_precision", "bcubed_recall", "pairwise_precision", "pairwise_recall"):
        assert result[key] == 1.0


def test_one_merged_case_lowers_precision_but_not_recall() -> None:
    result = evaluate([["a", "b", "c", "d", "e"]], TRUTH)
    # Each X event: 3/5 of its case is X; each Y event: 2/5. (3*3/5 + 2*2/5) / 5 = 13/25.
    assert result["bcubed_precision"] == pytest.approx(13 / 25)
    assert result["bcubed_recall"] == 1.0
    # 10 pairs in the case, 3 + 1 of them true.
    assert result["pairwise_precision"] == pytest.approx(4 / 10)
    assert result["pairwise_recall"] == 1.0


def test_split_incident_lowers_recall_but_not_precision() -> None:
    result = evaluate([["a"], ["b", "c"], ["d", "e"]], TRUTH)
    # X events: a sees 1/3 of X, b and c see 2/3; Y events see all. (1/3 + 4/3 + 2) / 5.
    assert result["bcubed_recall"] == pytest.approx((1 / 3 + 4 / 3 + 2) / 5)
    assert result["bcubed_precision"] == 1.0
    assert result["pairwise_recall"] == pytest.approx(2 / 4)
    assert result["bcubed_f1"] == pytest.approx(2 * 11 / 15 / (1 + 11 / 15))


def test_events_missing_on_either_side_are_reported_not_dropped() -> None:
    result = evaluate([["a", "b", "zz"], ["d"]], TRUTH)
    assert result["missing_from_truth"] == ["zz"]
    assert result["missing_from_cases"] == ["c", "e"]
    assert result["events_scored"] == 3


def test_a_device_fault_inside_a_case_is_listed() -> None:
    result = evaluate([["a", "b", "c", "f"], ["d", "e"]], TRUTH)
    assert result["non_incidents_in_cases"] == ["f"]
    assert result["bcubed_precision"] == 1.0


def test_an_event_in_two_cases_is_an_error() -> None:
    with pytest.raises(ValueError, match="more than one case"):
        evaluate([["a"], ["a", "b"]], TRUTH)
