"""Loaders for the division tables and the camera registry: the file side of the gazetteer.

The packaged tables live in ``fusionhub/data/regions/`` (see its SOURCES.md); the pure
:class:`~fusionhub.core.gazetteer.Gazetteer` gets plain rows from here.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from fusionhub.core.gazetteer import County, Gazetteer, Township, Village
from fusionhub.core.geo import MultiPolygon, is_plausible_point, to_wgs84
from fusionhub.core.jurisdiction import CameraInfo

_CAMERA_COLUMNS = ("device_id", "name", "lon", "lat", "crs", "grid_code", "township_code")


def _regions_dir() -> Traversable:
    return resources.files("fusionhub").joinpath("data").joinpath("regions")


def _csv_rows(name: str) -> Iterator[dict[str, str]]:
    text = _regions_dir().joinpath(name).read_text(encoding="utf-8-sig")
    return csv.DictReader(io.StringIO(text))


def _boundaries() -> dict[str, MultiPolygon]:
    raw = json.loads(_regions_dir().joinpath("zhejiang_counties.geojson").read_bytes())
    return {
        feature["properties"]["code"]: _multipolygon(feature["geometry"])
        for feature in raw["features"]
    }


def _multipolygon(geometry: dict[str, Any]) -> MultiPolygon:
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coordinates = [coordinates]
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in poly] for poly in coordinates]


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer of Zhejiang from the packaged tables, built once per process.

    Called at start-up by the command line and the stream workers, then shared. A missing or
    malformed packaged file raises ``OSError``, ``KeyError`` or ``ValueError``: a broken install.
    """
    counties = [
        County(r["code"], r["name"], r.get("city_name") or None)
        for r in _csv_rows("zhejiang_counties.csv")
    ]
    townships = [
        Township(r["code"], r["name"], r["county_code"])
        for r in _csv_rows("zhejiang_townships.csv")
    ]
    villages = [
        Village(r["code"], r["name"], r["township_code"])
        for r in _csv_rows("zhejiang_villages.csv")
    ]
    return Gazetteer(counties, townships, villages, _boundaries())


@functools.cache
def division_lists() -> tuple[list[County], list[Township]]:
    """Every packaged county and township, in code order, for lists people choose from."""
    counties = [
        County(r["code"], r["name"], r.get("city_name") or None)
        for r in _csv_rows("zhejiang_counties.csv")
    ]
    townships = [
        Township(r["code"], r["name"], r["county_code"])
        for r in _csv_rows("zhejiang_townships.csv")
    ]
    return sorted(counties, key=lambda c: c.code), sorted(townships, key=lambda t: t.code)


def _decode(data: bytes) -> str:
    # Registries exported from Chinese video platforms are often GBK; GB18030 is its superset.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _camera_text(path_or_text: str | Path) -> str:
    if isinstance(path_or_text, Path):
        return _decode(path_or_text.read_bytes())
    if "\n" in path_or_text or path_or_text.lstrip("\ufeff").startswith("device_id,"):
        return path_or_text.lstrip("\ufeff")
    return _decode(Path(path_or_text).read_bytes())


def _camera_point(row: dict[str, str]) -> tuple[float, float, str | None] | None:
    lon_text, lat_text = (row.get("lon") or "").strip(), (row.get("lat") or "").strip()
    if not lon_text or not lat_text:
        return None
    lon, lat = float(lon_text), float(lat_text)
    if not is_plausible_point(lon, lat):
        return None
    return lon, lat, (row.get("crs") or "").strip() or None


def _camera(row: dict[str, str]) -> CameraInfo:
    device_id = (row.get("device_id") or "").strip()
    if not device_id:
        raise ValueError("empty device_id")
    located = _camera_point(row)
    return CameraInfo(
        device_id=device_id,
        name=(row.get("name") or "").strip(),
        point=to_wgs84(*located) if located else None,
        grid_code=(row.get("grid_code") or "").strip() or None,
        township_code=(row.get("township_code") or "").strip() or None,
    )


def load_camera_registry(path_or_text: str | Path) -> dict[str, CameraInfo]:
    """The camera registry CSV as cameras by device id, points converted to WGS-84.

    Called by the video connector and the replay command with a file path (``Path`` or ``str``)
    or the CSV text itself (any text with a line break, or starting with the header).
    Columns: ``device_id,name,lon,lat,crs,grid_code,township_code``; empty or implausible
    coordinates (0/0, outside China) give a camera without a point, and empty codes give ``None``.
    A missing column, a bad number or an unknown crs raises ``ValueError`` naming the line:
    a registry that cannot be read whole is not used at all.
    """
    reader = csv.DictReader(io.StringIO(_camera_text(path_or_text)))
    missing = [c for c in _CAMERA_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"camera registry lacks columns {', '.join(missing)}")
    cameras: dict[str, CameraInfo] = {}
    for row in reader:
        try:
            camera = _camera(row)
        except ValueError as exc:
            raise ValueError(f"camera registry line {reader.line_num}: {exc}") from exc
        cameras[camera.device_id] = camera
    return cameras
