from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from fusionhub.bus.topics import TopicNames
from fusionhub.core.events import GeoPoint
from fusionhub.core.geo import haversine_m
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import (
    DEAD_LETTER_SUBJECT,
    DEVICE_HEALTH_SUBJECT,
    EVENT_SUBJECT,
    event_from_record,
)
from fusionhub.settings import Settings
from tests.conftest import EXAMPLES
from tests.integration.ingest.conftest import TOKENS
from tests.support import read_topic

pytestmark = pytest.mark.integration

VIDEO = next((EXAMPLES / "video").glob("*.xml")).read_bytes()


def post(
    url: str, source: str, body: bytes, token: str | None = "default", **kw: str
) -> httpx.Response:
    headers = {"Content-Type": "application/xml" if source == "video" else "application/json"}
    chosen = TOKENS[source] if token == "default" else token
    if chosen:
        headers["Authorization"] = f"Bearer {chosen}"
    headers.update(kw)
    return httpx.post(f"{url}/v1/ingest/{source}", content=body, headers=headers, timeout=30)


def events_on(settings: Settings, codec: AvroCodec, expect: int) -> dict[str, dict[str, object]]:
    values = read_topic(settings.kafka_bootstrap, TopicNames(settings.topic_prefix).events, expect)
    records = [codec.decode(v, EVENT_SUBJECT) for v in values]
    return {r["event_ref"]: r for r in records}


def test_each_example_goes_in_over_http_and_comes_out_as_an_avro_event_with_the_right_codes(
    ingest_url: str, ingest_settings: Settings, codec: AvroCodec
) -> None:
    refs = []
    for source in ("grid", "hotline", "petition"):
        answer = post(ingest_url, source, (EXAMPLES / f"{source}.json").read_bytes())
        assert answer.status_code == 202, answer.text
        refs += answer.json()["event_refs"]
    answer = post(ingest_url, "video", VIDEO)
    assert answer.status_code == 202, answer.text
    refs += answer.json()["event_refs"]
    events = events_on(ingest_settings, codec, 4)
    assert sorted(events) == sorted(refs)
    grid = event_from_record(events["grid:WG-330681109-20261125-00017"])
    assert grid.jurisdiction.county_code == "330681"
    assert grid.jurisdiction.township_code == "330681109"
    assert grid.jurisdiction.village_code == "330681109290"
    assert grid.jurisdiction.village_rule == "grid_code"
    assert grid.point is not None
    assert 300 < haversine_m(grid.point, GeoPoint(120.41857, 29.62213)) < 700
    assert events["hotline:12345-330681-20261125-000123"]["jurisdiction"]["township_code"] == (
        "330681109"
    )
    assert "12345-330681-20261125-000123" in events["petition:XF330681-2026-004512"]["refs"]
    video = events["video:33068110001320000012-17430"]
    assert video["category"] == "crowding"
    assert video["jurisdiction"]["county_code"] == "330681"


def test_a_request_without_the_sources_token_is_refused_and_nothing_is_produced(
    ingest_url: str,
) -> None:
    body = (EXAMPLES / "grid.json").read_bytes()
    assert post(ingest_url, "grid", body, token=None).status_code == 401
    assert post(ingest_url, "grid", body, token="wrong").status_code == 401
    assert post(ingest_url, "grid", body, token=TOKENS["hotline"]).status_code == 401
    assert post(ingest_url, "fax", body, token=TOKENS["grid"]).status_code == 404


def test_the_same_source_id_twice_makes_one_event(
    ingest_url: str, ingest_settings: Settings, codec: AvroCodec
) -> None:
    body = (EXAMPLES / "hotline.json").read_bytes()
    first, second = post(ingest_url, "hotline", body), post(ingest_url, "hotline", body)
    assert first.json()["accepted"] == 1
    assert second.status_code == 202
    assert second.json()["duplicate"] == 1
    assert second.json()["accepted"] == 0
    values = read_topic(
        ingest_settings.kafka_bootstrap, f"{ingest_settings.topic_prefix}.events", 2, 10
    )
    assert len(values) == 1


def test_a_payload_over_the_limit_gets_413_and_a_dead_letter(
    ingest_url: str, ingest_settings: Settings, codec: AvroCodec
) -> None:
    doc = json.loads((EXAMPLES / "hotline.json").read_text(encoding="utf-8"))
    doc["content"] = "很长的内容" * 80_000  # about 1.2 MB, over the 1 MiB default
    answer = post(ingest_url, "hotline", json.dumps(doc, ensure_ascii=False).encode())
    assert answer.status_code == 413
    topic = TopicNames(ingest_settings.topic_prefix).dead_letter
    [letter] = [
        codec.decode(v, DEAD_LETTER_SUBJECT)
        for v in read_topic(ingest_settings.kafka_bootstrap, topic, 1)
    ]
    assert letter["reason"] == "too_large"
    assert letter["original_size"] > 1_048_576


def test_a_device_fault_alarm_is_kept_as_device_health_not_an_event(
    ingest_url: str, ingest_settings: Settings, codec: AvroCodec
) -> None:
    fault = VIDEO.replace(b"<AlarmMethod>5</AlarmMethod>", b"<AlarmMethod>6</AlarmMethod>")
    answer = post(ingest_url, "video", fault)
    assert answer.status_code == 202, answer.text
    assert answer.json()["device_health"] == 1
    topics = TopicNames(ingest_settings.topic_prefix)
    [health] = read_topic(ingest_settings.kafka_bootstrap, topics.device_health, 1)
    assert codec.decode(health, DEVICE_HEALTH_SUBJECT)["device_id"] == "33068110001320000012"
    assert read_topic(ingest_settings.kafka_bootstrap, topics.events, 1, 5) == []


def test_an_array_with_good_and_bad_items_accepts_the_good_and_explains_the_bad(
    ingest_url: str,
) -> None:
    good = json.loads((EXAMPLES / "grid.json").read_text(encoding="utf-8"))
    bad = {**good, "event_code": "WG-330681109-20261125-00099", "grid_code": "12"}
    answer = post(ingest_url, "grid", json.dumps([good, bad], ensure_ascii=False).encode())
    assert answer.status_code == 202
    body = answer.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert body["items"][1]["errors"][0]["field"] == "grid_code"


def _in_two_pieces(body: bytes) -> Iterator[bytes]:
    # The second piece arrives after the server has read the first: a slow link or a busy
    # client. Cut inside a character, where a short read shows up as bad UTF-8.
    cut = next(i for i, byte in enumerate(body) if byte >= 0x80) + 1
    yield body[:cut]
    time.sleep(0.3)
    yield body[cut:]


def test_a_body_that_arrives_in_pieces_is_read_whole(ingest_url: str) -> None:
    body = (EXAMPLES / "grid.json").read_bytes()
    headers = {"Authorization": f"Bearer {TOKENS['grid']}", "Content-Type": "application/json"}
    # Chunked, as a client streaming its batch sends it.
    chunked = httpx.post(
        f"{ingest_url}/v1/ingest/grid", content=_in_two_pieces(body), headers=headers, timeout=30
    )
    assert chunked.status_code == 202, chunked.text
    # With a declared length, as most clients send it.
    host, port = ingest_url.removeprefix("http://").split(":")
    head = (
        f"POST /v1/ingest/grid HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        f"Authorization: Bearer {TOKENS['grid']}\r\nContent-Type: application/json\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        for piece in _in_two_pieces(head + body):
            sock.sendall(piece)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 202"), answer[:300]
