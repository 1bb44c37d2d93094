"""Value objects: equal and hashed by their fields, and read-only to the type checker."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from mypy import api as mypy_api

from fusionhub.core.events import GeoPoint, Jurisdiction, Party

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def test_value_objects_are_equal_and_hash_alike_when_their_fields_are() -> None:
    a, b = GeoPoint(120.1, 29.5), GeoPoint(120.1, 29.5)
    assert a == b
    assert a is not b
    assert hash(a) == hash(b)
    assert len({Party("caller", phone_token="t"), Party("caller", phone_token="t")}) == 1
    assert Jurisdiction(county_code="330681") != Jurisdiction(county_code="330682")
    assert dataclasses.replace(a, lon=121.0) == GeoPoint(121.0, 29.5)
    assert repr(a) == "GeoPoint(lon=120.1, lat=29.5)"


def test_the_type_checker_refuses_an_assignment_to_a_field(tmp_path: Path) -> None:
    snippet = tmp_path / "assigns.py"
    snippet.write_text(
        "from fusionhub.core.events import GeoPoint\n"
        "point = GeoPoint(120.1, 29.5)\n"
        "point.lon = 0.0\n",
        encoding="utf-8",
    )
    out, _, status = mypy_api.run(
        ["--strict", "--follow-imports=silent", "--no-incremental", str(snippet)]
    )
    assert status == 1
    assert 'Property "lon" defined in "GeoPoint" is read-only' in out
