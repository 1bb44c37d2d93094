"""Each signal's raw value (before its weight) for a report against a case, for fitting.

The engine's score is the sum over signals of weight times value, compared with the
threshold; ``signal_values`` gives those values, so that weights can be fitted as the
coefficients of a linear classifier. Not on the engine's path: ``scoring`` stays as fast as it
was. A unit test keeps ``total == sum(weight * value)`` for the engine's own breakdowns.
"""

from __future__ import annotations

from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.scoring import _TEXT_SATURATION, _admin_place
from fusionhub.core.scoring_types import CaseProfile, EventFeatures
from fusionhub.core.spatial import local_distance_m
from fusionhub.core.textsim import address_grams

# The fields of ``Weights`` a value is given for (all but ``threshold``).
SIGNALS = (
    "person",
    "distance",
    "village",
    "township",
    "burst_place",
    "other_village",
    "address",
    "house_match",
    "house_conflict",
    "time",
    "same_category",
    "compatible_category",
    "text",
    "org_match",
    "org_conflict",
)


def signal_values(
    profile: CaseProfile, f: EventFeatures, policy: CorrelationPolicy
) -> dict[str, float] | None:
    """The value of each signal in ``SIGNALS``; None when a gate rules the case out.

    Which place signal fires (village, township, burst_place) is decided as the engine does
    under ``policy``'s weights.
    """
    pair = policy.pair(profile.category, f.category.code)
    if pair is None:
        return None
    gap = max(profile.first_us - f.at_us, f.at_us - profile.last_us, 0)
    if gap > pair.window_us:
        return None
    v = dict.fromkeys(SIGNALS, 0.0)
    if profile.lon is None or profile.lat is None or f.lon is None or f.lat is None:
        place = _admin_place(profile, f, policy, pair.burst)
        if place is None:
            return None
        w = policy.weights
        for name in ("other_village", "village", "burst_place", "township"):
            if place and place == getattr(w, name):
                v[name] = 1.0
                break
    else:
        metres = local_distance_m(profile.lon, profile.lat, f.lon, f.lat)
        if metres > 2 * pair.radius_m:
            return None
        v["distance"] = min(1.0, max(0.0, 1.5 - metres / pair.radius_m))
    v["person"] = 0.0 if f.tokens.isdisjoint(profile.tokens) else 1.0
    if profile.address and f.address:
        grams = address_grams(profile.address)
        v["address"] = len(grams & f.address_grams) / len(grams | f.address_grams)
    if profile.houses and f.houses:
        v["house_conflict" if f.houses.isdisjoint(profile.houses) else "house_match"] = 1.0
    v["time"] = 1 - gap / pair.window_us
    same = profile.category == f.category.code
    v["same_category" if same else "compatible_category"] = 1.0
    sim = max(map(f.probe.similarity, profile.sketches), default=0.0)
    v["text"] = min(1.0, sim / _TEXT_SATURATION)
    if profile.orgs and f.orgs:
        v["org_conflict" if f.orgs.isdisjoint(profile.orgs) else "org_match"] = 1.0
    return v
