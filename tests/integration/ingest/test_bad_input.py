"""Every malformed input of the connectors' table, sent over real HTTP: each is answered with its
documented reason and field, each is dead-lettered, the service stays up, and the counts add up."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import pytest

from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT
from fusionhub.settings import Settings
from tests.integration.ingest.conftest import TOKENS
from tests.support import read_topic
from tests.unit.connectors.test_connector_rejections import CASES

pytestmark = pytest.mark.integration


def metric(text: str, name: str) -> float:
    return sum(
        float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    )


def test_over_sixty_malformed_inputs_are_each_refused_explained_and_dead_lettered(
    ingest_url: str, ingest_settings: Settings, codec: AvroCodec
) -> None:
    assert len(CASES) >= 30
    assert len({c.source for c in CASES}) == 4
    for bad in CASES:
        default = "application/xml" if bad.source.value == "video" else "application/json"
        headers = {
            "Authorization": f"Bearer {TOKENS[bad.source.value]}",
            "Content-Type": bad.content_type or default,
        }
        answer = httpx.post(
            f"{ingest_url}/v1/ingest/{bad.source.value}",
            content=bad.payload,
            headers=headers,
            timeout=30,
        )
        assert answer.status_code == 400, (bad.name, answer.text)
        [item] = answer.json()["items"]
        assert item["reason"] == bad.reason, bad.name
        assert bad.field in [e["field"] for e in item["errors"]], (bad.name, item)
    assert httpx.get(f"{ingest_url}/healthz", timeout=5).json() == {"status": "ok"}

    topic = TopicNames(ingest_settings.topic_prefix).dead_letter
    letters = [
        codec.decode(v, DEAD_LETTER_SUBJECT)
        for v in read_topic(ingest_settings.kafka_bootstrap, topic, len(CASES), 60)
    ]
    assert Counter(letter["reason"] for letter in letters) == Counter(c.reason for c in CASES)
    assert all(letter["stage"] in {"parse", "validate", "normalise"} for letter in letters)

    exposition = httpx.get(f"{ingest_url}/metrics", timeout=5).text
    received = metric(exposition, "fusionhub_ingest_received_total")
    parts = [
        metric(exposition, f"fusionhub_ingest_{n}_total")
        for n in ("accepted", "rejected", "duplicates", "device_health")
    ]
    assert received == len(CASES)
    assert sum(parts) == received
    assert parts[1] == len(CASES)
