"""The correlation engine: one case per incident, whatever source reported it.

Bytewax style: all state is plain data in ``CorrelationState`` and ``step`` is the only function
that advances it. For speed ``step`` MUTATES the state it is given and returns that same object
with the outputs; callers that need the old state must copy it first. Time is event time only
(``Event.occurred_at``): the engine never reads a clock, so a replay of the same events in the
same order gives the same cases, ids and scores every time.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from fusionhub.core.candidates import CandidateIndex, IndexGeometry
from fusionhub.core.case_events import (
    CaseDropped,
    CaseOpened,
    CaseUpdated,
    EventAttached,
    Output,
)
from fusionhub.core.case_profiles import profile_of, update_profile
from fusionhub.core.cases import (
    ENGINE_ACTOR,
    Case,
    CaseStatus,
    Transition,
    case_id_for,
    compute_priority,
)
from fusionhub.core.events import Event
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.retention import drop_finished
from fusionhub.core.scoring import bare_ref, features_of, score_candidates
from fusionhub.core.scoring_types import EventFeatures, ScoreBreakdown

_NO_MATCH = ScoreBreakdown(total=0.0)


@dataclass(slots=True)
class CorrelationState:
    """Everything the engine knows. Create with ``new_state(policy)``.

    ``cases`` holds every case opened and not yet dropped (in opening order; a finished case is
    dropped once its retention passed, see ``core.retention``); ``refs`` maps each report id
    (bare, without ``SOURCE:``) and each case id to its case; ``index`` holds only the cases
    new reports may still join; ``deadlines`` files cases by the minute their deadline falls in,
    for ``lifecycle.check_overdue``, and ``deadline_minutes`` is a heap of its keys, so that
    check finds the minutes fallen due without scanning every minute on file (by the hour, the
    current hour's cases were looked at again on every report: 7% of the engine's time).
    ``finished`` and ``finished_hours`` do the same for finished cases by the hour they may be
    dropped. ``commands`` maps the id of every action applied to a case still held to that case, and
    ``case_commands`` lists them by case, so a redelivered action is recognised.
    """

    index: CandidateIndex
    cases: dict[str, Case] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    deadlines: dict[int, list[str]] = field(default_factory=dict)
    deadline_minutes: list[int] = field(default_factory=list)
    watermark: datetime | None = None
    finished: dict[int, list[str]] = field(default_factory=dict)
    finished_hours: list[int] = field(default_factory=list)
    commands: dict[str, str] = field(default_factory=dict)
    case_commands: dict[str, list[str]] = field(default_factory=dict)


def new_state(policy: CorrelationPolicy) -> CorrelationState:
    """An empty engine state laid out for ``policy``."""
    return CorrelationState(
        CandidateIndex(IndexGeometry.from_policy(policy), policy.fallback_category)
    )


def event_order_key(event: Event) -> tuple[datetime, str, str]:
    """Replay order: event time, then source name, then ref, so equal timestamps never tie."""
    return (event.occurred_at, event.source.value, event.event_ref)


def correlate(
    events: Iterable[Event], policy: CorrelationPolicy, state: CorrelationState | None = None
) -> tuple[CorrelationState, list[Output]]:
    """Run a batch through ``step`` in ``event_order_key`` order (the replay command's entry)."""
    current = state if state is not None else new_state(policy)
    outputs: list[Output] = []
    for event in sorted(events, key=event_order_key):
        current, produced = step(current, event, policy)
        outputs.extend(produced)
    return current, outputs


def step(
    state: CorrelationState, event: Event, policy: CorrelationPolicy
) -> tuple[CorrelationState, list[Output]]:
    """Attach ``event`` to the case it is about, or open a new case for it.

    Mutates and returns ``state``. An event already seen (same ref) is ignored with no output,
    so a redelivered Kafka message is harmless. A quoted ref wins over every other signal; a
    report about a resolved or closed case opens a new case linked to it as a repeat.
    """
    if bare_ref(event.source_id) in state.refs:
        return state, []
    produced: list[Output] = list(_advance(state, event.occurred_at, policy))
    features = features_of(event, policy)
    target, score, runner_up = _match(state, features, policy)
    if target is None:
        produced += _open(state, features, policy, repeat_of=None)
    elif target.is_finished:
        produced += _open(state, features, policy, repeat_of=target.case_id)
    else:
        produced += _attach(state, target, features, score, policy)
    if runner_up is not None:
        # Kept on the case the event ended in: why it did not join the other case.
        home = state.cases[state.refs[bare_ref(event.source_id)]]
        home.near_misses = (*home.near_misses, (event.event_ref, *runner_up))
    return state, produced


def _advance(state: CorrelationState, at: datetime, policy: CorrelationPolicy) -> list[CaseDropped]:
    """Move the event-time watermark to ``at`` if later: cases whose window passed leave the
    index, finished cases whose retention passed leave the state (``core.retention``)."""
    if state.watermark is None or at > state.watermark:
        state.watermark = at
        state.index.prune(at)
        return drop_finished(state, policy)
    return []


def _match(
    state: CorrelationState, f: EventFeatures, policy: CorrelationPolicy
) -> tuple[Case | None, ScoreBreakdown, tuple[str, ScoreBreakdown] | None]:
    """The case to join (None: open one), its score, and the best-scoring case not joined.

    The runner-up (vetoed, under the threshold, or beaten) is what explains a missed join.
    """
    for ref in f.refs:
        case = _quoted(state, ref)
        if case is not None:
            return case, ScoreBreakdown(total=1.0, ref=1.0), None
    best_case, best = None, _NO_MATCH
    runner_up: tuple[str, ScoreBreakdown] | None = None
    threshold = policy.weights.threshold
    for profile, score in score_candidates(state.index.lookup(f), f, policy):
        # Candidates come sorted by case id, so strict ">" breaks ties the same way every time.
        if score.veto is None and score.total >= threshold and score.total > best.total:
            if best_case is not None:
                runner_up = _better(runner_up, best_case.case_id, best)
            best_case, best = state.cases[profile.case_id], score
        else:
            runner_up = _better(runner_up, profile.case_id, score)
    return best_case, best, runner_up


def _quoted(state: CorrelationState, ref: str) -> Case | None:
    """The case a quoted ref leads to, following merges; None when it leads nowhere (never
    seen, or to a case since dropped)."""
    case_id = state.refs.get(ref)
    case = state.cases.get(case_id) if case_id is not None else None
    while case is not None and case.merged_into is not None:  # quoted after a merge
        case = state.cases.get(case.merged_into)
    return case


def _better(
    kept: tuple[str, ScoreBreakdown] | None, case_id: str, score: ScoreBreakdown
) -> tuple[str, ScoreBreakdown]:
    if kept is None or score.total > kept[1].total:
        return case_id, score
    return kept


def _open(
    state: CorrelationState, f: EventFeatures, policy: CorrelationPolicy, repeat_of: str | None
) -> list[Output]:
    event = f.event
    jur = event.jurisdiction
    at = event.occurred_at
    priority = compute_priority(event.severity, 1, 1, f.category)
    case = Case(
        case_id=case_id_for(event.event_ref),
        county_code=jur.county_code,
        township_code=f.township,
        village_code=f.village,
        category=f.category.code,
        platform=f.category.platform,
        priority=priority,
        opened_at=at,
        updated_at=at,
        deadline=at + policy.deadline(f.category.code, priority),
        event_refs=[event.event_ref],
        history=[Transition(at, CaseStatus.NEW, ENGINE_ACTOR)],
        person_token_count=len(f.tokens),
        min_severity=event.severity,
        repeat_of=repeat_of,
    )
    case.add_source(event.source)
    state.cases[case.case_id] = case
    state.refs[bare_ref(event.source_id)] = case.case_id
    state.refs[case.case_id] = case.case_id
    file_deadline(state, case)
    state.index.add(profile_of(case.case_id, f))
    return [
        CaseOpened(
            case.case_id, event.event_ref, at, case.category, f.township, priority, repeat_of
        )
    ]


def _attach(
    state: CorrelationState,
    case: Case,
    f: EventFeatures,
    score: ScoreBreakdown,
    policy: CorrelationPolicy,
) -> list[Output]:
    event = f.event
    at = event.occurred_at
    case.event_refs.append(event.event_ref)
    case.scores = (*case.scores, (event.event_ref, score))
    case.add_source(event.source)
    case.min_severity = min(case.min_severity, event.severity)
    case.updated_at = max(case.updated_at, at)
    case.version += 1
    state.refs[bare_ref(event.source_id)] = case.case_id
    _fill_region(case, f)
    update_profile(state.index, case, f, policy)
    reason = "report_attached"
    category = policy.category(case.category)
    priority = compute_priority(
        case.min_severity, len(case.sources), len(case.event_refs), category
    )
    if priority < case.priority:
        reason = f"priority_raised:{case.priority}->{priority}"
        case.priority = priority
        case.deadline = min(
            case.deadline, case.opened_at + policy.deadline(case.category, priority)
        )
        file_deadline(state, case)
    return [
        EventAttached(case.case_id, event.event_ref, at, score),
        CaseUpdated(case.case_id, case.version, at, case.status.value, case.priority, reason),
    ]


def _fill_region(case: Case, f: EventFeatures) -> None:
    # A hotline call may know only the township; a later grid report names the village.
    if case.county_code is None:
        case.county_code = f.event.jurisdiction.county_code
    if case.township_code is None:
        case.township_code = f.township
    if case.village_code is None and f.township == case.township_code:
        case.village_code = f.village


def file_deadline(state: CorrelationState, case: Case) -> None:
    """File ``case`` under the minute its deadline falls in, for ``lifecycle.check_overdue``.

    Called when a case opens and when a finished case is reopened; a case already filed in
    that minute is not filed twice.
    """
    minute = int(case.deadline.timestamp() // 60)
    filed = state.deadlines.get(minute)
    if filed is None:
        state.deadlines[minute] = filed = []
        heapq.heappush(state.deadline_minutes, minute)
    if case.case_id not in filed:
        filed.append(case.case_id)


def step_as(
    state: CorrelationState,
    event: Event,
    policy: CorrelationPolicy,
    choose: Callable[[CorrelationState, EventFeatures], str | None],
) -> str:
    """Advance ``state`` as if ``step`` had put ``event`` in the case ``choose`` names.

    Called by the policy fitting (``fusionhub.tuning``) to replay the true clustering, so that
    the candidates of each report are those the engine would see had it been right so far.
    ``choose`` sees the state (candidates still indexed) and the report's features, and names
    a case or None (open one; so does an unknown id). Returns the report's case id.
    """
    _advance(state, event.occurred_at, policy)
    features = features_of(event, policy)
    case_id = choose(state, features)
    target = state.cases.get(case_id) if case_id is not None else None
    if target is None:
        _open(state, features, policy, repeat_of=None)
    else:
        _attach(state, target, features, ScoreBreakdown(total=0.0), policy)
    return state.refs[bare_ref(event.source_id)]
