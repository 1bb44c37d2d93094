"""A case's candidate profile: made from the report that opens the case, brought up to date by
every report that joins it. Pure and mutating like the engine (``correlation``)."""

from __future__ import annotations

from fusionhub.core.candidates import CandidateIndex
from fusionhub.core.cases import Case
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.scoring_types import CaseProfile, EventFeatures

# The text sketches a case keeps: its first report's and its latest ones'.
MAX_SKETCHES = 4


def profile_of(case_id: str, f: EventFeatures) -> CaseProfile:
    """A new case's profile: what its first report says. Called when a case opens."""
    at = f.event.occurred_at
    return CaseProfile(
        case_id=case_id,
        category=f.category.code,
        lon=f.lon,
        lat=f.lat,
        township=f.township,
        village=f.village,
        first_at=at,
        last_at=at,
        expires_at=at + f.category.window,
        first_us=f.at_us,
        last_us=f.at_us,
        sketches=(f.sketch,),
        address=f.address,
        village_name=f.village_name,
        houses=tuple(sorted(f.houses)),
        tokens=tuple(sorted(f.tokens)),
        orgs=tuple(sorted(f.orgs)),
    )


def update_profile(
    index: CandidateIndex, case: Case, f: EventFeatures, policy: CorrelationPolicy
) -> None:
    """Bring a case's profile up to date with a report that joined it (or make a new one when
    the case had left the index: a report quoting it makes it correlatable again).

    Called by ``correlation.step`` when a report joins a case; mutates the index.
    """
    p = index.profiles.get(case.case_id)
    if p is None:
        # The case had left the index; a report quoting it makes it correlatable again.
        revived = profile_of(case.case_id, f)
        revived.category = case.category
        index.add(revived)
        case.person_token_count += len(f.tokens)
        return
    old_keys = index.keys_of(p)
    at = f.event.occurred_at
    p.first_at = min(p.first_at, at)
    p.last_at = max(p.last_at, at)
    p.first_us = min(p.first_us, f.at_us)
    p.last_us = max(p.last_us, f.at_us)
    if p.lon is None and f.lon is not None:
        p.lon, p.lat = f.lon, f.lat
    if p.township is None:
        p.township = f.township
    if p.village is None and p.township == f.township:
        p.village = f.village
    p.address = p.address or f.address
    p.village_name = p.village_name or f.village_name
    p.houses = tuple(sorted(set(p.houses) | f.houses))
    if not f.orgs.issubset(p.orgs):
        p.orgs = tuple(sorted(f.orgs.union(p.orgs)))
    p.sketches = (p.sketches[0], *p.sketches[1:][-(MAX_SKETCHES - 2) :], f.sketch)
    new_tokens = sorted(f.tokens.difference(p.tokens))
    if new_tokens:
        p.tokens = (*p.tokens, *new_tokens)
        index.add_tokens(case.case_id, new_tokens)
    case.person_token_count = len(p.tokens)
    if index.keys_of(p) != old_keys:
        index.move(p, old_keys)
    expires = p.last_at + policy.category(p.category).window
    if expires > p.expires_at:
        previous = p.expires_at
        p.expires_at = expires
        index.reschedule(p, previous)
