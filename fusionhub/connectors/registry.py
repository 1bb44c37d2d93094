"""The sources the hub takes in, each declared once, in a module of ``fusionhub.sources``.

A source module holds its connector and a ``SOURCE = SourceSpec(...)`` that says everything
else about it: its name (the ref prefix ``grid:``, the raw topic ``raw.grid``, the ingest path
``/v1/ingest/grid``), its labels, its raw-topic schema, its section of ``categories.toml``, how
other reports quote its ids, how files hold it and its simulator hook. The registry finds the
modules and derives the rest: raw-topic ingest, the ids quoted in text, the read API's source
enum, the docs table, the command line's choices.

``SourceRegistry.check`` (run at start-up by the composition root, and by a test) refuses a
source that lacks a part, naming it, so a source is never half there.
"""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fusionhub.core.events import Source

# What a raw-topic record (a dict of the source's raw schema) becomes before its connector
# sees it: the bytes the source system would have sent, and their content type.
RawDocument = Callable[[Mapping[str, Any]], tuple[bytes, str]]
SOURCES_PACKAGE = "fusionhub.sources"


class UnknownSourceError(LookupError):
    """A source name no module of ``fusionhub.sources`` declares."""


@dataclass(frozen=True)
class SourceSpec:
    """One source system, declared by its module as ``SOURCE``.

    ``connector`` is built with the shared parts (``connectors.factory``); ``raw_subject`` is
    the Avro record name of ``schemas/<raw_subject>/``; ``categories`` the section of
    ``categories.toml`` the connector reads; ``quoted_id`` a regular expression of its ids as
    other reports quote them in free text (``12345-330681-…``); ``id_example`` one such id;
    ``file_kind`` how files and replay folders hold it (``jsonl``: one object a line in
    ``<name>.jsonl``; ``xml``: one document a file in ``<name>/*.xml``); ``time_field`` the
    field (or element) holding when the source stamped a record; ``simulator`` the
    ``module:function`` that writes its reports of a simulated incident, and ``sim_order`` when
    the simulator asks it (a source quoting others' ids, as a petition quotes a 12345 order,
    comes after them); ``colour`` its colour on the console; ``raw_document`` turns a raw-topic
    record into what the source would have sent (default: the record as JSON).
    """

    name: str
    label_zh: str
    label_en: str
    summary: str
    connector: type[Any]
    raw_subject: str
    categories: str
    quoted_id: str
    id_example: str
    time_field: str
    simulator: str
    colour: str
    sim_order: int
    file_kind: Literal["jsonl", "xml"] = "jsonl"
    raw_document: RawDocument | None = None

    @property
    def source(self) -> Source:
        return Source.of(self.name)

    @property
    def media_type(self) -> str:
        """The content type its payloads are sent with."""
        return "application/xml" if self.file_kind == "xml" else "application/json"

    def document(self, record: Mapping[str, Any]) -> tuple[bytes, str]:
        """The payload a raw-topic record stands for (see ``raw_document``)."""
        if self.raw_document is not None:
            return self.raw_document(record)
        return json_document(record), "application/json"

    def simulator_hook(self) -> Callable[..., Any]:
        """The simulator hook, imported on first use (hub processes never import the sim)."""
        module, _, function = self.simulator.partition(":")
        hook: Callable[..., Any] = getattr(importlib.import_module(module), function)
        return hook


class SourceRegistry:
    """The declared sources, in name order. Built by ``load_sources`` (or by tests from specs)."""

    def __init__(self, specs: Iterable[SourceSpec]) -> None:
        self._specs = {spec.name: spec for spec in sorted(specs, key=lambda s: s.name)}
        patterns = [spec.quoted_id for spec in self._specs.values() if spec.quoted_id]
        # An id quoted in text stands alone: not glued to letters, digits or hyphens around it.
        self.quoted_ids = re.compile(
            r"(?<![0-9A-Za-z\-])(?:" + "|".join(patterns) + r")(?![0-9A-Za-z])", re.ASCII
        )
        # Every id pattern holds a hyphen: a text without one is not searched at all.
        self.quoted_need = "-" if all("-" in p for p in patterns) else ""

    def __iter__(self) -> Iterator[SourceSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(spec.source for spec in self)

    def spec(self, name: str) -> SourceSpec:
        """The spec of ``name``; ``UnknownSourceError`` naming the registered ones otherwise."""
        found = self._specs.get(str(name))
        if found is None:
            known = ", ".join(self._specs)
            raise UnknownSourceError(f"no source is named {name!r}; the sources are {known}")
        return found

    def raw_subjects(self) -> dict[str, str]:
        """Source name -> the Avro subject of its raw topic."""
        return {spec.name: spec.raw_subject for spec in self}

    def labels(self) -> dict[str, tuple[str, str]]:
        """Source name -> (Chinese, English) label, for the console and exports."""
        return {spec.name: (spec.label_zh, spec.label_en) for spec in self}


def json_document(record: Mapping[str, Any]) -> bytes:
    """A raw-topic record as the JSON document its source sends: optional fields the record
    leaves null are left out, and ``extras`` (JSON text per field) put back as the fields
    they were, so a record says the same thing in either form."""
    fields = dict(record)
    extras = fields.pop("extras", None) or {}
    doc = _without_nulls(fields)
    for name, text in extras.items():
        doc.setdefault(name, json.loads(text))
    return json.dumps(doc, ensure_ascii=False).encode()


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@functools.cache
def load_sources() -> SourceRegistry:
    """Every module of ``fusionhub.sources``, each with its ``SOURCE``; imported once."""
    return SourceRegistry(discover(SOURCES_PACKAGE))


def discover(package_name: str) -> list[SourceSpec]:
    """The ``SOURCE`` of every module of the package ``package_name``.

    Raises ``TypeError`` naming a module of the package that declares no ``SOURCE`` (a
    module there that is not a source would otherwise be silently left out).
    """
    package = importlib.import_module(package_name)
    specs = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package_name}.{info.name}")
        spec = getattr(module, "SOURCE", None)
        if not isinstance(spec, SourceSpec):
            raise TypeError(f"{module.__name__} declares no SOURCE = SourceSpec(...)")
        specs.append(spec)
    return specs


def sources_table(sources: SourceRegistry) -> str:
    """The Markdown table of the registered sources that docs/sources.md holds (a test keeps
    the two equal and prints this when they differ)."""
    rows = [
        "| source | what | ref | raw topic (schema) | files |",
        "|---|---|---|---|---|",
    ]
    for spec in sources:
        files = f"`{spec.name}/*.xml`" if spec.file_kind == "xml" else f"`{spec.name}.jsonl`"
        rows.append(
            f"| `{spec.name}` {spec.label_zh} | {spec.summary} | `{spec.name}:{spec.id_example}` "
            f"| `raw.{spec.name}` (`{spec.raw_subject}`) | {files} |"
        )
    return "\n".join(rows) + "\n"
