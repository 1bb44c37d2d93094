"""What the code imports is what pyproject.toml declares, and requirements.lock pins all of it.

A package that only arrives through another one (aiohttp through faust) disappears the day that
one stops needing it; a declared package nothing uses is a download for nothing.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# Declared for what they run, not for what imports them.
TOOLS = {
    "pytest-timeout": "a pytest plugin, loaded by pytest",
    "ruff": "make lint",
    "py-spy": "profiles a running worker",
    "uv": "make lock",
    "types-openpyxl": "type stubs, read by mypy",
    "uvloop": 'the worker\'s event loop, loaded by name by mode.loop.use("uvloop")',
}
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.MULTILINE)


def pyproject() -> dict[str, object]:
    loaded: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return loaded


def declared(group: str) -> dict[str, Requirement]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    texts = (
        project["dependencies"] if group == "runtime" else project["optional-dependencies"][group]
    )
    return {canonicalize_name(r.name): r for r in map(Requirement, texts)}


def imported_modules(paths: Iterable[Path]) -> dict[str, set[str]]:
    """Top-level modules imported by the files under ``paths`` (absolute imports only), with
    the files that import each; the standard library and the project's own packages left out."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for file in sorted(path.rglob("*.py")):
            for node in ast.walk(ast.parse(file.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in {"fusionhub", "tests"}:
                        found.setdefault(top, set()).add(str(file.relative_to(path.parent)))
    found.pop("__future__", None)
    return found


@cache
def distributions_of() -> dict[str, list[str]]:
    return {
        k: [canonicalize_name(d) for d in v] for k, v in metadata.packages_distributions().items()
    }


def undeclared(modules: dict[str, set[str]], allowed: set[str]) -> list[str]:
    problems = []
    for module, files in sorted(modules.items()):
        owners = distributions_of().get(module)
        if not owners:
            problems.append(f"{module} (imported by {sorted(files)[0]}) is not installed")
        elif not set(owners) & allowed:
            problems.append(f"{module} (from {owners[0]}, imported by {sorted(files)[0]})")
    return problems


def test_the_package_imports_only_what_its_runtime_dependencies_declare() -> None:
    modules = imported_modules([ROOT / "fusionhub"])
    assert "aiohttp" in modules  # the scan sees imports at all
    assert undeclared(modules, set(declared("runtime"))) == []


def test_tests_and_scripts_import_only_declared_packages() -> None:
    modules = imported_modules([ROOT / "tests", ROOT / "scripts"])
    assert undeclared(modules, set(declared("runtime")) | set(declared("dev"))) == []


def test_every_declared_package_is_imported_or_a_named_tool() -> None:
    used = {
        owner
        for module in imported_modules([ROOT / "fusionhub", ROOT / "tests", ROOT / "scripts"])
        for owner in distributions_of().get(module, [])
    }
    unused = set(declared("runtime")) | set(declared("dev"))
    assert sorted(unused - used - set(TOOLS)) == []


def test_a_module_importing_an_undeclared_package_is_caught(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import yaml\nfrom attrs import define\nimport json\n")
    problems = undeclared(imported_modules([tmp_path]), {"pyyaml"})
    assert len(problems) == 1
    assert problems[0].startswith("attrs")


LOCKS = {"requirements.lock": ("runtime",), "requirements-dev.lock": ("runtime", "dev")}


def locked(lock: str) -> dict[str, set[Version]]:
    pins: dict[str, set[Version]] = {}
    for name, version in _PIN.findall((ROOT / lock).read_text("utf-8")):
        pins.setdefault(canonicalize_name(name), set()).add(Version(version))
    return pins


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_pins_every_declared_package_within_its_range(lock: str) -> None:
    pins = locked(lock)
    wanted: dict[str, Requirement] = {}
    for group in LOCKS[lock]:
        wanted |= declared(group)
    for name, requirement in wanted.items():
        assert name in pins, f"{name} is declared but not in {lock}: run make lock"
        for version in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version} outside {requirement}: run make lock"
            )


def test_the_runtime_lock_holds_no_development_tool() -> None:
    tools = {"pytest", "hypothesis", "mypy", "ruff", "uv", "confluent-kafka"}
    assert tools <= set(declared("dev"))
    assert tools & set(locked("requirements.lock")) == set()


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_pins_every_package_with_hashes(lock: str) -> None:
    text = (ROOT / lock).read_text("utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(entries) > 50
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_make_setup_installs_from_the_lock_and_the_project_without_resolving_again() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    recipe = makefile.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    assert "requirements-dev.lock" in recipe.splitlines()[0]  # a new lock reinstalls
    assert "pip install -q --require-hashes -r requirements-dev.lock" in recipe
    assert "pip install -q --no-deps -e ." in recipe
    installs = [line for line in recipe.splitlines() if "pip install" in line]
    assert all(
        "-r requirements-dev.lock" in i or "--no-deps" in i or "--upgrade pip" in i
        for i in installs
    )
