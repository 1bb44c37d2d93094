"""Where an incident is and who is behind it, and its same-kind neighbour a few hundred metres off.

A neighbour is the hard case of long-window categories: a second polluter, employer or road
defect in the same village within days. It always differs in what a careful dispatcher checks:
another company or employer name, another door number, another point.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from fusionhub.sim.entities import landmarks, org_name, roads
from fusionhub.sim.noise import NoiseRates
from fusionhub.sim.people import jitter
from fusionhub.sim.places import offset
from fusionhub.sim.records import Incident

PLACES = (
    "下宅",
    "上宅",
    "东头",
    "西畈",
    "新屋",
    "后山",
    "前溪",
    "塘头",
    "中街",
    "老街",
    "桥头",
    "1组",
    "3组",
    "5组",
    "工业区",
    "菜场边",
)
_ON_ROAD = 0.3
_LANDMARK = 0.5


def furnish(rng: random.Random, inc: Incident) -> None:
    """Give ``inc`` its company or employer, maybe a road address and a landmark nearby."""
    kind = inc.spec.entity
    if kind is not None and kind != "road":
        inc.org = org_name(rng, kind, inc.village.county_name)
    if kind == "road" or rng.random() < _ON_ROAD:
        road = rng.choice(roads(inc.village))
        inc.on_road, inc.place, inc.house = True, road.name, rng.randint(1, 120)
        inc.lon, inc.lat = jitter(rng, *road.door(inc.house), 8.0)
    if rng.random() < _LANDMARK:
        inc.landmark = rng.choice(landmarks(inc.village))


def place_neighbour(rng: random.Random, first: Incident, twin: Incident, noise: NoiseRates) -> None:
    """Put ``twin`` near ``first``: same road at another door, or another spot nearby.

    The twin keeps the category and often the story, and gets its own company or employer.
    """
    twin.neighbour_of = first.incident_id
    twin.start = first.start + timedelta(days=rng.uniform(*noise.neighbour_days))
    if rng.random() < 0.6:
        twin.story = first.story
    if first.spec.entity not in (None, "road"):
        while twin.org == first.org or not twin.org:
            twin.org = org_name(rng, str(first.spec.entity), first.village.county_name)
    if first.on_road:
        road = next(r for r in roads(first.village) if r.name == first.place)
        step = rng.randint(15, 60) * rng.choice((-1, 1))
        house = first.house + step if first.house + step >= 1 else first.house + abs(step)
        twin.on_road, twin.place, twin.house = True, first.place, house
        twin.lon, twin.lat = jitter(rng, *road.door(house), 8.0)
    else:
        away, angle = rng.uniform(*noise.neighbour_m), rng.uniform(0, 2 * math.pi)
        twin.on_road = False
        twin.lon, twin.lat = offset(
            first.lon, first.lat, away * math.cos(angle), away * math.sin(angle)
        )
        twin.place = first.place if rng.random() < 0.4 else rng.choice(PLACES)
        while twin.place == first.place and twin.house == first.house:
            twin.house = rng.randint(1, 120)
    twin.landmark = first.landmark if rng.random() < 0.5 else twin.landmark
