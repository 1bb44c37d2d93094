"""Compile the ingest hot path with mypyc, in place: ``make native`` (``--clean`` undoes it).

Skips the build when the recorded source digests still match. Needs a C compiler and the
Python headers; fails loudly rather than leaving a half-built tree.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fusionhub import native  # noqa: E402 (after the path fix above)


def _built_files() -> list[Path]:
    return sorted(native.PACKAGE_DIR.rglob("*.so"))


def clean() -> None:
    for path in _built_files():
        path.unlink()
    native.MANIFEST.unlink(missing_ok=True)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    digests = native.source_digests()
    if native.built_digests() == digests and _built_files():
        print("native build is up to date")
        return
    clean()
    paths = [f"fusionhub/{name}" for name in native.COMPILED_MODULES]
    os.chdir(ROOT)
    jobs = str(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="fusionhub-native-") as tmp:
        setup(
            name="fusionhub-native",
            packages=[],
            py_modules=[],
            ext_modules=mypycify(paths, opt_level="3", group_name="fusionhub.native"),
            script_args=["-q", "build_ext", "--inplace", "--build-temp", tmp, "-j", jobs],
        )
    native.MANIFEST.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    print(f"compiled {len(paths)} modules: {', '.join(native.running_compiled())}")


if __name__ == "__main__":
    clean() if "--clean" in sys.argv[1:] else build()
