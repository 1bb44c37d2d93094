"""No phone or ID-card number used in these inputs is found in clear in any byte the hub wrote
outside the raw topics: events, device health, dead letters (with the originals sealed)."""

from __future__ import annotations

import json

import httpx
import pytest
from kafka import KafkaConsumer

from fusionhub.settings import Settings
from tests.conftest import EXAMPLES
from tests.integration.ingest.conftest import TOKENS

pytestmark = pytest.mark.integration

CLEAR_NUMBERS = [
    "13905751234",
    "13857512345",
    "15958501234",
    "330681197304152316",
    "13612345678",
    "0575-87654321",
    "33068119800101001X",
]


def every_byte_of_the_hubs_topics(settings: Settings) -> bytes:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    topics = [t for t in consumer.topics() if t.startswith(settings.topic_prefix + ".")]
    assert not [t for t in topics if ".raw." in t]
    consumer.subscribe(topics)
    chunks = []
    for rec in consumer:
        chunks.append(rec.key or b"")
        chunks.append(rec.value)
        chunks.extend(v for _, v in rec.headers)
    consumer.close()
    assert len(chunks) > 10
    return b"".join(chunks)


def test_no_clear_phone_or_id_number_reaches_any_hub_topic(
    ingest_url: str, ingest_settings: Settings
) -> None:
    def post(source: str, body: bytes) -> int:
        headers = {"Authorization": f"Bearer {TOKENS[source]}"}
        return httpx.post(
            f"{ingest_url}/v1/ingest/{source}", content=body, headers=headers, timeout=30
        ).status_code

    for source in ("grid", "hotline", "petition"):
        assert post(source, (EXAMPLES / f"{source}.json").read_bytes()) == 202
    hotline = json.loads((EXAMPLES / "hotline.json").read_text(encoding="utf-8"))
    in_text = dict(
        hotline,
        order_no="12345-330681-20261125-000999",
        content="来电人13612345678反映，也可拨打0575-87654321，身份证33068119800101001X。",
    )
    assert post("hotline", json.dumps(in_text, ensure_ascii=False).encode()) == 202
    broken = dict(hotline, order_no="12345-330681-20261125-000998", urgency="whenever")
    assert post("hotline", json.dumps(broken, ensure_ascii=False).encode()) == 400
    bad_phone = dict(
        hotline,
        order_no="12345-330681-20261125-000997",
        caller={"name": "何先生", "phone": "13857512345x"},
    )
    post("hotline", json.dumps(bad_phone, ensure_ascii=False).encode())
    written = every_byte_of_the_hubs_topics(ingest_settings)
    found = [n for n in CLEAR_NUMBERS if n.encode() in written or n.encode("utf-16-le") in written]
    assert found == []
