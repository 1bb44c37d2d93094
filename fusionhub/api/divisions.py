"""The outlines the console's map draws: the counties in a centre's reach from the packaged
boundaries, and their townships.

No public package holds township boundaries (``fusionhub/data/regions/SOURCES.md``). A hub
given a GeoJSON file of them (``FUSIONHUB_CONSOLE__TOWNSHIP_BOUNDARIES``, property ``code``)
draws those; otherwise each township is outlined by the area its located reports cover (their
convex hull, marked ``approximate``), which is where its cases are.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Numeric, cast, func, select

from fusionhub.api.centres import Centre
from fusionhub.api.reads import NameLookup, no_names
from fusionhub.sinks.schema import events

Point = tuple[float, float]
CACHE_S = 300.0
# Reports are placed on a grid of about 100 m before outlining: enough for an outline, and
# a county's hundred thousand reports become a few thousand points.
GRID_DIGITS = 3


@functools.cache
def county_features() -> dict[str, dict[str, Any]]:
    """Every packaged county boundary as a GeoJSON feature, by 6-digit code."""
    path = resources.files("fusionhub").joinpath("data/regions/zhejiang_counties.geojson")
    raw = json.loads(path.read_bytes())
    return {f["properties"]["code"]: f for f in raw["features"]}


def load_township_boundaries(path: Path) -> dict[str, dict[str, Any]]:
    """Township features by code from a GeoJSON FeatureCollection; called once at start-up.

    Raises ValueError (the caller names the setting) for a file that is not a collection of
    Polygon or MultiPolygon features with a 9-digit ``code`` property.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        found = {}
        for feature in raw["features"]:
            code = str(feature["properties"]["code"])
            if len(code) != 9 or feature["geometry"]["type"] not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"feature {code!r} is not a 9-digit township polygon")
            found[code] = feature
    except (OSError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection of townships: {exc}") from exc
    return found


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """The convex hull of ``points``, counter-clockwise, first point not repeated (Andrew's
    monotone chain). Fewer than three distinct points give what there is."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def turn(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(unique):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


class DivisionMap:
    """Builds (and keeps for a few minutes per centre) the map outlines of a centre's reach.

    ``outlines`` blocks on the database when townships are outlined from reports, and raises
    ``sqlalchemy.exc.DBAPIError`` when it cannot answer.
    """

    def __init__(
        self,
        engine: Engine,
        names: NameLookup = no_names,
        townships: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.engine = engine
        self.names = names
        self.townships = townships
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def outlines(self, centre: Centre) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: the counties and townships ``centre`` reaches, each
        with properties ``code``, ``name``, ``level`` and ``approximate``."""
        kept = self._cache.get(centre.key)
        if kept is not None and time.monotonic() - kept[0] < CACHE_S:
            return kept[1]
        county = centre.county or (centre.township[:6] if centre.township else None)
        counties = county_features()
        chosen = [counties[county]] if county in counties else list(counties.values())
        features = [self._feature(f, f["properties"]["code"], "county") for f in chosen]
        features += self._township_features(centre, county)
        collection = {"type": "FeatureCollection", "features": features}
        self._cache[centre.key] = (time.monotonic(), collection)
        return collection

    def _feature(
        self, feature: dict[str, Any], code: str, level: str, approximate: bool = False
    ) -> dict[str, Any]:
        properties = {
            "code": code,
            "name": self.names(code),
            "level": level,
            "approximate": approximate,
        }
        return {"type": "Feature", "geometry": feature["geometry"], "properties": properties}

    def _township_features(self, centre: Centre, county: str | None) -> list[dict[str, Any]]:
        def wanted(code: str) -> bool:
            if centre.township is not None:
                return code == centre.township
            return county is None or code.startswith(county)

        if self.townships is not None:
            return [
                self._feature(f, code, "township")
                for code, f in self.townships.items()
                if wanted(code)
            ]
        points: dict[str, list[Point]] = {}
        for code, lon, lat in self._report_points(centre, county):
            if code and wanted(code):
                points.setdefault(code, []).append((float(lon), float(lat)))
        found = []
        for code, spots in sorted(points.items()):
            hull = convex_hull(spots)
            if len(hull) >= 3:
                ring = [[x, y] for x, y in [*hull, hull[0]]]
                geometry = {"geometry": {"type": "Polygon", "coordinates": [ring]}}
                found.append(self._feature(geometry, code, "township", approximate=True))
        return found

    def _report_points(self, centre: Centre, county: str | None) -> list[tuple[Any, Any, Any]]:
        lon = func.round(cast(events.c.lon, Numeric), GRID_DIGITS)
        lat = func.round(cast(events.c.lat, Numeric), GRID_DIGITS)
        query = select(events.c.township_code, lon, lat).where(events.c.lon.is_not(None))
        if centre.township is not None:
            query = query.where(events.c.township_code == centre.township)
        elif county is not None:
            query = query.where(events.c.county_code == county)
        with self.engine.connect() as conn:
            return list(conn.execute(query.distinct()))
