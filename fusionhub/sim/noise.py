"""The rates of every noise model the simulator applies; docs/simulator.md gives the reasons.

One frozen object so a test or an experiment can switch a model off (``NoiseRates(recurring=0)``)
or turn it up, and so the defaults live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NoiseRates:
    """Chances and ranges of the noise models (all per report unless said otherwise).

    ``recurring_scale`` multiplies each category's ``recurring`` (per incident) chance of a
    same-kind neighbour; ``neighbour_m`` is how far that neighbour is; ``neighbour_days`` how
    much later it starts. ``address_only`` and ``landmark_only`` are the shares of hotline calls
    that give a road and door number, or a landmark, and no point, village or region code.
    ``camera_m`` is the camera-to-incident distance, ``camera_reuse`` the chance an alarm comes
    from a camera already installed nearby. ``frequent_caller`` is the share of citizen calls
    made by a county's frequent callers, ``repeat_call`` the chance a further call about an
    incident comes from someone who already called about it. ``synonym`` and ``typo`` drive
    wording variety; ``entity_mention`` is the chance a report names the company, employer or
    shop behind the incident. ``foreign_centre`` is the share of calls taken by another county's
    call centre, whose order number then names that county (a caller near a county border, or
    on a mobile registered elsewhere).
    """

    recurring_scale: float = 1.0
    neighbour_m: tuple[float, float] = (150.0, 700.0)
    neighbour_days: tuple[float, float] = (0.0, 10.0)
    address_only: float = 0.2
    landmark_only: float = 0.12
    camera_m: tuple[float, float] = (50.0, 300.0)
    camera_reuse: float = 0.5
    frequent_caller: float = 0.06
    frequent_callers_per_county: int = 25
    repeat_call: float = 0.3
    synonym: float = 0.3
    typo: float = 0.08
    entity_mention: float = 0.85
    foreign_centre: float = 0.03


DEFAULT_NOISE = NoiseRates()
