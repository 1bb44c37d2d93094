"""Finished cases leave the engine's state once their retention passed in event time, so the
state stays bounded however long the hub runs; until then repeats and quoted refs find them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from fusionhub.core.casebook import CaseAction, CaseBook
from fusionhub.core.events import Event, Source
from fusionhub.core.policy import default_policy
from tests.unit.core.corr_factory import POLICY, at, make_event

pytestmark = pytest.mark.unit

DRAIN = "两户因排水沟发生争执"


def close(book: CaseBook, case_id: str, when: datetime, prefix: str = "c") -> None:
    for step, name in enumerate(("accept", "dispatch", "resolve", "close")):
        outcome = book.on_action(
            CaseAction(
                command_id=f"{prefix}{step}",
                case_id=case_id,
                action=name,
                actor="值班员",
                issued_at=when,
                department="司法所",
                note="已调解",
                evaluation="满意",
            )
        )
        assert outcome.refused is None, outcome.refused


def closed_dispute() -> tuple[CaseBook, str]:
    book = CaseBook(POLICY)
    opening = make_event(
        Source.of("grid"), "WG-1", at(1, 9), "dispute.neighbour", DRAIN, tokens=("tok-1",)
    )
    [change] = book.on_event(opening).changes
    close(book, change.case.case_id, at(2, 9))
    return book, change.case.case_id


def report(
    source_id: str, when: datetime, refs: tuple[str, ...] = (), token: str = "tok-1"
) -> Event:
    return make_event(
        Source.of("hotline"),
        source_id,
        when,
        "dispute.neighbour",
        DRAIN,
        refs=refs,
        tokens=(token,),
    )


def test_retention_is_the_longer_of_the_setting_and_the_category_window() -> None:
    policy = default_policy()
    assert policy.finished_retention == timedelta(days=14)
    assert policy.retention_hours("fire") == 14 * 24
    assert policy.retention_hours("wage_arrears") == 30 * 24


def test_a_repeat_complaint_within_the_window_links_to_the_closed_case() -> None:
    book, old = closed_dispute()
    [change] = book.on_event(report("12345-1", at(4, 9))).changes
    assert change.change == "repeat_opened"
    assert change.case.repeat_of == old


def test_a_closed_case_is_dropped_once_its_retention_passed_in_event_time() -> None:
    book, old = closed_dispute()
    # dispute.neighbour: 21-day window, longer than the 14 days of the setting.
    assert book.on_event(report("12345-1", at(23, 8), refs=("nothing",))).dropped == []
    assert old in book.state.cases
    later = book.on_event(report("12345-2", at(24, 11), refs=("nothing",)))
    assert later.dropped == [old]
    assert old not in book.state.cases
    assert old not in book.state.refs
    assert "WG-1" not in book.state.refs
    assert not any(case_id == old for case_id in book.state.commands.values())


def test_after_the_drop_a_quoted_ref_opens_a_new_case_and_actions_are_refused() -> None:
    book, old = closed_dispute()
    assert book.on_event(report("12345-1", at(30, 9), token="tok-2")).dropped == [old]
    quoting = book.on_event(report("12345-2", at(30, 10), refs=("WG-1",), token="tok-3"))
    [change] = quoting.changes
    assert change.case.case_id != old
    assert change.case.repeat_of is None
    reopen = CaseAction("r1", old, "reopen", "值班员", at(30, 11), note="群众不满意")
    assert book.on_action(reopen).refused == f"unknown case {old}"


def test_a_reopened_case_is_not_dropped() -> None:
    book, old = closed_dispute()
    reopen = CaseAction("r1", old, "reopen", "值班员", at(3, 9), note="群众不满意")
    assert book.on_action(reopen).refused is None
    book.on_event(report("12345-1", at(10, 9, month=12), token="tok-2"))
    assert old in book.state.cases


def test_the_state_stays_bounded_when_every_case_is_closed_within_days() -> None:
    policy = replace(POLICY, finished_retention=timedelta(days=2))
    book = CaseBook(policy)
    start = at(1, 0)
    held = []
    for day in range(120):
        for n in range(10):
            when = start + timedelta(days=day, hours=n)
            event = make_event(
                Source.of("grid"),
                f"D{day}-{n}",
                when,
                "street_vending",
                "人行道水果摊占道",
                village=None,
                point=(120.0 + n * 0.1 + day * 0.01, 29.0),
            )
            [change] = book.on_event(event).changes
            close(book, change.case.case_id, when + timedelta(hours=2), prefix=f"{day}-{n}-")
        held.append(len(book.state.cases))
    # Ten cases a day, each kept two days after it closed (street_vending's window is one).
    assert max(held[30:]) <= 40
    assert len(book.state.commands) == 4 * len(book.state.cases)
