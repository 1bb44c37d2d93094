"""Whether a report is about an open case: per-signal scores, gates and vetoes.

``score_candidate`` is the single place where the engine's judgement lives. Gates (incompatible
category, outside the time window, far beyond the radius, another township) make a case no
candidate at all; vetoes keep the breakdown but forbid the merge, so a log can show why two
close reports stayed apart.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from fusionhub.core.events import Event
from fusionhub.core.policy import CategoryPolicy, CorrelationPolicy
from fusionhub.core.scoring_types import ScoreBreakdown
from fusionhub.core.spatial import local_distance_m
from fusionhub.core.textsim import (
    address_core,
    address_similarity,
    house_numbers,
    refs_in_text,
    sketch_similarity,
    strip_places,
    text_sketch,
    village_name,
)

# Character-gram Jaccard of two paraphrases of one incident rarely exceeds this; scale to it.
_TEXT_SATURATION = 0.25
# Below this similarity two reports naming different people are about different people.
_SAME_STORY_TEXT = 0.15
_SOURCE_PREFIX = re.compile(r"^(?:grid|hotline|petition|video):")


@dataclass(slots=True)
class CaseProfile:
    """What the engine remembers of a case while new reports may still join it.

    Dropped (with the case's index entries) once ``expires_at`` passes in event time; the case
    itself stays. ``sketches`` holds the text sketches of the first and latest few reports.
    Tokens and door numbers are sorted tuples: a frozenset costs 200 bytes even for one item.
    """

    case_id: str
    category: str
    lon: float | None
    lat: float | None
    township: str | None
    village: str | None
    first_at: datetime
    last_at: datetime
    expires_at: datetime
    sketches: tuple[bytes, ...]
    address: str
    village_name: str
    houses: tuple[str, ...]
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventFeatures:
    """The comparable parts of one event, computed once before any candidate is scored."""

    event: Event
    category: CategoryPolicy
    lon: float | None
    lat: float | None
    township: str | None
    village: str | None
    tokens: frozenset[str]
    sketch: bytes
    address: str
    village_name: str
    houses: frozenset[str]
    refs: tuple[str, ...]


def bare_ref(ref: str) -> str:
    """``hotline:12345-...`` and ``12345-...`` name the same report; keep the id part."""
    return _SOURCE_PREFIX.sub("", ref.strip())


def features_of(event: Event, policy: CorrelationPolicy) -> EventFeatures:
    """Extract everything scoring needs from an event (called once per event by ``step``)."""
    text = f"{event.title or ''} {event.text}"
    quoted = tuple(bare_ref(r) for r in event.refs) + refs_in_text(text)
    own = bare_ref(event.source_id)
    refs = tuple(r for r in dict.fromkeys(quoted) if r and r != own)
    jur = event.jurisdiction
    address = event.address or ""
    point = event.point
    return EventFeatures(
        event=event,
        category=policy.category(event.category),
        lon=point.lon if point else None,
        lat=point.lat if point else None,
        township=_intern(jur.township_code),
        village=_intern(jur.village_code),
        tokens=event.person_tokens,
        sketch=text_sketch(strip_places(text, address)),
        address=address_core(address),
        village_name=village_name(address) or village_name(text),
        houses=house_numbers(address),
        refs=refs,
    )


def _intern(code: str | None) -> str | None:
    # A million cases share a few thousand region codes; intern them once.
    return sys.intern(code) if code else None


def time_gap(at: datetime, first: datetime, last: datetime) -> timedelta:
    """How far ``at`` lies outside the span of a case's reports (zero when inside)."""
    if at < first:
        return first - at
    if at > last:
        return at - last
    return timedelta(0)


def score_candidate(
    profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy
) -> ScoreBreakdown | None:
    """Score an event against one candidate case; None when the case cannot be the one.

    Called by ``correlation.step`` for every case the candidate index returns. None means a
    gate ruled the case out (category, time window, distance, township) or that even a perfect
    text match could not reach the threshold (the text comparison, the costly part, is then
    skipped). A breakdown with ``veto`` set must not be merged whatever its total.
    """
    frame = _frame(profile, f, policy)
    if frame is None:
        return None
    window, gap, burst, place_score = frame
    w = policy.weights
    person = w.person if _shares(profile.tokens, f.tokens) else 0.0
    address = _address_score(profile, f, policy)
    time = w.time * (1 - gap / window)
    category = w.same_category if profile.category == f.category.code else w.compatible_category
    distance, place = place_score
    cheap = person + distance + place + address + time + category
    if cheap + w.text < w.threshold:
        return None
    text_sim = max((sketch_similarity(s, f.sketch) for s in profile.sketches), default=0.0)
    text = w.text * min(1.0, text_sim / _TEXT_SATURATION)
    context_only = not burst and person + distance + address + text <= 0
    return ScoreBreakdown(
        total=cheap + text,
        person=person,
        distance=distance,
        place=place,
        address=address,
        time=time,
        category=category,
        text=text,
        veto=_veto(profile, f, policy, text_sim, context_only),
    )


def _frame(
    profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy
) -> tuple[timedelta, timedelta, bool, tuple[float, float]] | None:
    """The gates: window, time gap, burst flag and (distance, place) scores, or None."""
    if not policy.compatible_with(profile.category, f.category.code):
        return None
    case_cat = policy.category(profile.category)
    # Two categories judged compatible must coincide as tightly as the stricter of the two.
    window = min(case_cat.window, f.category.window)
    gap = time_gap(f.event.occurred_at, profile.first_at, profile.last_at)
    if gap > window:
        return None
    burst = case_cat.burst or f.category.burst
    if profile.lon is None or profile.lat is None or f.lon is None or f.lat is None:
        admin = _admin_place(profile, f, policy, burst)
        return None if admin is None else (window, gap, burst, (0.0, admin))
    radius = min(case_cat.radius_m, f.category.radius_m)
    metres = local_distance_m(profile.lon, profile.lat, f.lon, f.lat)
    if metres > 2 * radius:
        return None
    # Full weight within half the radius (GPS and geocoding jitter), fading out at 1.5 radii.
    nearness = min(1.0, max(0.0, 1.5 - metres / radius))
    return window, gap, burst, (policy.weights.distance * nearness, 0.0)


def _shares(held: tuple[str, ...], new: frozenset[str]) -> bool:
    return any(item in new for item in held)


def _admin_place(
    profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy, burst: bool
) -> float | None:
    """Place evidence from region codes when a point is missing on either side."""
    w = policy.weights
    if profile.township and f.township and profile.township != f.township:
        return None
    same_village = max(w.village, w.burst_place) if burst else w.village
    if profile.village and f.village:
        return same_village if profile.village == f.village else w.other_village
    # Without both village codes, the village named in the address or text stands in.
    if profile.village_name and f.village_name:
        return same_village if profile.village_name == f.village_name else w.other_village
    if profile.township and profile.township == f.township:
        # For a fire, one township within minutes is as telling as one village.
        return w.burst_place if burst else w.township
    return 0.0


def _address_score(profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy) -> float:
    w = policy.weights
    score = 0.0
    if profile.address and f.address:
        score += w.address * address_similarity(profile.address, f.address)
    if profile.houses and f.houses:
        score += w.house_match if _shares(profile.houses, f.houses) else w.house_conflict
    return score


def _veto(
    profile: CaseProfile,
    f: EventFeatures,
    policy: CorrelationPolicy,
    text_sim: float,
    context_only: bool,
) -> str | None:
    """Rules that keep apart reports that look alike only in place and time."""
    party_defined = f.category.party_defined or policy.category(profile.category).party_defined
    strangers = bool(profile.tokens and f.tokens and not _shares(profile.tokens, f.tokens))
    if party_defined and strangers and text_sim < _SAME_STORY_TEXT:
        return "different_parties"
    if party_defined and profile.houses and f.houses and not _shares(profile.houses, f.houses):
        return "different_door_numbers"
    if context_only:
        return "place_and_time_only"
    return None
