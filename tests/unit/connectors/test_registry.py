"""The source registry: every registered source is whole, one that lacks a part is named, and
what is derived from it (ids in text, the docs table, tokens) follows it."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.sources import source_problems
from fusionhub.connectors.base import BaseConnector
from fusionhub.connectors.categories import CategoryTable
from fusionhub.connectors.registry import (
    SourceRegistry,
    discover,
    load_sources,
    sources_table,
)
from fusionhub.core.events import Source
from fusionhub.serialization import EmbeddedSchemaRegistry
from fusionhub.settings import ConfigurationError, IngestSettings, Settings
from fusionhub.sources.grid import GRID

from .builders import EXAMPLES, RECEIVED_AT

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
SOURCES_MD = ROOT / "docs" / "sources.md"


def test_every_registered_source_has_every_part(categories: CategoryTable) -> None:
    sources = load_sources()
    assert set(sources.names) >= {"grid", "hotline", "petition", "video", "pingan"}
    assert source_problems(sources, categories, EmbeddedSchemaRegistry()) == []


def test_a_source_lacking_its_parts_is_named_with_each_part(categories: CategoryTable) -> None:
    grid = load_sources().spec("grid")
    half = dataclasses.replace(
        grid,
        name="kiosk",
        categories="kiosk",
        raw_subject="fusionhub.raw.KioskReport",
        simulator="fusionhub.sim.hooks:kiosk_reports",
        colour="blue",
    )
    problems = source_problems(SourceRegistry([half]), categories, EmbeddedSchemaRegistry())
    assert problems == [
        "source 'kiosk': categories.toml has no [kiosk] section",
        "source 'kiosk': no schema fusionhub.raw.KioskReport in schemas/ and schemas/manifest.json",
        "source 'kiosk': its colour 'blue' is not #rrggbb",
        "source 'kiosk': its simulator hook 'fusionhub.sim.hooks:kiosk_reports' cannot be found",
        "source 'kiosk': not a symbol of the Source enum of fusionhub.Event (add a version of "
        "schemas/fusionhub.Event/ with it)",
    ]


def test_a_module_in_the_sources_package_that_declares_nothing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "fake_sources"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(TypeError, match=r"fake_sources\.helper declares no SOURCE"):
            discover("fake_sources")
    finally:
        for name in [m for m in sys.modules if m.startswith("fake_sources")]:
            del sys.modules[name]


def test_an_unknown_source_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(LookupError, match=r"no source is named 'gird'; the sources are grid"):
        load_sources().spec("gird")


def test_a_token_for_a_source_that_does_not_exist_stops_start_up() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        ingest=IngestSettings(tokens={"grid": "g" * 20, "gird": "x" * 20}),
    )
    with pytest.raises(ConfigurationError, match=r"FUSIONHUB_INGEST__TOKENS names gird"):
        _ = Hub(settings).sources


def test_every_source_has_an_example_and_a_section_of_the_format_spec() -> None:
    spec_text = SOURCES_MD.read_text(encoding="utf-8")
    for spec in load_sources():
        examples = list(EXAMPLES.glob(f"{spec.name}.json")) + list(
            (EXAMPLES / spec.name).glob("*.xml")
        )
        assert examples, spec.name
        assert re.search(rf"^## \d+\. .*`{spec.name}`", spec_text, re.M), spec.name


def test_the_docs_table_of_sources_is_the_registrys() -> None:
    text = SOURCES_MD.read_text(encoding="utf-8")
    table = text.split("<!-- sources-table -->\n", 1)[1].split("<!-- /sources-table -->", 1)[0]
    assert table == sources_table(load_sources()), sources_table(load_sources())


def test_each_sources_ids_quoted_in_another_report_become_its_refs(
    connectors: dict[Source, BaseConnector],
) -> None:
    grid = connectors[GRID]
    for spec in load_sources():
        text = f"此前已由{spec.label_zh}上报（编号{spec.id_example}），至今未处理。"
        doc = (EXAMPLES / "grid.json").read_text(encoding="utf-8")
        payload = doc.replace("需镇调委会介入调解。", text).encode()
        [event] = grid.convert(payload, RECEIVED_AT).events
        assert spec.id_example in event.refs, spec.name
