"""The compiled connector path: built from the current sources, and converting exactly as the
interpreted one does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fusionhub import native
from tests.unit.ingest.test_conversion_golden import GOLDEN, _decode_input, digests

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

_INTERPRETED_DIGESTS = """
import json, sys, tempfile
from pathlib import Path
import tests.interpreted
tests.interpreted.install()
from tests.unit.ingest.test_conversion_golden import GOLDEN, _decode_input, digests
from fusionhub import native
golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
inputs = [_decode_input(item) for item in golden["inputs"]]
with tempfile.TemporaryDirectory() as tmp:
    found = digests(inputs, golden["cameras_csv"], Path(tmp))
compiled = [m for m in sys.modules.values() if (getattr(m, "__file__", "") or "").endswith(".so")
            and m.__name__.startswith("fusionhub")]
print(json.dumps({"digests": found, "compiled": [m.__name__ for m in compiled]}))
"""


def test_the_manifest_tells_which_modules_run_compiled() -> None:
    built = native.built_digests()
    expected = list(native.COMPILED_MODULES) if built is not None else []
    assert native.running_compiled() == expected


def test_no_compiled_module_is_older_than_its_source() -> None:
    assert native.stale_modules() == []


def test_interpreted_and_compiled_conversion_give_the_same_bytes(tmp_path: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    inputs = [_decode_input(item) for item in golden["inputs"]]
    here = digests(inputs, golden["cameras_csv"], tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", _INTERPRETED_DIGESTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    there = json.loads(run.stdout.strip().splitlines()[-1])
    assert there["compiled"] == []
    assert there["digests"] == here
