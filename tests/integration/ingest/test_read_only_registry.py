"""A registry that refuses writes from services: with FUSIONHUB_REGISTRY__AUTO_REGISTER=false the
hub only looks its schemas up, works when they are there and stops in one line when not."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web

from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import EVENT_SUBJECT
from fusionhub.serialization.registry import (
    ConfluentSchemaRegistry,
    SchemaNotRegisteredError,
    default_schemas_dir,
)
from fusionhub.serialization.server import registry_app
from fusionhub.settings import Settings
from tests.integration.ingest.conftest import example_jsonl, run_cli
from tests.support import read_topic, serve_in_thread

pytestmark = pytest.mark.integration
TOKEN = "ops-s3cret"


@contextmanager
def registry_recording(registry: EmbeddedSchemaRegistry, seen: list[str]) -> Iterator[str]:
    """The embedded registry server, noting "METHOD PATH" of every request it answers."""
    app = registry_app(registry, TOKEN)

    async def note(request: web.Request, _: web.StreamResponse) -> None:
        seen.append(f"{request.method} {request.path}")

    app.on_response_prepare.append(note)
    with serve_in_thread(app) as url:
        yield url


def registry_without_hub_schemas(tmp_path: Path) -> EmbeddedSchemaRegistry:
    """A registry holding only the raw schemas, as one that was never given the hub's."""
    folder = tmp_path / "schemas"
    shutil.copytree(default_schemas_dir(), folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["schemas"] = [e for e in manifest["schemas"] if ".raw." in e["subject"]]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return EmbeddedSchemaRegistry(folder)


def read_only(settings: Settings, url: str) -> Settings:
    registry = settings.registry.model_copy(
        update={"kind": "confluent", "url": url, "password": TOKEN, "auto_register": False}
    )
    return settings.model_copy(update={"registry": registry})


def registry_env(url: str) -> dict[str, str]:
    return {
        "FUSIONHUB_REGISTRY__KIND": "confluent",
        "FUSIONHUB_REGISTRY__URL": url,
        "FUSIONHUB_REGISTRY__PASSWORD": TOKEN,
        "FUSIONHUB_REGISTRY__AUTO_REGISTER": "false",
    }


def test_a_lookup_only_client_gets_the_registrys_id_without_registering() -> None:
    seen: list[str] = []
    local = EmbeddedSchemaRegistry()
    with registry_recording(local, seen) as url:
        client = ConfluentSchemaRegistry(url, local, "ops", TOKEN, auto_register=False)
        assert client.latest(EVENT_SUBJECT).schema_id == local.latest(EVENT_SUBJECT).schema_id
    assert seen == [f"POST /subjects/{EVENT_SUBJECT}"]


def test_a_lookup_only_client_names_the_schema_a_registry_lacks(tmp_path: Path) -> None:
    with registry_recording(registry_without_hub_schemas(tmp_path), []) as url:
        client = ConfluentSchemaRegistry(
            url, EmbeddedSchemaRegistry(), "ops", TOKEN, auto_register=False
        )
        with pytest.raises(SchemaNotRegisteredError, match=r"fusionhub\.Event v2"):
            client.latest(EVENT_SUBJECT)


def test_ingest_against_a_registry_holding_the_schemas_works_and_registers_nothing(
    hub_settings: Settings, tmp_path: Path
) -> None:
    seen: list[str] = []
    with registry_recording(EmbeddedSchemaRegistry(), seen) as url:
        env = registry_env(url)
        done = run_cli(
            hub_settings, "ingest", "grid", str(example_jsonl(tmp_path, "grid")), env=env
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1])["accepted"] == 1
        remote = ConfluentSchemaRegistry(
            url, EmbeddedSchemaRegistry(), "ops", TOKEN, auto_register=False
        )
        topic = TopicNames(hub_settings.topic_prefix).events
        [value] = read_topic(hub_settings.kafka_bootstrap, topic, 1)
        event = AvroCodec(remote).decode(value, EVENT_SUBJECT)
    assert event["event_ref"] == "grid:WG-330681109-20261125-00017"
    assert seen
    assert not [s for s in seen if s.endswith("/versions")]


def test_ingest_against_a_registry_without_the_schemas_stops_in_one_line(
    hub_settings: Settings, tmp_path: Path
) -> None:
    with registry_recording(registry_without_hub_schemas(tmp_path), []) as url:
        done = run_cli(
            hub_settings,
            "ingest",
            "grid",
            str(example_jsonl(tmp_path, "grid")),
            env=registry_env(url),
        )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert "fusionhub.Event" in lines[0]
    assert "FUSIONHUB_REGISTRY__AUTO_REGISTER" in lines[0]
