"""Source records in the formats of docs/sources.md, built from a simulated incident."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fusionhub.sim.catalog import CategorySpec
from fusionhub.sim.people import Person, jitter, phone, wgs84_to_gcj02
from fusionhub.sim.places import Village, offset

_ASKS = ("希望相关部门尽快处理。", "请求派人处理。", "要求尽快解决。", "请核实处理。", "")
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

    @property
    def address(self) -> str:
        """The full address a careful reporter writes."""
        v = self.village
        return f"{v.county_name}{v.township_name}{v.name}{self.place}{self.house}号"


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
    rng: random.Random, inc: Incident, at: datetime, ids: Numbering, refs: list[str]
) -> dict[str, object]:
    """A grid worker's report (网格事件) of ``inc`` filed at ``at``."""
    v = inc.village
    day = f"{at:%Y%m%d}"
    code = f"WG-{v.township_code}-{day}-{ids.next('grid' + v.township_code + day):05d}"
    phrase = rng.choice(inc.story)
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


def hotline_record(
    rng: random.Random, inc: Incident, at: datetime, caller: Person, ids: Numbering
) -> dict[str, object]:
    """A 12345 work order (工单) of a citizen calling about ``inc`` at ``at``."""
    v = inc.village
    order = (
        f"12345-{v.county_code}-{at:%Y%m%d}-{ids.next('hot' + v.county_code + f'{at:%Y%m%d}'):06d}"
    )
    channel = rng.choice(_CHANNELS)
    where = f"{v.township_name}{v.name}{inc.place}"
    house = f"{inc.house}号" if rng.random() < 0.4 else ""
    urgency = "emergency" if inc.spec.severity <= 2 and rng.random() < 0.6 else "normal"
    record: dict[str, object] = {
        "order_no": order,
        "call_time": iso(at),
        "channel": channel,
        "caller": {"name": caller.name[0] + rng.choice(("先生", "女士")), "phone": caller.phone},
        "appeal_type": rng.choice(("求助", "投诉", "投诉", "举报")),
        "content": _sentence(
            f"来电人反映：{where}{house}{rng.choice(inc.story)}", rng.choice(_ASKS)
        ),
        "urgency": urgency,
    }
    if rng.random() < 0.9:
        record["category"] = inc.spec.hotline
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
    if rng.random() < 0.7:
        record["deadline"] = iso(at + timedelta(days=3 if urgency == "normal" else 1))
    return record


def petition_record(
    rng: random.Random, inc: Incident, at: datetime, ids: Numbering, quoted: str | None
) -> dict[str, object]:
    """An online petition (网上信访) about ``inc``, quoting an earlier order when given."""
    v = inc.village
    number = f"XF{v.county_code}-{at:%Y}-{ids.next('xf' + v.county_code):06d}"
    petitioner = inc.parties[0] if inc.parties else None
    phrase = rng.choice(inc.story)
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


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera of the registry (cameras.csv)."""

    device_id: str
    name: str
    lon: float
    lat: float
    grid_code: str
    township_code: str


def new_camera(rng: random.Random, inc: Incident, ids: Numbering) -> Camera:
    """A camera a few dozen metres from the incident, numbered as GB/T 28181 device ids."""
    v = inc.village
    serial = ids.next("cam" + v.county_code)
    lon, lat = offset(inc.lon, inc.lat, rng.uniform(-90, 90), rng.uniform(-90, 90))
    grid = f"{v.code}{rng.randint(1, 6):03d}" if rng.random() < 0.7 else ""
    return Camera(
        f"{v.county_code}10001320{serial:06d}",
        f"{v.township_name}{v.name}{inc.place}",
        round(lon, 6),
        round(lat, 6),
        grid,
        v.township_code,
    )


def video_alarm(
    rng: random.Random,
    camera: Camera,
    at: datetime,
    *,
    sn: int,
    label: tuple[str, int | None],
    method: str,
    priority: int,
) -> tuple[str, bytes]:
    """A MANSCDP Notify alarm document, encoded GB2312 or UTF-8; returns (source id, bytes)."""
    encoding = "GB2312" if rng.random() < 0.6 else "UTF-8"
    lines = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        "<Notify>",
        "<CmdType>Alarm</CmdType>",
        f"<SN>{sn}</SN>",
        f"<DeviceID>{camera.device_id}</DeviceID>",
        f"<AlarmPriority>{priority}</AlarmPriority>",
        f"<AlarmMethod>{method}</AlarmMethod>",
        f"<AlarmTime>{at.replace(tzinfo=None, microsecond=0).isoformat()}</AlarmTime>",
    ]
    description, alarm_type = label
    if rng.random() < 0.9:
        lines.append(f"<AlarmDescription>{description}</AlarmDescription>")
    if rng.random() < 0.6:
        lines += [f"<Longitude>{camera.lon}</Longitude>", f"<Latitude>{camera.lat}</Latitude>"]
    if alarm_type is not None:
        lines += ["<Info>", f"<AlarmType>{alarm_type}</AlarmType>", "</Info>"]
    lines.append("</Notify>")
    return f"{camera.device_id}-{sn}", ("\n".join(lines) + "\n").encode(encoding.lower())
