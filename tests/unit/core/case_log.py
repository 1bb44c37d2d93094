"""Logs of one partition for property tests: reports, actions on the cases they open, and
ticks, over weeks, so that windows pass, deadlines fall due and finished cases are dropped.

A log is drawn as a script of abstract steps; ``concrete_log`` turns it into the inputs a
worker reads (events, actions naming real case ids, tick times) by running it once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import strategies as st

from fusionhub.core.casebook import CaseAction, CaseBook, Outcome
from fusionhub.core.cases import Case, CaseStatus
from fusionhub.core.events import Event, Source
from fusionhub.core.policy import CorrelationPolicy
from tests.unit.core.corr_factory import POLICY, at, make_event

# A day of retention beyond the window: drops happen within a few weeks of log.
SHORT_POLICY: CorrelationPolicy = replace(POLICY, finished_retention=timedelta(days=1))

Input = Event | CaseAction | datetime

_CATEGORIES = ("fire", "dispute.neighbour", "street_vending", "noise", "other")
_TEXTS = ("邻居翻建房屋改排水沟", "民房着火冒黑烟", "人行道水果摊占道", "晚上噪音扰民", "两家吵架")
_VILLAGES = ("330681109290", "330681109291", None)
_ACTIONS = (
    "accept",
    "dispatch",
    "progress",
    "resolve",
    "close",
    "reopen",
    "escalate",
    "merge",
    "split",
)

Step = tuple[str, int, int, int, int]


@st.composite
def scripts(draw: st.DrawFn, max_steps: int = 60) -> list[Step]:
    """Abstract steps: (kind, gap in minutes, and three choices the kind interprets)."""
    n = draw(st.integers(min_value=1, max_value=max_steps))
    kinds = st.sampled_from(("report", "report", "report", "action", "action", "tick"))
    gaps = st.sampled_from((0, 5, 40, 180, 600, 1440, 4320))
    small = st.integers(min_value=0, max_value=1000)
    return [(draw(kinds), draw(gaps), draw(small), draw(small), draw(small)) for _ in range(n)]


def concrete_log(script: list[Step], policy: CorrelationPolicy = SHORT_POLICY) -> list[Input]:
    """The inputs of ``script``: actions name cases the reports so far opened."""
    book = CaseBook(policy)
    clock = at(1, 8)
    inputs: list[Input] = []
    reports: list[Event] = []
    for i, (kind, gap, *choices) in enumerate(script):
        clock += timedelta(minutes=gap)
        value: Input
        if kind == "report":
            value = _report(f"R{i:04d}", clock, choices, reports)
            reports.append(value)
        elif kind == "action" and book.state.cases:
            value = _action(f"cmd-{i:04d}", clock, book, choices)
        else:
            value = clock
        book.on_input(value)
        inputs.append(value)
    return inputs


def _report(source_id: str, clock: datetime, choices: list[int], earlier: list[Event]) -> Event:
    a, b, c = choices
    # Now and then a report arrives late, or quotes an earlier one.
    when = clock - timedelta(hours=3) if c % 7 == 0 else clock
    refs = (earlier[c % len(earlier)].source_id,) if earlier and c % 5 == 0 else ()
    return make_event(
        (Source.of("grid"), Source.of("hotline"), Source.of("petition"))[a % 3],
        source_id,
        when,
        _CATEGORIES[a % len(_CATEGORIES)],
        _TEXTS[b % len(_TEXTS)],
        village=_VILLAGES[b % len(_VILLAGES)],
        point=(120.41 + (c % 3) * 0.001, 29.62) if c % 2 else None,
        tokens=(f"p{a % 4}",) if b % 3 else (),
        refs=refs,
    )


def _action(command_id: str, clock: datetime, book: CaseBook, choices: list[int]) -> CaseAction:
    a, b, c = choices
    ids = list(book.state.cases)
    case = book.state.cases[ids[a % len(ids)]]
    # Mostly the action a case's status calls for, so cases get resolved and closed.
    name = _ACTIONS[(b // 3) % len(_ACTIONS)] if b % 3 == 0 else _next_action(case)
    fields: dict[str, object] = {"note": "处理", "department": "城管", "evaluation": "满意"}
    if name == "merge":
        fields["into_case_id"] = ids[c % len(ids)]
    if name == "split":
        fields["event_refs"] = tuple(case.event_refs[: max(1, c % 3)])
    # Now and then an action is delivered twice.
    return CaseAction(
        command_id=command_id if c % 9 else "cmd-again",
        case_id=case.case_id,
        action=name,
        actor="值班员",
        issued_at=clock,
        county_code=case.county_code,
        **fields,  # type: ignore[arg-type]
    )


def _next_action(case: Case) -> str:
    if case.status is CaseStatus.NEW:
        return "dispatch" if case.accepted_at else "accept"
    return {
        CaseStatus.DISPATCHED: "resolve",
        CaseStatus.IN_PROGRESS: "resolve",
        CaseStatus.RESOLVED: "close",
        CaseStatus.CLOSED: "reopen",
    }.get(case.status, "dispatch")


def run(book: CaseBook, inputs: list[Input]) -> list[Outcome]:
    """Feed ``inputs`` to ``book``; the outcome of each."""
    return [book.on_input(value) for value in inputs]
