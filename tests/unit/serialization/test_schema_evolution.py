"""Every schema change must be BACKWARD compatible with every earlier version of its subject
(Confluent's BACKWARD_TRANSITIVE): a consumer on the newest schema reads everything ever written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from avro.schema import parse

from fusionhub.serialization import EmbeddedSchemaRegistry

pytestmark = pytest.mark.unit

REGISTRY = EmbeddedSchemaRegistry()


def backward_problems(versions: list[dict[str, Any]]) -> list[str]:
    """What stops the newest of ``versions`` from reading each older one."""
    checker = ReaderWriterCompatibilityChecker()
    newest = parse(json.dumps(versions[-1]))
    problems = []
    for i, older in enumerate(versions[:-1], start=1):
        result = checker.get_compatibility(newest, parse(json.dumps(older)))
        if result.compatibility is not SchemaCompatibilityType.compatible:
            problems.append(f"v{i}: {result.messages}")
    return problems


@pytest.mark.parametrize("subject", REGISTRY.subjects())
def test_each_subject_is_backward_compatible_with_all_its_earlier_versions(subject: str) -> None:
    versions = [r.schema for r in REGISTRY.versions(subject)]
    assert [r.version for r in REGISTRY.versions(subject)] == list(range(1, len(versions) + 1))
    assert backward_problems(versions) == []


def test_manifest_ids_are_unique_and_every_file_parses() -> None:
    ids = [r.schema_id for s in REGISTRY.subjects() for r in REGISTRY.versions(s)]
    assert len(ids) == len(set(ids))
    for subject in REGISTRY.subjects():
        for reg in REGISTRY.versions(subject):
            assert parse(json.dumps(reg.schema)).fullname == subject


def test_a_new_required_field_without_default_breaks_backward_compatibility() -> None:
    event_v1 = REGISTRY.latest("fusionhub.Event").schema
    bad = {**event_v1, "fields": [*event_v1["fields"], {"name": "case_hint", "type": "string"}]}
    problems = backward_problems([event_v1, bad])
    assert len(problems) == 1
    assert "case_hint" in problems[0]


def test_the_same_new_field_with_a_default_keeps_compatibility() -> None:
    event_v1 = REGISTRY.latest("fusionhub.Event").schema
    good = {
        **event_v1,
        "fields": [*event_v1["fields"], {"name": "case_hint", "type": "string", "default": ""}],
    }
    assert backward_problems([event_v1, good]) == []
