"""Loading the packaged division tables and the camera registry CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from fusionhub.core.events import GeoPoint
from fusionhub.core.geo import haversine_m, to_wgs84
from fusionhub.regions import load_camera_registry, load_gazetteer

pytestmark = pytest.mark.unit

CAMERAS_CSV = Path(__file__).parents[1] / "fixtures" / "examples" / "cameras.csv"
HEADER = "device_id,name,lon,lat,crs,grid_code,township_code\n"


def test_packaged_gazetteer_holds_the_whole_province() -> None:
    gazetteer = load_gazetteer()
    county = gazetteer.county("330681")
    township = gazetteer.township("330681109")
    village = gazetteer.village("330681109290")
    assert county is not None
    assert (county.name, county.city_name) == ("诸暨市", "绍兴市")
    assert township is not None
    assert township.name == "枫桥镇"
    assert village is not None
    assert village.name == "枫源村委会"
    assert gazetteer.county("331127") is not None  # the last county of the table


def test_packaged_boundaries_place_county_centroids_in_their_counties() -> None:
    # The table's centroids are area-weighted, so each lies inside its (roughly convex) county.
    gazetteer = load_gazetteer()
    for code, lon, lat in [("330681", 120.270675, 29.696348), ("330106", 120.078752, 30.203745)]:
        assert gazetteer.county_of_point(GeoPoint(lon, lat)) == code


def test_gazetteer_is_built_once_per_process() -> None:
    assert load_gazetteer() is load_gazetteer()


def test_example_registry_is_read_from_a_path() -> None:
    cameras = load_camera_registry(CAMERAS_CSV)
    assert set(cameras) == {"33068110001320000012", "33068110001320000013"}
    camera = cameras["33068110001320000012"]
    assert camera.name == "枫桥镇文化广场东"
    assert camera.point == GeoPoint(120.41032, 29.62604)
    assert (camera.grid_code, camera.township_code) == ("330681109008001", "330681109")
    assert load_camera_registry(str(CAMERAS_CSV)) == cameras


def test_registry_text_converts_points_to_wgs84() -> None:
    text = HEADER + "33068110001320000020,村口,120.41857,29.62213,gcj02,,330681109\n"
    camera = load_camera_registry(text)["33068110001320000020"]
    assert camera.point == to_wgs84(120.41857, 29.62213, "GCJ02")
    assert camera.point is not None
    assert haversine_m(camera.point, GeoPoint(120.41857, 29.62213)) > 300
    assert (camera.grid_code, camera.township_code) == (None, "330681109")


@pytest.mark.parametrize(("lon", "lat"), [("", ""), ("0", "0"), ("200", "95")])
def test_camera_without_a_usable_point_has_none(lon: str, lat: str) -> None:
    text = HEADER + f"33068110001320000021,无坐标,{lon},{lat},WGS84,,\n"
    camera = load_camera_registry(text)["33068110001320000021"]
    assert (camera.point, camera.township_code) == (None, None)


def test_gbk_registry_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cameras.csv"
    path.write_bytes((HEADER + "33068110001320000022,枫桥镇西,120.4,29.6,,,\n").encode("gbk"))
    assert load_camera_registry(path)["33068110001320000022"].name == "枫桥镇西"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("33068110001320000023,坏,east,29.6,WGS84,,", "line 2"),
        ("33068110001320000023,坏,120.4,29.6,CGCS9,,", "CGCS9"),
        (",无编号,120.4,29.6,WGS84,,", "device_id"),
    ],
)
def test_bad_registry_row_is_refused_with_its_line(row: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        load_camera_registry(HEADER + row + "\n")


def test_registry_without_its_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="township_code"):
        load_camera_registry("device_id,name,lon,lat,crs,grid_code\n1,a,120,30,,\n")
