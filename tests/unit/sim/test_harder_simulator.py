"""The harder simulator: density, and every noise model of docs/simulator.md shows up."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fusionhub.core.spatial import local_distance_m
from fusionhub.sim import simulate
from fusionhub.sim.catalog import BY_CODE
from fusionhub.sim.generator import CST, Generator
from fusionhub.sim.noise import NoiseRates
from fusionhub.sim.places import load_villages

pytestmark = pytest.mark.unit


def lines(folder: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (folder / name).read_text("utf-8").splitlines()]


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dense")
    simulate(out, seed=5, n_events=1500, density=3.0)
    return out


def generator(seed: int = 2) -> Generator:
    start = datetime(2026, 11, 1, tzinfo=CST)
    return Generator(random.Random(seed), load_villages(["330681"]), start, 14)


def test_the_same_seed_and_density_write_byte_identical_folders(
    dense: Path, tmp_path: Path
) -> None:
    simulate(tmp_path / "again", seed=5, n_events=1500, density=3.0)
    assert all_bytes(tmp_path / "again") == all_bytes(dense)


def test_density_fixes_incidents_per_township_per_week_and_the_span_adapts(
    tmp_path: Path,
) -> None:
    for density in (2.0, 6.0):
        summary = simulate(tmp_path / str(density), seed=1, n_events=2000, density=density)
        measured = summary.incidents / summary.townships / (summary.days / 7)
        assert measured == pytest.approx(density, rel=0.15), (density, summary)
    low = simulate(tmp_path / "low", seed=1, n_events=2000, density=2.0)
    high = simulate(tmp_path / "high", seed=1, n_events=2000, density=6.0)
    assert low.days > 2 * high.days


def test_density_and_days_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="density"):
        simulate(tmp_path, seed=1, n_events=100, density=1.0, days=7)


def test_some_hotline_calls_give_only_a_road_address_or_a_landmark_and_no_point(
    dense: Path,
) -> None:
    vague = [
        r
        for r in lines(dense, "hotline.jsonl")
        if "lon" not in r and "region_code" not in r and r.get("address")
    ]
    assert any(str(r["address"]).endswith("号") for r in vague)
    assert any(not str(r["address"]).endswith("号") for r in vague)


def test_cameras_see_their_incidents_from_50_to_300_metres() -> None:
    gen = generator()
    distances = []
    for _ in range(400):
        inc = gen.random_incident()
        if inc.spec.video is None:
            continue
        before = len(gen.cameras)
        gen.reports(inc)
        for cam in gen.cameras[before:]:
            distances.append(local_distance_m(cam.lon, cam.lat, inc.lon, inc.lat))
    assert distances
    assert all(49.0 <= d <= 301.0 for d in distances)


def test_same_kind_neighbours_are_near_but_differ_in_name_or_door_number() -> None:
    gen = generator()
    pairs = []
    while len(pairs) < 30:
        inc = gen.random_incident()
        twin = gen.neighbour(inc)
        if twin is not None:
            pairs.append((inc, twin))
    for first, twin in pairs:
        assert twin.spec == first.spec
        assert twin.village == first.village
        assert local_distance_m(first.lon, first.lat, twin.lon, twin.lat) < 800
        assert (first.org, first.place, first.house) != (twin.org, twin.place, twin.house)
        if BY_CODE[first.spec.code].entity not in (None, "road"):
            assert first.org != twin.org


def test_one_person_calls_twice_about_one_incident_and_frequent_callers_report_several(
    dense: Path,
) -> None:
    truth = {t["event_ref"]: t["incident_id"] for t in lines(dense, "truth.jsonl")}
    by_phone: dict[str, list[str]] = {}
    for r in lines(dense, "hotline.jsonl"):
        incident = truth[f"hotline:{r['order_no']}"]
        by_phone.setdefault(r["caller"]["phone"], []).append(incident)
    assert any(len(v) > len(set(v)) for v in by_phone.values())
    assert any(len(set(v)) > 1 for v in by_phone.values())


def test_wording_varies_with_typos_and_several_openers(dense: Path) -> None:
    contents = [str(r["content"]) for r in lines(dense, "hotline.jsonl")]
    assert len({c[:4] for c in contents}) >= 5
    assert any(slip in c for c in contents for slip in ("拉圾", "阴井", "燥音", "托欠", "反应"))


def test_noise_models_can_be_switched_off(tmp_path: Path) -> None:
    quiet = NoiseRates(recurring_scale=0.0, address_only=0.0, landmark_only=0.0)
    summary = simulate(tmp_path, seed=1, n_events=500, noise=quiet)
    assert "neighbours" not in summary.noise
    assert "hotline_address_only" not in summary.noise


def test_the_replay_ingests_a_dense_folder_with_no_rejects(dense: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FUSIONHUB_SECRETS__PII_KEY": "sim-test-key-0123456789",
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fusionhub",
            "replay",
            str(dense),
            "--out",
            str(tmp_path / "c"),
            "--rejects",
            str(tmp_path / "r"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stderr.strip().splitlines()[-1])
    assert summary["received"] == 1500
    assert summary["rejected"] == 0
    assert (tmp_path / "r").read_text("utf-8") == ""
