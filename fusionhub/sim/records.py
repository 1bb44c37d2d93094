"""Source records in the formats of docs/sources.md, built from a simulated incident."""

from __future__ import annotations

import functools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fusionhub.sim.noise import DEFAULT_NOISE, NoiseRates
from fusionhub.sim.people import Person, jitter, phone, wgs84_to_gcj02
from fusionhub.sim.places import Village, all_county_codes
from fusionhub.sim.spec import CategorySpec
from fusionhub.sim.wording import hotline_sentence, vary

_GRID_TAILS = ("已现场劝导，需进一步处置。", "已拍照取证，请相关部门处理。", "现场已初步控制。", "")
_CHANNELS = ("phone", "phone", "phone", "app", "wechat", "web", "sms")
_PETITION_CHANNELS = ("web", "web", "app", "letter", "visit")


@dataclass(slots=True)
class Incident:
    """One real-world incident; every record built from it shares its ``incident_id``."""

    incident_id: str
    spec: CategorySpec
    story: tuple[str, ...]
    village: Village
    lon: float
    lat: float
    place: str
    house: int
    start: datetime
    parties: tuple[Person, ...] = ()
    org: str = ""
    on_road: bool = False
    landmark: str = ""
    neighbour_of: str | None = None

    @property
    def address(self) -> str:
        """The full address a careful reporter writes."""
        v = self.village
        return f"{v.county_name}{v.township_name}{v.name}{self.place}{self.house}号"

    def fact(self, rng: random.Random, noise: NoiseRates, *, typo_scale: float = 1.0) -> str:
        """One phrasing of what happened, naming the company or employer behind it when known."""
        phrase = rng.choice(self.story)
        if self.org and rng.random() < noise.entity_mention:
            phrase = f"{self.org}{phrase}" if rng.random() < 0.6 else f"{phrase}（{self.org}）"
        return vary(rng, phrase, synonym_rate=noise.synonym, typo_rate=noise.typo * typo_scale)


@dataclass(slots=True)
class Numbering:
    """Per-day and per-device counters so every generated id is unique and realistic."""

    counters: Counter[str] = field(default_factory=Counter)

    def next(self, key: str) -> int:
        """The next serial number for ``key``, starting at 1."""
        self.counters[key] += 1
        return self.counters[key]


def _sentence(fact: str, tail: str) -> str:
    return f"{fact}，{tail}" if tail else f"{fact}。"


def iso(at: datetime) -> str:
    """ISO 8601 with the +08:00 offset, to the second."""
    return at.replace(microsecond=0).isoformat()


def grid_record(
    rng: random.Random,
    inc: Incident,
    at: datetime,
    ids: Numbering,
    refs: list[str],
    *,
    noise: NoiseRates = DEFAULT_NOISE,
) -> dict[str, object]:
    """A grid worker's report (网格事件) of ``inc`` filed at ``at``."""
    v = inc.village
    day = f"{at:%Y%m%d}"
    code = f"WG-{v.township_code}-{day}-{ids.next('grid' + v.township_code + day):05d}"
    phrase = inc.fact(rng, noise, typo_scale=0.5)
    if inc.landmark and rng.random() < 0.5:
        phrase = f"（{inc.landmark}旁）{phrase}"
    who = ""
    if len(inc.parties) >= 2:
        who = f"{inc.parties[0].masked_name}与{inc.parties[1].masked_name}因"
    record: dict[str, object] = {
        "event_code": code,
        "grid_code": f"{v.code}{rng.randint(1, 6):03d}",
        "reporter": {
            "id": f"W{v.township_code}{rng.randint(1, 60):03d}",
            "name": "网格员",
            "phone": phone(rng),
        },
        "reported_at": iso(at),
        "type_1": inc.spec.grid[0],
        "type_2": inc.spec.grid[1],
        "description": _sentence(
            f"{v.name}{inc.place}{inc.house}号{who}{phrase}", rng.choice(_GRID_TAILS)
        ),
    }
    if rng.random() < 0.7:
        record["occurred_at"] = iso(min(at, inc.start + timedelta(minutes=rng.randint(0, 5))))
    if rng.random() < 0.8:
        record["level"] = min(5, max(1, inc.spec.severity + rng.choice((-1, 0, 0, 1))))
    if rng.random() < 0.9:
        record["location"] = _grid_location(rng, inc)
    if inc.parties:
        record["parties"] = [
            _party(rng, p, role)
            for p, role in zip(inc.parties, ("appellant", "respondent"), strict=False)
        ]
        record["involved_count"] = rng.randint(2, 8)
    for flag in ("is_petition", "is_group_incident", "is_emergency", "self_resolved"):
        if rng.random() < 0.5:
            record[flag] = flag == "is_emergency" and inc.spec.severity <= 2
    if refs:
        record["refs"] = refs
    return record


def _grid_location(rng: random.Random, inc: Incident) -> dict[str, object]:
    lon, lat = jitter(rng, inc.lon, inc.lat, 120.0)
    crs = "GCJ02" if rng.random() < 0.75 else "WGS84"
    if crs == "GCJ02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    return {"lon": round(lon, 6), "lat": round(lat, 6), "crs": crs, "address": inc.address}


def _party(rng: random.Random, p: Person, role: str) -> dict[str, object]:
    party: dict[str, object] = {"role": role, "name": p.masked_name, "phone": p.phone}
    if rng.random() < 0.5:
        party["id_number"] = p.id_number
    return party


def hotline_mode(rng: random.Random, inc: Incident, noise: NoiseRates) -> str:
    """How the caller says where: ``full``, ``address`` (road and door only) or ``landmark``."""
    roll = rng.random()
    if inc.on_road and roll < noise.address_only:
        return "address"
    if inc.landmark and roll > 1.0 - noise.landmark_only:
        return "landmark"
    return "full"


@functools.cache
def _counties() -> tuple[str, ...]:
    return tuple(all_county_codes())


def hotline_record(
    rng: random.Random,
    inc: Incident,
    at: datetime,
    caller: Person,
    ids: Numbering,
    *,
    noise: NoiseRates = DEFAULT_NOISE,
    repeat: bool = False,
) -> dict[str, object]:
    """A 12345 work order (工单) of a citizen calling about ``inc`` at ``at``.

    ``repeat`` marks a further call by someone who already called about ``inc``. An
    address-only or landmark-only call (see ``hotline_mode``) has no point and no region code.
    """
    v = inc.village
    centre = v.county_code
    if rng.random() < noise.foreign_centre:
        centre = rng.choice([c for c in _counties() if c != centre])
    order = f"12345-{centre}-{at:%Y%m%d}-{ids.next('hot' + centre + f'{at:%Y%m%d}'):06d}"
    mode = hotline_mode(rng, inc, noise)
    where = f"{v.township_name}{v.name}{inc.place}"
    house = f"{inc.house}号" if rng.random() < 0.4 else ""
    if mode == "address":
        where, house = f"{v.township_name}{inc.place}", f"{inc.house}号"
    elif mode == "landmark":
        where, house = f"{inc.landmark}{rng.choice(('附近', '旁边', '对面', ''))}", ""
    urgency = "emergency" if inc.spec.severity <= 2 and rng.random() < 0.6 else "normal"
    record: dict[str, object] = {
        "order_no": order,
        "call_time": iso(at),
        "channel": rng.choice(_CHANNELS),
        "caller": {"name": caller.name[0] + rng.choice(("先生", "女士")), "phone": caller.phone},
        "appeal_type": rng.choice(("求助", "投诉", "投诉", "举报")),
        "content": hotline_sentence(rng, where + house, inc.fact(rng, noise), repeat=repeat),
        "urgency": urgency,
    }
    if rng.random() < 0.9:
        record["category"] = inc.spec.hotline
    if mode != "full":
        record["address"] = where + house
        return _deadline(rng, record, at, urgency)
    if rng.random() < 0.85:
        record["address"] = f"{v.county_name}{where}{house}"
    if rng.random() < 0.25:
        lon, lat = wgs84_to_gcj02(*jitter(rng, inc.lon, inc.lat, 250.0))
        record.update(lon=round(lon, 6), lat=round(lat, 6), crs="GCJ02")
    roll = rng.random()
    if roll < 0.5:
        record["region_code"] = v.township_code
    elif roll < 0.75:
        record["region_code"] = v.code
    return _deadline(rng, record, at, urgency)


def _deadline(
    rng: random.Random, record: dict[str, object], at: datetime, urgency: str
) -> dict[str, object]:
    if rng.random() < 0.7:
        record["deadline"] = iso(at + timedelta(days=3 if urgency == "normal" else 1))
    return record


def petition_record(
    rng: random.Random,
    inc: Incident,
    at: datetime,
    ids: Numbering,
    quoted: str | None,
    *,
    noise: NoiseRates = DEFAULT_NOISE,
) -> dict[str, object]:
    """An online petition (网上信访) about ``inc``, quoting an earlier order when given."""
    v = inc.village
    number = f"XF{v.county_code}-{at:%Y}-{ids.next('xf' + v.county_code):06d}"
    petitioner = inc.parties[0] if inc.parties else None
    phrase = inc.fact(rng, noise)
    earlier = f"我已打12345（工单号{quoted}）反映" if quoted else "我多次反映"
    record: dict[str, object] = {
        "petition_no": number,
        "submitted_at": iso(at),
        "channel": rng.choice(_PETITION_CHANNELS),
        "petitioner": {"name": petitioner.name if petitioner else "匿名群众"},
        "title": f"{phrase}，多次反映未解决",
        "content": f"{earlier}{v.name}{inc.place}{phrase}，至今未处理，请求上级督促依法处理。",
        "purpose": rng.choice(("求决", "投诉", "求决")),
        "problem_category": inc.spec.petition,
        "incident_address": inc.address,
    }
    if petitioner is not None:
        record["petitioner"] = {
            "name": petitioner.name,
            "id_number": petitioner.id_number,
            "phone": petitioner.phone,
            "address": inc.address,
        }
    if rng.random() < 0.8:
        record["region_code"] = v.township_code
    if rng.random() < 0.6:
        record["co_signers"] = rng.randint(0, 5)
    if quoted and rng.random() < 0.75:
        record["refs"] = [quoted]
    record["previously_petitioned"] = rng.random() < 0.2
    return record
