"""``fusionhub replay`` as an operator runs it: simulated sets scored against their ground truth,
and the shared examples fused the way a command centre expects."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

pytestmark = pytest.mark.e2e


def fusionhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "FUSIONHUB_SECRETS__PII_KEY": "replay-test-key-0123456789",
        "FUSIONHUB_SECRETS__SEALING_KEY": "e2dG5Tw1KOfVYQ2ZnUbWkW-8D9dK7u6SbUqjYv6yLn8=",
    }
    return subprocess.run(
        [sys.executable, "-m", "fusionhub", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("density", ["1", "5"])
def test_a_simulated_set_replays_into_cases_with_b_cubed_f1_093_and_precision_095(
    tmp_path: Path, density: str
) -> None:
    sim = tmp_path / "sim"
    made = fusionhub(
        "simulate",
        "--out",
        str(sim),
        "--events",
        "1500",
        "--seed",
        "17",
        "--density",
        density,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    done = fusionhub(
        "replay", str(sim), "--out", "cases.jsonl", "--rejects", "rejects.jsonl", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stderr.strip().splitlines()[-1])
    assert summary["received"] == 1500
    assert (
        summary["accepted"] + summary["rejected"] + summary["duplicate"] + summary["device_health"]
        == summary["received"]
    )
    scored = fusionhub(
        "evaluate", "--cases", "cases.jsonl", "--truth", str(sim / "truth.jsonl"), cwd=tmp_path
    )
    scores = json.loads(scored.stdout)
    assert scores["missing_from_cases"] == []
    # Measured 0.97-0.98 / 0.98-0.99 here: the guard leaves room for a harder simulator.
    assert scores["bcubed_f1"] >= 0.93, scores
    assert scores["bcubed_precision"] >= 0.95, scores


def test_the_example_petition_joins_the_hotline_and_grid_case_and_the_video_does_not(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "examples"
    folder.mkdir()
    for name in ("grid", "hotline", "petition"):
        doc = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
        (folder / f"{name}.jsonl").write_text(json.dumps(doc, ensure_ascii=False) + "\n", "utf-8")
    shutil.copytree(EXAMPLES / "video", folder / "video")
    shutil.copy(EXAMPLES / "cameras.csv", folder / "cameras.csv")
    done = fusionhub("replay", str(folder), "--out", "cases.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cases = [json.loads(line) for line in (tmp_path / "cases.jsonl").read_text().splitlines()]
    refs = sorted(sorted(c["event_refs"]) for c in cases)
    assert refs == [
        [
            "grid:WG-330681109-20261125-00017",
            "hotline:12345-330681-20261125-000123",
            "petition:XF330681-2026-004512",
        ],
        ["video:33068110001320000012-17430"],
    ]
    dispute = next(c for c in cases if len(c["event_refs"]) == 3)
    assert (dispute["county_code"], dispute["township_code"]) == ("330681", "330681109")
    assert dispute["platform"] == "综治工作"
