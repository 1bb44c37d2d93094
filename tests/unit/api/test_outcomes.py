from __future__ import annotations

import asyncio

import pytest

from fusionhub.api.outcomes import Outcome, OutcomeBook

pytestmark = pytest.mark.unit


def test_an_answer_after_the_wait_began_is_the_one_waited_for() -> None:
    async def scenario() -> Outcome:
        book = OutcomeBook()
        future = book.expect("c1")
        asyncio.get_running_loop().call_later(0.01, book.record, Outcome("c1", "applied"))
        return await book.wait("c1", future, 5)

    assert asyncio.run(scenario()).outcome == "applied"


def test_an_answer_before_the_wait_began_is_not_missed() -> None:
    async def scenario() -> Outcome:
        book = OutcomeBook()
        book.record(Outcome("c1", "refused", reason="accept the case before dispatching it"))
        return await book.wait("c1", book.expect("c1"), 5)

    assert asyncio.run(scenario()).reason == "accept the case before dispatching it"


def test_no_answer_in_time_is_pending_and_leaves_nobody_waiting() -> None:
    async def scenario() -> tuple[Outcome, OutcomeBook]:
        book = OutcomeBook()
        found = await book.wait("c1", book.expect("c1"), 0.01)
        return found, book

    found, book = asyncio.run(scenario())
    assert found == Outcome("c1", "pending")
    assert book._waiting == {}


def test_the_first_answer_to_a_command_wins() -> None:
    book = OutcomeBook()
    book.record(Outcome("c1", "applied", case={"case_id": "A"}))
    book.record(Outcome("c1", "applied", case={"case_id": "B"}))
    assert book.get("c1").case == {"case_id": "A"}


def test_only_the_newest_answers_are_kept() -> None:
    book = OutcomeBook(keep=2)
    for name in ("a", "b", "c"):
        book.record(Outcome(name, "applied"))
    assert [book.get(n).outcome for n in ("a", "b", "c")] == ["pending", "applied", "applied"]
