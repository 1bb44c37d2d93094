"""Coordinate conversion, plausibility, distances and the polygon index."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.core.events import GeoPoint
from fusionhub.core.geo import (
    PolygonIndex,
    bd09_to_wgs84,
    gcj02_to_wgs84,
    haversine_m,
    is_plausible_point,
    metres_per_degree,
    to_wgs84,
    wgs84_to_gcj02,
)

pytestmark = pytest.mark.unit

ZHEJIANG_LON = st.floats(min_value=118.0, max_value=123.2)
ZHEJIANG_LAT = st.floats(min_value=27.0, max_value=31.2)
GRID_EXAMPLE_GCJ = (120.41857, 29.62213)
_BD_FACTOR = math.pi * 3000.0 / 180.0


def _gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Baidu's published forward offset, as an independent oracle for the inverse."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_FACTOR)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_FACTOR)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def test_grid_example_gcj02_point_moves_by_the_known_offset() -> None:
    wgs = to_wgs84(*GRID_EXAMPLE_GCJ, "GCJ02")
    shift = haversine_m(wgs, GeoPoint(*GRID_EXAMPLE_GCJ))
    assert 300.0 < shift < 700.0
    # In Zhejiang the GCJ-02 offset pushes points east and a little south.
    assert wgs.lon < GRID_EXAMPLE_GCJ[0]
    assert wgs.lat > GRID_EXAMPLE_GCJ[1]


def test_grid_example_round_trips_through_gcj02() -> None:
    wgs = gcj02_to_wgs84(*GRID_EXAMPLE_GCJ)
    back = wgs84_to_gcj02(*wgs)
    assert haversine_m(GeoPoint(*back), GeoPoint(*GRID_EXAMPLE_GCJ)) < 0.5


@given(ZHEJIANG_LON, ZHEJIANG_LAT)
def test_gcj02_inverse_round_trips_within_half_a_metre(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(GeoPoint(*back), GeoPoint(lon, lat)) < 0.5


@given(ZHEJIANG_LON, ZHEJIANG_LAT)
def test_bd09_inverse_round_trips_within_half_a_metre(lon: float, lat: float) -> None:
    baidu = _gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    back = bd09_to_wgs84(*baidu)
    assert haversine_m(GeoPoint(*back), GeoPoint(lon, lat)) < 0.5


@pytest.mark.parametrize("crs", [None, "WGS84", "wgs84"])
def test_wgs84_points_are_left_as_they_are(crs: str | None) -> None:
    assert to_wgs84(120.1, 30.2, crs) == GeoPoint(120.1, 30.2)


@pytest.mark.parametrize(("crs", "other"), [("gcj02", "GCJ02"), ("bd09", "BD09")])
def test_crs_names_are_case_insensitive(crs: str, other: str) -> None:
    assert to_wgs84(120.1, 30.2, crs) == to_wgs84(120.1, 30.2, other)
    assert to_wgs84(120.1, 30.2, crs) != GeoPoint(120.1, 30.2)


def test_bd09_point_lands_further_than_its_gcj02_reading() -> None:
    as_gcj = to_wgs84(120.4245, 29.6283, "GCJ02")
    as_bd = to_wgs84(120.4245, 29.6283, "BD09")
    origin = GeoPoint(120.4245, 29.6283)
    assert haversine_m(as_bd, origin) > haversine_m(as_gcj, origin)


def test_unknown_crs_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="CGCS2000X"):
        to_wgs84(120.1, 30.2, "CGCS2000X")


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(0.0, 0.0), (200.0, 95.0), (math.nan, 30.0), (120.0, math.inf), (-120.0, 30.0), (120.0, 60.0)],
)
def test_implausible_points_are_rejected(lon: float, lat: float) -> None:
    assert not is_plausible_point(lon, lat)


@given(ZHEJIANG_LON, ZHEJIANG_LAT)
def test_points_in_zhejiang_are_plausible(lon: float, lat: float) -> None:
    assert is_plausible_point(lon, lat)


def test_one_degree_of_latitude_is_about_111_km() -> None:
    distance = haversine_m(GeoPoint(120.0, 30.0), GeoPoint(120.0, 31.0))
    assert distance == pytest.approx(111_195, rel=1e-3)


@given(ZHEJIANG_LON, ZHEJIANG_LAT, st.floats(-0.05, 0.05), st.floats(-0.05, 0.05))
def test_flat_metric_agrees_with_haversine_over_a_few_kilometres(
    lon: float, lat: float, d_lon: float, d_lat: float
) -> None:
    m_lon, m_lat = metres_per_degree(lat)
    flat = math.hypot(d_lon * m_lon, d_lat * m_lat)
    exact = haversine_m(GeoPoint(lon, lat), GeoPoint(lon + d_lon, lat + d_lat))
    # The sphere and the ellipsoid differ by up to 0.5 %; the flat shortcut adds little to that.
    assert flat == pytest.approx(exact, rel=6e-3, abs=0.5)


SQUARE_WITH_HOLE = [
    [
        [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)],
        [(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (4.0, 4.0)],
    ],
    [[(20.0, 0.0), (22.0, 0.0), (21.0, 3.0), (20.0, 0.0)]],
]


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(1.0, 1.0, True), (5.0, 5.0, False), (9.0, 5.0, True), (21.0, 1.0, True), (15.0, 1.0, False)],
)
def test_polygon_index_honours_holes_and_parts(lon: float, lat: float, inside: bool) -> None:
    assert PolygonIndex(SQUARE_WITH_HOLE).contains(lon, lat) is inside


@given(st.floats(-1.0, 25.0), st.floats(-1.0, 11.0))
def test_polygon_index_agrees_with_the_shape_it_indexes(lon: float, lat: float) -> None:
    in_square = 0 < lon < 10 and 0 < lat < 10 and not (4 < lon < 6 and 4 < lat < 6)
    in_triangle = 0 < lat < 3 and abs(lon - 21.0) < (3 - lat) / 3
    # Points on (or within rounding of) an edge may fall either way; the rest must agree.
    near = [abs(lon - x) < 1e-9 for x in (0, 4, 6, 10)] + [
        abs(lat - y) < 1e-9 for y in (0, 3, 4, 6, 10)
    ]
    on_edge = any(near) or abs(abs(lon - 21.0) - (3 - lat) / 3) < 1e-9
    if not on_edge:
        assert PolygonIndex(SQUARE_WITH_HOLE).contains(lon, lat) is (in_square or in_triangle)


def test_empty_polygon_contains_nothing() -> None:
    assert not PolygonIndex([]).contains(0.0, 0.0)
