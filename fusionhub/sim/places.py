"""Real Zhejiang townships and villages for the simulator, with made-up but stable centres.

Only county centroids are published; townships and villages get pseudo-centres derived from
their codes (CRC-32, so the same code lands on the same spot in every run).
"""

from __future__ import annotations

import csv
import math
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

REGIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "regions"
_TOWNSHIP_SPREAD_M = 12_000.0
_VILLAGE_SPREAD_M = 2_500.0
_NAME_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "委会")


@dataclass(frozen=True, slots=True)
class Village:
    """A village with its township and county, and a WGS-84 centre."""

    county_code: str
    county_name: str
    township_code: str
    township_name: str
    code: str
    name: str
    lon: float
    lat: float


def short_village_name(name: str) -> str:
    """``枫源村委会`` -> ``枫源村``, ``天竺社区居委会`` -> ``天竺社区``."""
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem.endswith(("村", "社区")) else stem + "村"
    return name


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """Move a point by metres east and north."""
    dlat = north_m / 110_574.0
    dlon = east_m / (111_320.0 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


def _stable_offset(code: str, spread_m: float) -> tuple[float, float]:
    rng = random.Random(zlib.crc32(code.encode()))
    angle = rng.uniform(0, 2 * math.pi)
    dist = spread_m * math.sqrt(rng.random())
    return dist * math.cos(angle), dist * math.sin(angle)


def _read(name: str, regions_dir: Path) -> list[dict[str, str]]:
    with (regions_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_villages(county_codes: list[str], regions_dir: Path = REGIONS_DIR) -> list[Village]:
    """Every village of the given counties, in code order. Raises KeyError for unknown codes."""
    counties = {r["code"]: r for r in _read("zhejiang_counties.csv", regions_dir)}
    townships = {r["code"]: r for r in _read("zhejiang_townships.csv", regions_dir)}
    wanted = {code: counties[code] for code in county_codes}
    villages: list[Village] = []
    for row in _read("zhejiang_villages.csv", regions_dir):
        town = townships.get(row["township_code"])
        if town is None or town["county_code"] not in wanted:
            continue
        county = wanted[town["county_code"]]
        t_lon, t_lat = offset(
            float(county["centroid_lon"]),
            float(county["centroid_lat"]),
            *_stable_offset(town["code"], _TOWNSHIP_SPREAD_M),
        )
        v_lon, v_lat = offset(t_lon, t_lat, *_stable_offset(row["code"], _VILLAGE_SPREAD_M))
        villages.append(
            Village(
                county["code"],
                county["name"],
                town["code"],
                town["name"],
                row["code"],
                short_village_name(row["name"]),
                round(v_lon, 6),
                round(v_lat, 6),
            )
        )
    return sorted(villages, key=lambda v: v.code)


def all_county_codes(regions_dir: Path = REGIONS_DIR) -> list[str]:
    """Every county code in the regions table, sorted."""
    return sorted(r["code"] for r in _read("zhejiang_counties.csv", regions_dir))
