"""The AsyncAPI document of the hub's topics: valid AsyncAPI 3.0, and every topic is in it."""

from __future__ import annotations

import inspect
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fusionhub.api.asyncapi import asyncapi_document
from fusionhub.bus.options import TopicSettings
from fusionhub.bus.topics import TOPICS, TopicNames
from fusionhub.connectors.registry import load_sources
from fusionhub.serialization.registry import EmbeddedSchemaRegistry
from fusionhub.streams.worker import worker_topics

pytestmark = pytest.mark.unit

SCHEMA = (
    Path(__file__).resolve().parents[2] / "fixtures" / "asyncapi" / "asyncapi-3.0.0.schema.json"
)
PARAMETER_VALUES = {
    "source": "grid",
    "county_code": "330681",
    "township_code": "330681109",
    "app_id": "fusionhub",
}


@cache
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def document(prefix: str = "fusionhub") -> dict[str, Any]:
    return asyncapi_document(
        TopicNames(prefix),
        version="0.1.0",
        bootstrap="127.0.0.1:9092",
        partitions=4,
        case_partitions=1,
        raw_subjects=load_sources().raw_subjects(),
    )


def every_topic_name(topics: TopicNames) -> dict[str, str]:
    """What each public member of ``TopicNames`` names (methods called with sample values)."""
    names: dict[str, str] = {}
    for member, value in inspect.getmembers(type(topics)):
        if member.startswith("_") or member in {"name", "value_subjects", "prefix"}:
            continue
        if isinstance(value, property):
            names[member] = getattr(topics, member)
        elif inspect.isfunction(value):
            params = list(inspect.signature(value).parameters)[1:]
            names[member] = getattr(topics, member)(*(PARAMETER_VALUES[p] for p in params))
    return names


def missing_channels(doc: dict[str, Any], names: list[str]) -> list[str]:
    """The names no channel address of ``doc`` matches (parameters match their pattern)."""
    patterns = []
    for channel in doc["channels"].values():
        parts = re.split(r"\{\w+\}", channel["address"])
        patterns.append(re.compile(r"[^.]+".join(re.escape(part) for part in parts)))
    return [n for n in names if not any(p.fullmatch(n) for p in patterns)]


def test_the_document_is_valid_asyncapi_3() -> None:
    errors = sorted(validator().iter_errors(document()), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message[:200]}" for e in errors] == []


def test_the_validator_refuses_a_broken_document() -> None:
    broken = document()
    broken["channels"]["events"]["bindings"]["kafka"]["partitions"] = 0
    del broken["info"]
    assert len(list(validator().iter_errors(broken))) >= 2


def test_every_topic_the_hub_names_has_a_channel() -> None:
    topics = TopicNames("fusionhub")
    names = every_topic_name(topics)
    assert {"events", "raw", "cases_county", "cases_township", "dead_letter"} <= set(names)
    created = worker_topics(TopicNames())
    raw = [topics.raw(source) for source in ("grid", "hotline", "petition", "video")]
    assert missing_channels(document(), [*names.values(), *created, *raw]) == []


def test_a_topic_added_without_the_table_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        TopicNames, "alerts", property(lambda t: f"{t.prefix}.alerts"), raising=False
    )
    names = every_topic_name(TopicNames("fusionhub"))
    assert missing_channels(document(), list(names.values())) == ["fusionhub.alerts"]


def test_each_channel_carries_its_schemas_keys_and_retention() -> None:
    doc = document("ops")
    events = doc["channels"]["events"]
    assert events["address"] == "ops.events"
    assert set(events["messages"]) == {"fusionhub.Event", "fusionhub.CaseCommand", "fusionhub.Tick"}
    kafka = events["bindings"]["kafka"]
    # The event log is kept as long as the settings say (recovery reads snapshots, not history).
    assert kafka["topicConfiguration"]["retention.ms"] == 14 * 24 * 3_600_000
    assert kafka["topicConfiguration"]["cleanup.policy"] == ["delete"]
    assert kafka["partitions"] == 4
    county = doc["channels"]["cases_county"]
    assert county["address"] == "ops.cases.county.{county_code}"
    assert county["bindings"]["kafka"]["partitions"] == 1
    assert county["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == ["compact"]
    case = doc["components"]["messages"]["fusionhub.Case"]
    assert case["payload"]["schema"] == EmbeddedSchemaRegistry().latest("fusionhub.Case").schema
    assert "case id" in case["bindings"]["kafka"]["key"]["description"]
    assert len(doc["channels"]) == len(TOPICS) - 1 + len(load_sources())


def test_retention_and_state_compaction_come_from_the_topic_settings() -> None:
    options = TopicSettings(events_retention_hours=48, state_segment_bytes=8 * 1024 * 1024)
    doc = asyncapi_document(
        TopicNames("ops"),
        version="0.1.0",
        bootstrap="127.0.0.1:9092",
        partitions=4,
        case_partitions=1,
        raw_subjects=load_sources().raw_subjects(),
        topic_options=options,
    )
    channels = doc["channels"]
    for key in ("events", "commands"):
        config = channels[key]["bindings"]["kafka"]["topicConfiguration"]
        assert config["retention.ms"] == 48 * 3_600_000, key
    state = channels["state"]
    assert state["address"] == "ops.state.{app_id}"
    config = state["bindings"]["kafka"]["topicConfiguration"]
    assert config["cleanup.policy"] == ["compact"]
    assert config["segment.bytes"] == 8 * 1024 * 1024
    assert config["min.cleanable.dirty.ratio"] == 0.25
    assert state["bindings"]["kafka"]["partitions"] == 4


def test_departments_topics_are_operations_the_hub_receives() -> None:
    operations = document()["operations"]
    received = {o["channel"]["$ref"] for o in operations.values() if o["action"] == "receive"}
    raw = {f"#/channels/raw_{name}" for name in load_sources().names}
    assert {"#/channels/raw_grid", "#/channels/raw_video"} <= raw
    assert received == {*raw, "#/channels/commands"}


def test_docs_topics_md_names_every_topic_of_the_table() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "topics.md").read_text("utf-8")
    for key, spec in TOPICS.items():
        assert f".{spec.address}`" in text, key
        for name in spec.configs(TopicSettings()):
            assert name in text, f"{key}: {name}"
