"""The README's quick-start block, run as a user types it: in a fresh HOME, without secrets,
without the virtualenv on PATH, from the project's root."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import new_user_env

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- quick-start:"


def quick_start_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split(MARKER, 1)[1]
    found = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert found, "no ```sh block after the quick-start marker in README.md"
    return found.group(1)


def test_the_readme_names_the_block_it_promises_to_test() -> None:
    block = quick_start_block()
    for command in ("fusionhub simulate", "fusionhub replay", "fusionhub evaluate"):
        assert command in block


def test_the_quick_start_runs_as_written_on_a_fresh_machine(tmp_path: Path) -> None:
    home, scratch = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    scratch.mkdir()
    venv_bin = str(ROOT / ".venv" / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = new_user_env(home, TMPDIR=str(scratch), PATH=path)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", quick_start_block()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    scores = json.loads(done.stdout.strip().splitlines()[-1])
    assert scores["bcubed_f1"] > 0.85, scores
    assert not list(home.iterdir()), "the quick start wrote into HOME"
