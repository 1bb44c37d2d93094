"""Cameras and their GB/T 28181 alarm documents (MANSCDP Notify, CmdType Alarm)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from fusionhub.sim.places import offset
from fusionhub.sim.records import Incident, Numbering


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera of the registry (cameras.csv)."""

    device_id: str
    name: str
    lon: float
    lat: float
    grid_code: str
    township_code: str


def new_camera(
    rng: random.Random, inc: Incident, ids: Numbering, distance_m: tuple[float, float] = (50, 300)
) -> Camera:
    """A camera ``distance_m`` metres from the incident, numbered as GB/T 28181 device ids."""
    v = inc.village
    serial = ids.next("cam" + v.county_code)
    away, angle = rng.uniform(*distance_m), rng.uniform(0, 2 * math.pi)
    lon, lat = offset(inc.lon, inc.lat, away * math.cos(angle), away * math.sin(angle))
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
