"""Whether every registered source has every part, checked at start-up (and by a test).

A source is its module's ``SOURCE`` plus what lives in the data: its raw schema, its symbol in
``fusionhub.Event``'s Source enum and its section of ``categories.toml``. One missing stops the
hub with one line naming the source and the part, rather than a source that is half there.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable

from fusionhub.connectors.base import BaseConnector
from fusionhub.connectors.categories import CategoryTable
from fusionhub.connectors.fields import SOURCE_ID_PATTERN
from fusionhub.connectors.registry import SourceRegistry, SourceSpec
from fusionhub.serialization import EmbeddedSchemaRegistry
from fusionhub.serialization.records import EVENT_SUBJECT

_COLOUR = re.compile(r"#[0-9a-f]{6}")


def source_problems(
    sources: SourceRegistry,
    categories: CategoryTable,
    schemas: EmbeddedSchemaRegistry,
    import_hooks: bool = True,
) -> list[str]:
    """What each registered source lacks, one line each; empty when every source is whole.

    At start-up ``import_hooks`` is off: the simulator hooks' modules are only looked for, not
    imported (a service has no use for the simulator); the test imports them.
    """
    symbols = _event_sources(schemas)
    problems: list[str] = []
    for spec in sources:
        lacks = _lacks(spec, categories, schemas, import_hooks)
        problems += [f"source {spec.name!r}: {p}" for p in lacks]
        if spec.name not in symbols:
            problems.append(
                f"source {spec.name!r}: not a symbol of the Source enum of {EVENT_SUBJECT} "
                "(add a version of schemas/fusionhub.Event/ with it)"
            )
    return problems


def unknown_names(sources: SourceRegistry, names: Iterable[str]) -> list[str]:
    """The names in ``names`` that are not registered sources (configured tokens, say)."""
    return sorted(set(names) - set(sources.names))


def _lacks(
    spec: SourceSpec, categories: CategoryTable, schemas: EmbeddedSchemaRegistry, hooks: bool
) -> list[str]:
    problems = []
    # (Whether the connector says it is of this source is checked when it is built.)
    if not (isinstance(spec.connector, type) and issubclass(spec.connector, BaseConnector)):
        problems.append("its connector is not a BaseConnector")
    if not categories.has_section(spec.categories):
        problems.append(f"categories.toml has no [{spec.categories}] section")
    if spec.raw_subject not in schemas.subjects():
        problems.append(f"no schema {spec.raw_subject} in schemas/ and schemas/manifest.json")
    if not SOURCE_ID_PATTERN.fullmatch(spec.id_example):
        problems.append(f"its id example {spec.id_example!r} is not a well-formed id")
    elif spec.quoted_id and not re.fullmatch(spec.quoted_id, spec.id_example):
        problems.append(f"its quoted_id pattern does not match its id example {spec.id_example!r}")
    if not (spec.label_zh and spec.label_en and spec.summary and spec.time_field):
        problems.append("a label, the summary or the time field is empty")
    if not _COLOUR.fullmatch(spec.colour):
        problems.append(f"its colour {spec.colour!r} is not #rrggbb")
    if not _hook_found(spec, hooks):
        problems.append(f"its simulator hook {spec.simulator!r} cannot be found")
    return problems


def _hook_found(spec: SourceSpec, import_it: bool) -> bool:
    module = spec.simulator.partition(":")[0]
    try:
        if import_it:
            return callable(spec.simulator_hook())
        return importlib.util.find_spec(module) is not None
    except (ImportError, AttributeError, ValueError):
        return False


def _event_sources(schemas: EmbeddedSchemaRegistry) -> set[str]:
    schema = schemas.latest(EVENT_SUBJECT).schema
    field = next(f for f in schema["fields"] if f["name"] == "source")
    return set(field["type"]["symbols"])
