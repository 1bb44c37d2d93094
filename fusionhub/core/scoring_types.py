"""The records scoring works on: a case's profile, an event's features, and the score
breakdown the engine records for every event it attaches to a case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fusionhub.core.events import Event
from fusionhub.core.policy import CategoryPolicy
from fusionhub.core.textsim import SketchProbe


@dataclass(frozen=True, slots=True, init=False)
class ScoreBreakdown:
    """Why an event joined a case: each signal's contribution and their total.

    ``ref`` is 1.0 when the event quoted the case (or one of its reports) by number; the other
    signals are then left at zero. ``veto`` names the rule that forbade a merge, if any.
    """

    total: float
    ref: float = 0.0
    person: float = 0.0
    distance: float = 0.0
    place: float = 0.0
    address: float = 0.0
    time: float = 0.0
    category: float = 0.0
    text: float = 0.0
    veto: str | None = None

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        total: float,
        ref: float = 0.0,
        person: float = 0.0,
        distance: float = 0.0,
        place: float = 0.0,
        address: float = 0.0,
        time: float = 0.0,
        category: float = 0.0,
        text: float = 0.0,
        veto: str | None = None,
    ) -> None:
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "person", person)
        object.__setattr__(self, "distance", distance)
        object.__setattr__(self, "place", place)
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "veto", veto)

    def as_dict(self) -> dict[str, float | str | None]:
        """Plain mapping for logs and JSON output."""
        return {
            "total": round(self.total, 4),
            "ref": self.ref,
            "person": round(self.person, 4),
            "distance": round(self.distance, 4),
            "place": round(self.place, 4),
            "address": round(self.address, 4),
            "time": round(self.time, 4),
            "category": round(self.category, 4),
            "text": round(self.text, 4),
            "veto": self.veto,
        }


@dataclass(slots=True, init=False)
class CaseProfile:
    """What the engine remembers of a case while new reports may still join it.

    Dropped (with the case's index entries) once ``expires_at`` passes in event time; the case
    itself stays. ``sketches`` holds the text sketches of the first and latest few reports.
    Tokens and door numbers are sorted tuples: a frozenset costs 200 bytes even for one item.
    ``first_us`` and ``last_us`` are ``first_at`` and ``last_at`` as ``epoch_us``: scoring
    compares them with every report, and int arithmetic is far cheaper than datetime's.
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
    first_us: int
    last_us: int
    sketches: tuple[bytes, ...]
    address: str
    village_name: str
    houses: tuple[str, ...]
    tokens: tuple[str, ...]
    orgs: tuple[str, ...] = ()

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        case_id: str,
        category: str,
        lon: float | None,
        lat: float | None,
        township: str | None,
        village: str | None,
        first_at: datetime,
        last_at: datetime,
        expires_at: datetime,
        first_us: int,
        last_us: int,
        sketches: tuple[bytes, ...],
        address: str,
        village_name: str,
        houses: tuple[str, ...],
        tokens: tuple[str, ...],
        orgs: tuple[str, ...] = (),
    ) -> None:
        self.case_id = case_id
        self.category = category
        self.lon = lon
        self.lat = lat
        self.township = township
        self.village = village
        self.first_at = first_at
        self.last_at = last_at
        self.expires_at = expires_at
        self.first_us = first_us
        self.last_us = last_us
        self.sketches = sketches
        self.address = address
        self.village_name = village_name
        self.houses = houses
        self.tokens = tokens
        self.orgs = orgs


@dataclass(frozen=True, slots=True, init=False)
class EventFeatures:
    """The comparable parts of one event, computed once before any candidate is scored.

    ``at_us`` is the event time as ``epoch_us``; ``probe`` and ``address_grams`` are the sketch
    and the address prepared for comparison with every candidate. ``houses`` are the door
    numbers of the address, else of the text; ``orgs`` the trade names of the organisations the
    text names (``textsim.org_names``).
    """

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
    at_us: int
    probe: SketchProbe = field(compare=False)
    address_grams: frozenset[str]
    orgs: frozenset[str] = frozenset()

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        event: Event,
        category: CategoryPolicy,
        lon: float | None,
        lat: float | None,
        township: str | None,
        village: str | None,
        tokens: frozenset[str],
        sketch: bytes,
        address: str,
        village_name: str,
        houses: frozenset[str],
        refs: tuple[str, ...],
        at_us: int,
        probe: SketchProbe,
        address_grams: frozenset[str],
        orgs: frozenset[str] = frozenset(),
    ) -> None:
        object.__setattr__(self, "event", event)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "township", township)
        object.__setattr__(self, "village", village)
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "sketch", sketch)
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "village_name", village_name)
        object.__setattr__(self, "houses", houses)
        object.__setattr__(self, "refs", refs)
        object.__setattr__(self, "at_us", at_us)
        object.__setattr__(self, "probe", probe)
        object.__setattr__(self, "address_grams", address_grams)
        object.__setattr__(self, "orgs", orgs)
