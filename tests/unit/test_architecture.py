"""The shape of the package: imports run down the layers, the settings stop at the composition
root, Kafka clients are built in one module, and the core touches no framework and no clock."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[2] / "fusionhub"

# Each top-level package or module of fusionhub and its layer: a module may import its own
# package and packages of lower layers only, never one of its own layer or above. So ingest,
# streams and sinks (one layer) cannot lean on each other, and nothing reaches back up to the
# composition root or the command line. Source modules are plug-ins: the registry
# (connectors.registry) finds them by name, and they sit above the simulator, whose hook each
# declares.
LAYERS = {
    "errors": 0,
    "core": 0,
    "paths": 1,
    "bus": 1,
    "serialization": 1,
    "connectors": 1,
    "regions": 1,
    "policies": 1,
    "native": 1,
    "heap": 1,
    "broker": 2,
    "sim": 3,
    "ingest": 3,
    "streams": 3,
    "sinks": 3,
    "sources": 4,
    "replay": 4,
    "api": 4,
    "runtime": 4,
    "evaluation": 4,
    "evaluation_errors": 4,
    "evaluation_report": 4,
    "tuning": 5,
    "bench": 5,
    "settings_api": 6,
    "settings": 7,
    "bootstrap": 8,
    "cli": 9,
    "__main__": 10,
}
# Who may read ``Settings``: the composition root, the command line, and settings itself.
SETTINGS_READERS = {"bootstrap", "cli", "settings", "settings_api"}
KAFKA_CONSTRUCTORS = {
    "KafkaProducer",
    "KafkaConsumer",
    "KafkaAdminClient",
    "AIOKafkaProducer",
    "AIOKafkaConsumer",
}
FRAMEWORKS = {"faust", "mode", "kafka", "aiokafka", "sqlalchemy", "prometheus_client", "aiohttp"}


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    """(top-level part, file, parsed tree) of every module of the package."""
    for file in sorted(PACKAGE.rglob("*.py")):
        parts = file.relative_to(PACKAGE).with_suffix("").parts
        if parts == ("__init__",):
            continue
        yield parts[0], file, ast.parse(file.read_text("utf-8"))


def runtime_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, leaving out ``if TYPE_CHECKING:`` blocks."""
    checking: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            checking |= {id(n) for child in node.body for n in ast.walk(child)}
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def fusionhub_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "fusionhub" and len(parts) > 1 else None


Module = tuple[str, Path, ast.Module]


def upward_imports(found: Iterable[Module]) -> list[str]:
    problems = []
    for part, file, tree in found:
        assert part in LAYERS, f"{file}: give fusionhub.{part} a layer in this test"
        where = file.relative_to(PACKAGE) if file.is_absolute() else file
        for line, module in runtime_imports(tree):
            target = fusionhub_part(module)
            if target is None or target == part:
                continue
            if LAYERS[target] >= LAYERS[part]:
                problems.append(f"{where}:{line} imports {module}")
    return problems


def test_imports_run_down_the_layers_and_never_sideways_between_services() -> None:
    assert upward_imports(modules()) == []


def test_an_import_sideways_or_up_is_caught_but_one_for_type_checking_only_is_not() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from fusionhub.streams.topics import TopicNames\n"
        "from fusionhub.core.events import Event\n"
        "if TYPE_CHECKING:\n"
        "    from fusionhub.bootstrap import Hub\n"
    )
    fake = ("ingest", Path("ingest/pipeline.py"), ast.parse(source))
    assert upward_imports([fake]) == ["ingest/pipeline.py:2 imports fusionhub.streams.topics"]


def test_no_module_below_the_composition_root_imports_the_settings() -> None:
    readers = sorted(
        f"{file.relative_to(PACKAGE)}:{line}"
        for part, file, tree in modules()
        if part not in SETTINGS_READERS
        for line, module in runtime_imports(tree)
        if module in ("fusionhub.settings", "fusionhub.settings_api")
    )
    assert readers == []


def test_kafka_clients_are_built_in_the_bus_clients_module_only() -> None:
    builders = sorted(
        f"{file.relative_to(PACKAGE)}:{node.lineno}"
        for _, file, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
        in KAFKA_CONSTRUCTORS
    )
    assert builders, "the scan finds the client constructors at all"
    assert [b for b in builders if not b.startswith("bus/clients.py:")] == []


def test_the_core_uses_no_framework_and_never_reads_the_clock() -> None:
    problems = []
    for part, file, tree in modules():
        if part != "core":
            continue
        for line, module in runtime_imports(tree):
            if module.split(".")[0] in FRAMEWORKS or fusionhub_part(module) not in (None, "core"):
                problems.append(f"{file.name}:{line} imports {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow", "today"):
                problems.append(f"{file.name}:{node.lineno} reads the clock")
            if isinstance(node, ast.Attribute) and ast.unparse(node) in (
                "time.time",
                "time.monotonic",
            ):
                problems.append(f"{file.name}:{node.lineno} reads the clock")
    assert problems == []
