"""The candidate-index side of a merge: the merged-away case's profile joins the survivor's.

Pure and mutating like the engine; called by ``fusionhub.core.corrections.merge_cases``.
"""

from __future__ import annotations

from dataclasses import replace

from fusionhub.core.candidates import CandidateIndex
from fusionhub.core.case_profiles import MAX_SKETCHES
from fusionhub.core.cases import Case
from fusionhub.core.scoring_types import CaseProfile


def merge_profiles(index: CandidateIndex, gone_id: str, survivor: Case) -> CaseProfile | None:
    """File the merged-away case's profile under the survivor, joined with the survivor's own;
    returns the survivor's profile, or None when neither case is in the index any more."""
    gone = index.profiles.get(gone_id)
    kept = index.profiles.get(survivor.case_id)
    if gone is None:
        return kept
    index.remove(gone_id)
    if kept is None:
        joined = replace(gone, case_id=survivor.case_id, category=survivor.category)
    else:
        index.remove(survivor.case_id)
        joined = _joined(kept, gone)
    index.add(joined)
    return joined


def _joined(a: CaseProfile, b: CaseProfile) -> CaseProfile:
    same_township = a.township is None or a.township == b.township
    return replace(
        a,
        lon=a.lon if a.lon is not None else b.lon,
        lat=a.lat if a.lon is not None else b.lat,
        township=a.township or b.township,
        village=a.village or (b.village if same_township else None),
        first_at=min(a.first_at, b.first_at),
        last_at=max(a.last_at, b.last_at),
        expires_at=max(a.expires_at, b.expires_at),
        first_us=min(a.first_us, b.first_us),
        last_us=max(a.last_us, b.last_us),
        sketches=(a.sketches[0], *[*a.sketches[1:], *b.sketches][-(MAX_SKETCHES - 1) :]),
        address=a.address or b.address,
        village_name=a.village_name or b.village_name,
        houses=tuple(sorted({*a.houses, *b.houses})),
        tokens=tuple(sorted({*a.tokens, *b.tokens})),
        orgs=tuple(sorted({*a.orgs, *b.orgs})),
    )
