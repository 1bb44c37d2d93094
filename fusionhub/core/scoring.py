"""Whether a report is about an open case: per-signal scores, gates and vetoes.

``score_candidate`` is the single place where the engine's judgement lives. Gates (incompatible
category, outside the time window, far beyond the radius, another township) make a case no
candidate at all; vetoes keep the breakdown but forbid the merge, so a log can show why two
close reports stayed apart.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from fusionhub.core.events import Event
from fusionhub.core.policy import CategoryPair, CorrelationPolicy

# The records scoring works on live in scoring_types.
from fusionhub.core.scoring_types import CaseProfile, EventFeatures, ScoreBreakdown
from fusionhub.core.spatial import local_distance_m
from fusionhub.core.textsim import (
    SketchProbe,
    address_core_of,
    address_grams,
    clean,
    house_numbers,
    org_names_of,
    strip_places_of,
    text_sketch,
    village_name_of,
)

# Character-gram Jaccard of two paraphrases of one incident rarely exceeds this; scale to it.
_TEXT_SATURATION = 0.25
# Below this similarity two reports naming different people are about different people.
_SAME_STORY_TEXT = 0.15
# A ref is SOURCE:ID or the bare ID; source names are lowercase words and ids never hold a
# colon, so any source's prefix comes off here, a source registered tomorrow's included.
_SOURCE_PREFIX = re.compile(r"^[a-z][a-z0-9_]*:")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def bare_ref(ref: str) -> str:
    """``hotline:12345-...`` and ``12345-...`` name the same report; keep the id part."""
    return _SOURCE_PREFIX.sub("", ref.strip())


def features_of(event: Event, policy: CorrelationPolicy) -> EventFeatures:
    """Extract everything scoring needs from an event (called once per event by ``step``)."""
    text = f"{event.title or ''} {event.text}"
    # Ids quoted in the report's text are among its refs already: its connector finds them
    # with every registered source's id pattern (``SourceRegistry.quoted_ids``).
    quoted = tuple(bare_ref(r) for r in event.refs)
    own = bare_ref(event.source_id)
    refs = tuple(r for r in dict.fromkeys(quoted) if r and r != own)
    jur = event.jurisdiction
    address = event.address or ""
    point = event.point
    # Each reader below takes the text and address without punctuation, cleaned once here.
    address_chars = clean(address)
    text_chars = clean(text)
    sketch = text_sketch(strip_places_of(text, address_chars) if address else text)
    core = address_core_of(address_chars)
    return EventFeatures(
        event=event,
        category=policy.category(event.category),
        lon=point.lon if point else None,
        lat=point.lat if point else None,
        township=_intern(jur.township_code),
        village=_intern(jur.village_code),
        tokens=event.person_tokens,
        sketch=sketch,
        address=core,
        village_name=village_name_of(address_chars) or village_name_of(text_chars),
        houses=house_numbers(address) or house_numbers(text),
        refs=refs,
        at_us=epoch_us(event.occurred_at),
        probe=SketchProbe(sketch),
        address_grams=address_grams(core),
        orgs=org_names_of(text_chars),
    )


def epoch_us(at: datetime) -> int:
    """Microseconds since 1970 (UTC for aware times): differences are exactly those of the
    datetimes, so gaps and windows compare and divide as their timedeltas do."""
    epoch = _NAIVE_EPOCH if at.utcoffset() is None else _EPOCH
    return (at - epoch) // _MICROSECOND


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

    None means a gate ruled the case out (category, time window, distance, township) or that
    even a perfect text match could not reach the threshold (the text comparison, the costly
    part, is then skipped). A breakdown with ``veto`` set must not be merged whatever its total.
    """
    for _, score in score_candidates((profile,), f, policy):
        return score
    return None


def score_candidates(
    profiles: Iterable[CaseProfile], f: EventFeatures, policy: CorrelationPolicy
) -> Iterator[tuple[CaseProfile, ScoreBreakdown]]:
    """``score_candidate`` of each profile, in order, leaving out those it gives None.

    Called by ``correlation.step`` with every case the candidate index returns. Most fail the
    category or the time gate, checked here inline: a call per candidate would cost as much.
    """
    pairs = policy.pairs_for(f.category.code)
    at = f.at_us
    for profile in profiles:
        try:
            pair = pairs[profile.category]
        except KeyError:
            pair = policy.pair(profile.category, f.category.code)
        if pair is None:
            continue
        # time_gap, in microseconds.
        if at < profile.first_us:
            gap = profile.first_us - at
        elif at > profile.last_us:
            gap = at - profile.last_us
        else:
            gap = 0
        if gap > pair.window_us:
            continue
        score = _score(profile, f, policy, pair, gap)
        if score is not None:
            yield profile, score


def _score(
    profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy, pair: CategoryPair, gap: int
) -> ScoreBreakdown | None:
    """``score_candidate`` past the category and time gates."""
    place_score = _place_score(profile, f, policy, pair)
    if place_score is None:
        return None
    distance, place = place_score
    w = policy.weights
    same_person = not f.tokens.isdisjoint(profile.tokens)
    person = w.person if same_person else 0.0
    address = _address_score(profile, f, policy)
    time = w.time * (1 - gap / pair.window_us)
    category = pair.category_weight
    org = _org_score(profile, f, policy)
    cheap = person + distance + place + address + time + category + org
    if cheap + w.text < w.threshold:
        return None
    text_sim = max(map(f.probe.similarity, profile.sketches), default=0.0)
    likeness = w.text * min(1.0, text_sim / _TEXT_SATURATION)
    # The breakdown's text is what the words say: their likeness and the organisations named.
    text = likeness + org
    context_only = not pair.burst and person + distance + address + text <= 0
    return ScoreBreakdown(
        total=cheap + likeness,
        person=person,
        distance=distance,
        place=place,
        address=address,
        time=time,
        category=category,
        text=text,
        veto=_veto(
            profile,
            f,
            pair,
            same_person=same_person,
            text_sim=text_sim,
            context_only=context_only,
        ),
    )


def _place_score(
    profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy, pair: CategoryPair
) -> tuple[float, float] | None:
    """The distance and place scores, or None when the case lies too far away."""
    if profile.lon is None or profile.lat is None or f.lon is None or f.lat is None:
        admin = _admin_place(profile, f, policy, pair.burst)
        return None if admin is None else (0.0, admin)
    radius = pair.radius_m
    metres = local_distance_m(profile.lon, profile.lat, f.lon, f.lat)
    if metres > 2 * radius:
        return None
    # Full weight within half the radius (GPS and geocoding jitter), fading out at 1.5 radii.
    nearness = min(1.0, max(0.0, 1.5 - metres / radius))
    return policy.weights.distance * nearness, 0.0


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
        # address_similarity, with the report's side prepared once.
        grams = address_grams(profile.address)
        score += w.address * (len(grams & f.address_grams) / len(grams | f.address_grams))
    if profile.houses and f.houses:
        score += w.house_conflict if f.houses.isdisjoint(profile.houses) else w.house_match
    return score


def _org_score(profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy) -> float:
    if not profile.orgs or not f.orgs:
        return 0.0
    w = policy.weights
    return w.org_conflict if f.orgs.isdisjoint(profile.orgs) else w.org_match


def _veto(
    profile: CaseProfile,
    f: EventFeatures,
    pair: CategoryPair,
    *,
    same_person: bool,
    text_sim: float,
    context_only: bool,
) -> str | None:
    """Rules that keep apart reports that look alike only in place and time."""
    party_defined = pair.party_defined
    strangers = bool(profile.tokens and f.tokens and not same_person)
    # A caller is often not a party (a worker calls about his employer, a neighbour about a
    # quarrel): the same organisation or the same door number says the story is one.
    same_door = bool(profile.houses and f.houses and not f.houses.isdisjoint(profile.houses))
    same_org = bool(profile.orgs and f.orgs and not f.orgs.isdisjoint(profile.orgs))
    if party_defined and strangers and text_sim < _SAME_STORY_TEXT and not (same_org or same_door):
        return "different_parties"
    if party_defined and profile.houses and f.houses and f.houses.isdisjoint(profile.houses):
        return "different_door_numbers"
    if context_only:
        return "place_and_time_only"
    return None
