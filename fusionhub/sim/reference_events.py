"""A minimal stand-in normaliser: simulator folder -> unified ``Event`` list, for engine evaluation.

NOT the connectors (``fusionhub/connectors`` is the real parsing and normalising code). It
exists so the correlation engine can be measured against ``truth.jsonl`` before the connectors
are wired; it reads only what the records carry (no ground truth), with crude choices where a
real connector would be smarter (hashing instead of keyed HMAC, no address gazetteer).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

from fusionhub.core.events import Event, GeoPoint, Jurisdiction, Party, Platform, Source
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.sim.catalog import CATALOG, source_taxonomy
from fusionhub.sim.generator import CST
from fusionhub.sim.people import wgs84_to_gcj02
from fusionhub.sim.places import load_villages

_VIDEO_TYPES = {
    "10": "crowding",
    "8": "public_security",
    "3": "safety_hazard",
    "12": "public_security",
}
_ENCODING = re.compile(rb'encoding="([^"]+)"')


def _token(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest()[:32] if value else None


def _when(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=CST)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert GCJ-02 by fixed-point iteration (sub-metre after a few rounds)."""
    wlon, wlat = lon, lat
    for _ in range(5):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
    return wlon, wlat


def _point(lon: Any, lat: Any, crs: str | None) -> GeoPoint | None:
    if lon is None or lat is None:
        return None
    x, y = float(lon), float(lat)
    if crs == "GCJ02":
        x, y = gcj02_to_wgs84(x, y)
    return GeoPoint(x, y)


def _region(code: str | None) -> Jurisdiction:
    if not code:
        return Jurisdiction()
    return Jurisdiction(
        county_code=code[:6],
        township_code=code[:9] if len(code) >= 9 else None,
        village_code=code[:12] if len(code) >= 12 else None,
    )


def _event(
    source: Source, sid: str, at: datetime, category: str, policy: CorrelationPolicy, **kw: Any
) -> Event:
    platform: Platform = policy.category(category).platform
    return Event(f"{source.value}:{sid}", source, sid, at, at, category, platform, **kw)


def _grid(r: dict[str, Any], tax: dict[str, str], policy: CorrelationPolicy) -> Event:
    loc = r.get("location") or {}
    parties = tuple(
        Party(p["role"], phone_token=_token(p.get("phone")), id_token=_token(p.get("id_number")))
        for p in r.get("parties", [])
    )
    category = tax.get(f"{r['type_1']}/{r['type_2']}", "other")
    return _event(
        Source.of("grid"),
        r["event_code"],
        _when(r.get("occurred_at") or r["reported_at"]),
        category,
        policy,
        severity=int(r.get("level", 3)),
        text=r["description"],
        jurisdiction=_region(r["grid_code"][:12]),
        address=loc.get("address"),
        point=_point(loc.get("lon"), loc.get("lat"), loc.get("crs")),
        parties=parties,
        refs=tuple(r.get("refs", [])),
    )


def _classify(text: str) -> str:
    """Category from wording, for records that carry none (a connector's keyword fallback)."""
    best, best_hits = "other", 0
    for spec in CATALOG:
        words = {w[i : i + 2] for st in spec.stories for w in st for i in range(len(w) - 1)}
        hits = sum(1 for i in range(len(text) - 1) if text[i : i + 2] in words)
        if hits > best_hits:
            best, best_hits = spec.code, hits
    return best


def _place_from_text(county: str, text: str, fallback: str | None) -> Jurisdiction:
    if fallback and len(fallback) >= 9:
        return _region(fallback)
    for name, code in _TOWNSHIPS.get(county, {}).items():
        if name in text:
            village = next((v for n, v in _VILLAGES.get(code, {}).items() if n in text), None)
            return _region(village or code)
    return _region(fallback or county)


def _hotline(r: dict[str, Any], tax: dict[str, str], policy: CorrelationPolicy) -> Event:
    severity = {"emergency": 1, "urgent": 2}.get(r["urgency"], 3)
    category = tax.get(r.get("category", "")) or _classify(r["content"])
    where = _place_from_text(
        r["order_no"][6:12], r.get("address", "") + r["content"], r.get("region_code")
    )
    return _event(
        Source.of("hotline"),
        r["order_no"],
        _when(r["call_time"]),
        category,
        policy,
        severity=severity,
        text=r["content"],
        jurisdiction=where,
        address=r.get("address"),
        point=_point(r.get("lon"), r.get("lat"), r.get("crs")),
        parties=(Party("caller", phone_token=_token(r["caller"].get("phone"))),),
        refs=tuple(r.get("refs", [])),
    )


_TOWNSHIPS: dict[str, dict[str, str]] = {}
_VILLAGES: dict[str, dict[str, str]] = {}


def _load_names(counties: set[str]) -> None:
    for v in load_villages(sorted(counties)):
        _TOWNSHIPS.setdefault(v.county_code, {})[v.township_name] = v.township_code
        _VILLAGES.setdefault(v.township_code, {})[v.name] = v.code


def _petition_category(r: dict[str, Any]) -> str:
    title = r["title"]
    best, best_hits = "other", 0
    for spec in CATALOG:
        if spec.petition != r.get("problem_category"):
            continue
        words = {w[i : i + 2] for s in spec.stories for w in s for i in range(len(w) - 1)}
        hits = sum(1 for i in range(len(title) - 1) if title[i : i + 2] in words)
        if hits > best_hits:
            best, best_hits = spec.code, hits
    return best


def _petition(r: dict[str, Any], policy: CorrelationPolicy) -> Event:
    who = r["petitioner"]
    return _event(
        Source.of("petition"),
        r["petition_no"],
        _when(r["submitted_at"]),
        _petition_category(r),
        policy,
        severity=3,
        text=r["content"],
        title=r["title"],
        jurisdiction=_region(r.get("region_code")),
        address=r.get("incident_address"),
        parties=(
            Party(
                "petitioner",
                phone_token=_token(who.get("phone")),
                id_token=_token(who.get("id_number")),
            ),
        ),
        refs=tuple(r.get("refs", [])),
    )


def _video(
    raw: bytes, cams: dict[str, dict[str, str]], tax: dict[str, str], policy: CorrelationPolicy
) -> Event | None:
    declared = _ENCODING.search(raw)
    text = raw.decode(declared.group(1).decode() if declared else "utf-8")
    root = ET.fromstring(text.split("?>", 1)[1])
    method = root.findtext("AlarmMethod", "")
    alarm_type = root.findtext("Info/AlarmType")
    if "6" in method or (method == "2" and alarm_type in {"1", "2", "3", "4", "5"}):
        return None
    device = root.findtext("DeviceID", "")
    cam = cams.get(device, {})
    desc = root.findtext("AlarmDescription")
    category = tax.get(desc or "", _VIDEO_TYPES.get(alarm_type or "", "other"))
    point = _point(root.findtext("Longitude"), root.findtext("Latitude"), "WGS84")
    if point is None and cam:
        point = GeoPoint(float(cam["lon"]), float(cam["lat"]))
    code = cam.get("grid_code", "")[:12] or cam.get("township_code") or device[:6]
    return _event(
        Source.of("video"),
        f"{device}-{root.findtext('SN')}",
        _when(root.findtext("AlarmTime", "")),
        category,
        policy,
        severity=int(root.findtext("AlarmPriority", "3")),
        text=desc or "",
        jurisdiction=_region(code),
        point=point,
        address=cam.get("name"),
    )


def load_events(folder: Path, policy: CorrelationPolicy) -> list[Event]:
    """Every incident record of a simulator folder as an ``Event`` (device faults skipped)."""
    tax = source_taxonomy()
    events: list[Event] = []
    hotline_lines = (folder / "hotline.jsonl").read_text(encoding="utf-8").splitlines()
    _load_names({json.loads(line)["order_no"][6:12] for line in hotline_lines})
    for name, build in (("grid", _grid), ("hotline", _hotline)):
        for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            events.append(build(json.loads(line), tax[name], policy))
    for line in (folder / "petition.jsonl").read_text(encoding="utf-8").splitlines():
        events.append(_petition(json.loads(line), policy))
    with (folder / "cameras.csv").open(encoding="utf-8", newline="") as handle:
        cams = {row["device_id"]: row for row in csv.DictReader(handle)}
    for path in sorted((folder / "video").glob("*.xml")):
        event = _video(path.read_bytes(), cams, tax["video"], policy)
        if event is not None:
            events.append(event)
    return events
