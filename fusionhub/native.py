"""Which modules run compiled, and whether the compiled build still matches its sources.

The connector path (parse, validate, normalise, jurisdiction, personal data) is the ingest
hot path. ``make native`` compiles these modules to C extensions with mypyc, next to their
sources; Python then imports the extension instead of the ``.py`` file. The sources stay
the truth: without a C compiler everything runs interpreted, only slower.

A compiled module that no longer matches its source would run old code silently, so the
build records each source's digest, and ``stale_modules`` reports any that changed since.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MANIFEST = PACKAGE_DIR / "native-build.json"

# Subclasses of a compiled class must be compiled too (mypyc forbids interpreted subclasses),
# hence every source's module (fusionhub/sources/*.py: a new source is compiled without being
# listed here), not only the busiest ones.
SOURCE_MODULES = tuple(
    sorted(
        f"sources/{p.name}" for p in (PACKAGE_DIR / "sources").glob("*.py") if p.stem != "__init__"
    )
)
COMPILED_MODULES = (
    "connectors/base.py",
    "connectors/categories.py",
    "connectors/errors.py",
    "connectors/fields.py",
    "connectors/payload.py",
    "connectors/pii.py",
    "connectors/severity.py",
    "connectors/shared.py",
    "connectors/timeparse.py",
    *SOURCE_MODULES,
    "core/candidates.py",
    "core/case_events.py",
    "core/case_profiles.py",
    "core/casebook.py",
    "core/cases.py",
    "core/corrections.py",
    "core/correlation.py",
    "core/geo.py",
    "core/gazetteer.py",
    "core/jurisdiction.py",
    "core/lifecycle.py",
    "core/name_index.py",
    "core/profile_merge.py",
    "core/retention.py",
    "core/scoring.py",
    "core/scoring_types.py",
    "core/snapshot.py",
    "core/spatial.py",
    "core/textsim.py",
    "ingest/chunk_worker.py",
    "ingest/chunked.py",
    "ingest/chunks.py",
    "ingest/files.py",
    "ingest/parallel.py",
    "ingest/pipeline.py",
    "serialization/avro_nodes.py",
    "serialization/avro_reader.py",
    "serialization/avro_writer.py",
    "serialization/records.py",
)


def source_digests() -> dict[str, str]:
    """sha256 of each compiled module's source; written by the build, compared by the guard."""
    return {
        name: hashlib.sha256((PACKAGE_DIR / name).read_bytes()).hexdigest()
        for name in COMPILED_MODULES
    }


def built_digests() -> dict[str, str] | None:
    """The digests recorded by the last build, or ``None`` when nothing is compiled."""
    if not MANIFEST.is_file():
        return None
    recorded: dict[str, str] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return recorded


def stale_modules() -> list[str]:
    """Compiled modules whose source changed since the build; ``[]`` when none or not built.

    Called by the test session and the command line at start-up; a non-empty answer means
    ``make native`` must run again (or ``make clean-native`` to go back to interpreted).
    """
    built = built_digests()
    if built is None:
        return []
    current = source_digests()
    return sorted(name for name in COMPILED_MODULES if built.get(name) != current[name])


def staleness() -> str | None:
    """What to tell someone when compiled modules are stale, or ``None`` when none are.

    The test session stops with it, the command line warns with it: either way old compiled
    code would run instead of the edited sources.
    """
    stale = stale_modules()
    if not stale:
        return None
    return (
        f"compiled modules are older than their sources: {', '.join(stale)};"
        " run `make native`, or `make clean-native` to run from source"
    )


def running_compiled() -> list[str]:
    """The listed modules Python would load from a C extension rather than from source."""
    found = []
    for name in COMPILED_MODULES:
        dotted = "fusionhub." + name.removesuffix(".py").replace("/", ".")
        spec = importlib.util.find_spec(dotted)
        if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            found.append(name)
    return found
