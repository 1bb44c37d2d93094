"""Fast local distances and the grid cells of the spatial candidate index.

The engine compares points a few hundred metres apart, so a local equirectangular projection is
accurate to well under a metre there and much cheaper than haversine.
"""

from __future__ import annotations

import math

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0
# Cells are laid out with the scale of this latitude (the middle of Zhejiang); lookups widen
# their neighbourhood where a degree of longitude is shorter, so any latitude stays correct.
_CELL_REFERENCE_LAT = 30.0
_COS_REF = math.cos(math.radians(_CELL_REFERENCE_LAT))

Cell = tuple[int, int]


def local_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two nearby WGS-84 points (equirectangular approximation)."""
    mean_lat = math.radians((lat1 + lat2) / 2.0)
    dx = (lon2 - lon1) * _M_PER_DEG_LON_EQUATOR * math.cos(mean_lat)
    dy = (lat2 - lat1) * _M_PER_DEG_LAT
    return math.hypot(dx, dy)


def cell_of(lon: float, lat: float, cell_m: float) -> Cell:
    """The index cell holding a point, for cells about ``cell_m`` metres wide."""
    x = math.floor(lon * _M_PER_DEG_LON_EQUATOR * _COS_REF / cell_m)
    y = math.floor(lat * _M_PER_DEG_LAT / cell_m)
    return (x, y)


def cells_within(lon: float, lat: float, radius_m: float, cell_m: float) -> list[Cell]:
    """Every cell that may hold a point within ``radius_m`` of (lon, lat)."""
    xs, ys = cell_span(lon, lat, radius_m, cell_m)
    return [(x, y) for x in xs for y in ys]


def cell_span(lon: float, lat: float, radius_m: float, cell_m: float) -> tuple[range, range]:
    """The columns and rows of ``cells_within``: the cells are every (x, y) of the two."""
    cx, cy = cell_of(lon, lat, cell_m)
    # A cell's true east-west width shrinks with cos(lat); widen the search to match.
    shrink = max(math.cos(math.radians(lat)), 1e-6) / _COS_REF
    reach_x = math.ceil(radius_m / (cell_m * shrink))
    reach_y = math.ceil(radius_m / cell_m)
    return range(cx - reach_x, cx + reach_x + 1), range(cy - reach_y, cy + reach_y + 1)
