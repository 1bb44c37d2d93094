"""Coordinate systems, plausibility, distances and point-in-polygon on WGS-84 lon/lat.

Pure: callers hand in numbers and polygons; nothing here reads files or the clock.
Sources give WGS-84, GCJ-02 (AMap, Tencent) or BD-09 (Baidu) points; every distance the hub
computes is on WGS-84, so connectors call :func:`to_wgs84` first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fusionhub.core.events import GeoPoint

Ring = Sequence[tuple[float, float]]
Polygon = Sequence[Ring]
MultiPolygon = Sequence[Polygon]

# Krasovsky 1940 ellipsoid: GCJ-02's published offset formula is defined on it.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_KRASOVSKY_A_1_EE = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)
_BD_FACTOR = math.pi * 3000.0 / 180.0
_EARTH_RADIUS_M = 6371008.8
# 1e-9 degree is about 0.1 mm: far below the 0.5 m the hub needs.
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30

CHINA_LON_RANGE = (73.5, 135.1)
CHINA_LAT_RANGE = (18.1, 53.6)

# math.radians(x) is x times this very constant, so every result keeps its bits.
_DEGREES_TO_RADIANS = math.pi / 180.0

_WGS84_NAMES = frozenset({"WGS84", "WGS-84", "EPSG:4326"})
_GCJ02_NAMES = frozenset({"GCJ02", "GCJ-02"})
_BD09_NAMES = frozenset({"BD09", "BD-09"})


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Apply the GCJ-02 offset to a WGS-84 point.

    Used by tests and by :func:`gcj02_to_wgs84`, which inverts it. The offset is applied
    everywhere; whether the point lies in China is :func:`is_plausible_point`'s question.
    """
    # The published latitude and longitude offset formulas, written out in one place: the wave
    # and square-root terms they share are computed once. Every expression keeps the published
    # order of operations, so each result is the same float to the last bit. math.* is called
    # by name: compiled, that is a direct C call on unboxed floats (the inversion evaluates
    # these formulas some four times per point).
    x, y = lon - 105.0, lat - 35.0
    root = math.sqrt(abs(x))
    wave = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root
    d_lat += wave
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root
    d_lon += wave
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat * _DEGREES_TO_RADIANS
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    metres_lat = _KRASOVSKY_A_1_EE / (magic * sqrt_magic)
    d_lat = (d_lat * 180.0) / (metres_lat * math.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Convert a GCJ-02 (AMap, Tencent) point to WGS-84.

    Called by connectors for sources whose ``crs`` is ``GCJ02``. The offset has no closed-form
    inverse, so this iterates a fixed point until the forward offset of the answer lands on the
    input (well under a millimetre, usually in 3-4 steps).
    """
    wgs_lon, wgs_lat = lon, lat
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        wgs_lon -= err_lon
        wgs_lat -= err_lat
        if abs(err_lon) < _INVERSE_TOLERANCE_DEG and abs(err_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return wgs_lon, wgs_lat


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Remove Baidu's BD-09 offset, giving GCJ-02. Used by :func:`bd09_to_wgs84`."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_FACTOR)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_FACTOR)
    return z * math.cos(theta), z * math.sin(theta)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Convert a BD-09 (Baidu) point to WGS-84, by way of GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, crs: str | None) -> GeoPoint:
    """The WGS-84 point of a source coordinate in the named ``crs``.

    Connectors call this for every coordinate they accept. ``crs`` is ``None`` or ``WGS84``
    (no change), ``GCJ02`` or ``BD09``, in any letter case. Any other name raises ``ValueError``:
    guessing would silently misplace the event by hundreds of metres.
    """
    name = (crs or "WGS84").strip().upper()
    if name in _WGS84_NAMES:
        return GeoPoint(lon, lat)
    if name in _GCJ02_NAMES:
        return GeoPoint(*gcj02_to_wgs84(lon, lat))
    if name in _BD09_NAMES:
        return GeoPoint(*bd09_to_wgs84(lon, lat))
    raise ValueError(f"unknown coordinate system {crs!r}: expected WGS84, GCJ02 or BD09")


def is_plausible_point(lon: float, lat: float) -> bool:
    """Whether a coordinate can be a real place the hub serves.

    Connectors call this before trusting a point; ``False`` means drop the point (not the event).
    Rejects NaN and infinities, the 0/0 "no fix" placeholder, and anything outside China's box.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return False
    if lon == 0.0 and lat == 0.0:
        return False
    return (
        CHINA_LON_RANGE[0] <= lon <= CHINA_LON_RANGE[1]
        and CHINA_LAT_RANGE[0] <= lat <= CHINA_LAT_RANGE[1]
    )


def haversine_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in metres between two WGS-84 points (mean Earth radius)."""
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    d_lat = lat_b - lat_a
    d_lon = math.radians(b.lon - a.lon)
    h = math.sin(d_lat / 2.0) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(d_lon / 2.0) ** 2
    return 2.0 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat`` on the WGS-84 ellipsoid.

    For correlation: compute it once per area, then compare points with a flat
    ``hypot(d_lon * m_lon, d_lat * m_lat)``; over a few kilometres the error is well below 0.1 %.
    """
    phi = math.radians(lat)
    m_lat = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    m_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    return m_lon, m_lat


class PolygonIndex:
    """Point-in-multipolygon test that only looks at the edges near the point's latitude.

    Built once per boundary (the gazetteer builds one per county). Edges of all rings are kept
    together and tested by the even-odd rule, so holes and multi-part areas need no special case.
    """

    __slots__ = ("_band_count", "_band_height", "_bands", "bbox")

    def __init__(self, polygons: MultiPolygon) -> None:
        """Index polygons of rings of lon/lat pairs; an empty one contains nothing."""
        edges = [
            (ring[i - 1], ring[i])
            for polygon in polygons
            for ring in polygon
            for i in range(len(ring))
        ]
        lons = [p[0] for p, _ in edges] or [0.0]
        lats = [p[1] for p, _ in edges] or [0.0]
        self.bbox = (min(lons), min(lats), max(lons), max(lats))
        # About four edges a band keeps a lookup to a handful of crossing tests.
        self._band_count = max(1, len(edges) // 4)
        self._band_height = max((self.bbox[3] - self.bbox[1]) / self._band_count, 1e-12)
        bands: list[list[tuple[float, float, float, float]]] = [[] for _ in range(self._band_count)]
        for (x1, y1), (x2, y2) in edges:
            if y1 == y2:
                continue  # a horizontal edge never crosses a horizontal ray
            for band in range(self._band_of(min(y1, y2)), self._band_of(max(y1, y2)) + 1):
                bands[band].append((x1, y1, x2, y2))
        self._bands = tuple(tuple(b) for b in bands)

    def _band_of(self, lat: float) -> int:
        index = int((lat - self.bbox[1]) / self._band_height)
        return min(max(index, 0), self._band_count - 1)

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies inside (points exactly on an edge may fall either way)."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return False
        inside = False
        for x1, y1, x2, y2 in self._bands[self._band_of(lat)]:
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside
