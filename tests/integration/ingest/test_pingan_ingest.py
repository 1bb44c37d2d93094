"""平安浙江 and 平安通 reports through the three ways in, on the real broker: HTTP, the ingest
command and the raw topic; bad reports dead-lettered with their reasons, photo content nowhere."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import raw_runner
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT, EVENT_SUBJECT
from fusionhub.settings import Settings
from tests.conftest import EXAMPLES
from tests.integration.ingest.conftest import TOKENS, run_cli
from tests.support import read_topic

pytestmark = pytest.mark.integration

CITIZEN = EXAMPLES / "pingan.json"
HANDSET = EXAMPLES / "pingan-handset.json"


def post(url: str, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKENS['pingan']}", "Content-Type": "application/json"}
    return httpx.post(f"{url}/v1/ingest/pingan", content=body, headers=headers, timeout=30)


def decoded(settings: Settings, codec: AvroCodec, topic: str, subject: str, n: int) -> list[dict]:  # type: ignore[type-arg]
    return [codec.decode(v, subject) for v in read_topic(settings.kafka_bootstrap, topic, n)]


def test_app_and_handset_reports_go_in_over_http_and_bad_ones_are_dead_lettered_with_reasons(
    ingest_url: str, ingest_settings: Settings, codec: AvroCodec
) -> None:
    topics = TopicNames(ingest_settings.topic_prefix)
    with_photo_data = json.loads(CITIZEN.read_text(encoding="utf-8"))
    with_photo_data["report_no"] = "PA-330681-20261125-000140"
    with_photo_data["photos"][0]["data"] = "/9j/4AAQSkZJRgABAQEASABIAAD" * 40
    refused = json.loads(HANDSET.read_text(encoding="utf-8"))
    refused["report_no"] = "PA-330681-20261125-000141"
    del refused["grid_code"]
    refused["photos"][0]["url"] = "https://pingan.example/p/9.jpg"
    for body in (CITIZEN.read_bytes(), HANDSET.read_bytes(), json.dumps(with_photo_data).encode()):
        answer = post(ingest_url, body)
        assert answer.status_code == 202, answer.text
    answer = post(ingest_url, json.dumps(refused).encode())
    assert answer.status_code == 400
    [item] = answer.json()["items"]
    assert (item["reason"], item["errors"][0]["field"]) == ("missing_field", "grid_code")

    events = {
        e["event_ref"]: e for e in decoded(ingest_settings, codec, topics.events, EVENT_SUBJECT, 3)
    }
    citizen = events["pingan:PA-330681-20261125-000123"]
    assert (citizen["source"], citizen["category"]) == ("pingan", "dispute.neighbour")
    assert citizen["jurisdiction"]["village_code"] == "330681109290"
    assert citizen["parties"][0]["phone_masked"] == "138****2345"
    handset = events["pingan:PA-330681-20261125-000131"]
    assert handset["jurisdiction"]["grid_rule"] == "grid_code"
    stripped = events["pingan:PA-330681-20261125-000140"]
    assert stripped["attributes"]["photos_stripped"] == "photos[0].data"
    assert "4AAQ" not in json.dumps(stripped, default=str)

    [letter] = decoded(ingest_settings, codec, topics.dead_letter, DEAD_LETTER_SUBJECT, 1)
    assert (letter["source"], letter["reason"]) == ("pingan", "missing_field")
    sealing = ingest_settings.secrets.require_sealing_key()
    original = DeadLetterWriter(codec, sealing).open(letter["original_sealed"])
    assert b"pingan.example" not in original
    assert json.loads(original)["report_no"] == "PA-330681-20261125-000141"


def test_a_file_of_app_reports_goes_in_with_the_ingest_command(
    hub_settings: Settings, codec: AvroCodec, tmp_path: Path
) -> None:
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8"))) for p in (CITIZEN, HANDSET)]
    path = tmp_path / "pingan.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_cli(hub_settings, "ingest", "pingan", str(path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["accepted"] == 2
    topic = TopicNames(hub_settings.topic_prefix).events
    refs = {e["event_ref"] for e in decoded(hub_settings, codec, topic, EVENT_SUBJECT, 2)}
    assert refs == {"pingan:PA-330681-20261125-000123", "pingan:PA-330681-20261125-000131"}


def test_records_on_the_pingan_raw_topic_become_events(
    ingest_settings: Settings, codec: AvroCodec
) -> None:
    hub = Hub(ingest_settings)
    topics = hub.topics
    hub.ensure_topics([topics.raw("pingan")], 1)
    producer = hub.clients.producer("test", acks="all")
    for path in (CITIZEN, HANDSET):
        doc = json.loads(path.read_text(encoding="utf-8"))
        value = codec.encode("fusionhub.raw.PinganReport", doc)
        producer.send(topics.raw("pingan"), value).get(timeout=30)
    producer.close()
    runner = raw_runner(hub)
    stop = threading.Event()
    try:
        handled = 0
        for _ in range(60):
            handled += runner.run_once(timeout_ms=500)
            if handled >= 2:
                break
    finally:
        stop.set()
        runner.consumer.close()
        runner.publisher.close()
    assert runner.report.summary()["accepted"] == 2
    events = decoded(ingest_settings, codec, topics.events, EVENT_SUBJECT, 2)
    assert {e["source"] for e in events} == {"pingan"}
