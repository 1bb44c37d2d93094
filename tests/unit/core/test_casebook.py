from __future__ import annotations

import pytest

from fusionhub.core.casebook import CaseAction, CaseBook
from fusionhub.policies import load_policy
from fusionhub.sources.grid import GRID

from .corr_factory import at, make_event

pytestmark = pytest.mark.unit


def book_with_one_case() -> tuple[CaseBook, str]:
    book = CaseBook(load_policy())
    outcome = book.on_event(
        make_event(GRID, "WG-1", at(25, 9), "dispute.neighbour", "两户因排水沟发生争执")
    )
    [change] = outcome.changes
    return book, change.case.case_id


def action(case_id: str, name: str, command_id: str = "c1", **fields: str) -> CaseAction:
    return CaseAction(
        command_id=command_id,
        case_id=case_id,
        action=name,
        actor="值班员",
        issued_at=at(25, 10),
        **fields,
    )


def test_an_action_naming_another_county_is_refused_and_changes_nothing() -> None:
    book, case_id = book_with_one_case()
    outcome = book.on_action(action(case_id, "accept", county_code="330109"))
    assert outcome.refused == f"case {case_id} is in county 330681, not 330109"
    assert book.state.cases[case_id].version == 1


def test_an_action_for_its_own_county_is_applied_once_even_if_redelivered() -> None:
    book, case_id = book_with_one_case()
    first = book.on_action(action(case_id, "accept", county_code="330681"))
    again = book.on_action(action(case_id, "accept", county_code="330681"))
    assert len(first.changes) == 1
    assert first.refused is None
    assert again.duplicate
    assert again.changes == []
    assert book.state.cases[case_id].version == 2


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("dispatch", "dispatch needs department"),
        ("close", "close needs evaluation"),
        ("teleport", "unknown action 'teleport'"),
    ],
)
def test_an_action_missing_what_it_needs_is_refused_with_a_reason(name: str, reason: str) -> None:
    book, case_id = book_with_one_case()
    assert book.on_action(action(case_id, name)).refused == reason


def test_an_action_for_an_unknown_case_is_refused() -> None:
    book, _ = book_with_one_case()
    assert book.on_action(action("Cnope", "accept")).refused == "unknown case Cnope"


def test_the_actions_offered_for_a_status_are_the_ones_the_book_applies_in_it() -> None:
    """For each status, every action ``actions_for`` offers is applied (given what it needs)
    to a case in that status, except the checks beyond status it documents."""
    from fusionhub.core.casebook import actions_for
    from fusionhub.core.cases import CaseStatus

    offered = {status: actions_for(status) for status in CaseStatus}
    assert offered[CaseStatus.NEW] == ("accept", "dispatch", "escalate", "merge", "split")
    assert offered[CaseStatus.RESOLVED] == ("close", "reopen")
    assert offered[CaseStatus.MERGED] == ()
    book, case_id = book_with_one_case()
    fields = {"dispatch": {"department": "镇综治中心"}, "close": {"evaluation": "满意"}}
    path = ["accept", "dispatch", "progress", "resolve", "close", "reopen"]
    for number, name in enumerate(path):
        status = book.state.cases[case_id].status
        assert name in offered[status]
        outcome = book.on_action(action(case_id, name, f"p{number}", **fields.get(name, {})))
        assert outcome.refused is None
