from __future__ import annotations

from typing import Any

import pytest

from fusionhub.api.actions import ActionRequest, parse_action
from fusionhub.api.params import ParamError

pytestmark = pytest.mark.unit


def problems(body: Any) -> dict[str, str]:
    with pytest.raises(ParamError) as refused:
        parse_action(body)
    return {p.field: p.message for p in refused.value.problems}


def test_an_action_without_fields_needs_only_its_name() -> None:
    assert parse_action({"action": "accept"}) == ActionRequest("accept")


def test_text_is_trimmed_and_empty_text_is_none() -> None:
    parsed = parse_action({"action": "progress", "note": "  已到现场  ", "department": " "})
    assert (parsed.note, parsed.department) == ("已到现场", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "dispatch"}, "department"),
        ({"action": "close"}, "evaluation"),
        ({"action": "merge", "note": "同一户"}, "into_case_id"),
        ({"action": "merge", "into_case_id": "C1"}, "note"),
        ({"action": "split", "note": "不是同一事件"}, "event_refs"),
        ({"action": "split", "event_refs": ["grid:WG-1"]}, "note"),
    ],
)
def test_each_action_asks_for_the_field_the_worker_requires(
    body: dict[str, Any], field: str
) -> None:
    assert field in problems(body)


def test_every_wrong_field_is_named_at_once() -> None:
    found = problems(
        {
            "action": "fly",
            "note": 3,
            "event_refs": ["not a ref"],
            "colour": "red",
            "department": "x" * 61,
        }
    )
    assert set(found) == {"action", "note", "event_refs", "colour", "department"}


@pytest.mark.parametrize("body", [None, [], "accept", 3])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    assert "body" in problems(body)


def test_a_split_names_report_refs() -> None:
    parsed = parse_action(
        {"action": "split", "note": "两件事", "event_refs": ["hotline:12345-330681-1", "grid:WG-2"]}
    )
    assert parsed.event_refs == ("hotline:12345-330681-1", "grid:WG-2")
