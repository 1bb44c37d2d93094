from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.api.divisions import convex_hull, county_features, load_township_boundaries

pytestmark = pytest.mark.unit

coordinate = st.integers(min_value=-1000, max_value=1000).map(lambda v: v / 100)


def inside_or_on(hull: list[tuple[float, float]], p: tuple[float, float]) -> bool:
    for (ax, ay), (bx, by) in zip(hull, hull[1:] + hull[:1], strict=True):
        if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) < -1e-9:
            return False
    return True


@given(st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=60))
def test_every_point_lies_inside_or_on_its_hull(points: list[tuple[float, float]]) -> None:
    hull = convex_hull(points)
    assert set(hull) <= set(points)
    if len(hull) >= 3:
        assert all(inside_or_on(hull, p) for p in points)


def test_fewer_than_three_distinct_points_are_returned_as_they_are() -> None:
    assert convex_hull([(1.0, 1.0), (1.0, 1.0), (2.0, 2.0)]) == [(1.0, 1.0), (2.0, 2.0)]


def test_the_packaged_counties_are_all_there() -> None:
    counties = county_features()
    assert len(counties) == 90
    assert counties["330681"]["properties"]["name"] == "诸暨市"


def test_a_township_file_is_read_by_code_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    square = [[[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.0]]]
    feature = {
        "type": "Feature",
        "properties": {"code": "330681109"},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert set(load_township_boundaries(good)) == {"330681109"}
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"features": [{**feature, "properties": {"code": "3306"}}]}))
    with pytest.raises(ValueError, match="9-digit"):
        load_township_boundaries(bad)
    with pytest.raises(ValueError, match="FeatureCollection"):
        load_township_boundaries(tmp_path / "missing.geojson")
