"""Reports in over HTTP, cases out in the database, on the platform topics and in the read API;
commands move the lifecycle; every /metrics exposition passes promtool."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer

from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import COMMAND_SUBJECT
from tests.conftest import EXAMPLES
from tests.e2e.conftest import RunningHub
from tests.integration.streams.harness import case_states, final_cases
from tests.promtool import check_metrics

pytestmark = pytest.mark.e2e

DISPUTE = {
    "grid:WG-330681109-20261125-00017",
    "hotline:12345-330681-20261125-000123",
    "petition:XF330681-2026-004512",
    # A citizen's 平安浙江 report of the same dispute and the grid worker's 平安通 follow-up.
    "pingan:PA-330681-20261125-000123",
    "pingan:PA-330681-20261125-000131",
}
VIDEO_REF = "video:33068110001320000012-17430"


def send_examples(hub: RunningHub) -> None:
    headers = {"Authorization": f"Bearer {hub.ingest_token}"}
    for source, example in (
        ("grid", "grid"),
        ("hotline", "hotline"),
        ("petition", "petition"),
        ("pingan", "pingan"),
        ("pingan", "pingan-handset"),
    ):
        answer = httpx.post(
            f"{hub.endpoints.ingest}/v1/ingest/{source}",
            content=(EXAMPLES / f"{example}.json").read_bytes(),
            headers=headers,
        )
        assert answer.status_code == 202, answer.text
    video = next((EXAMPLES / "video").glob("*.xml")).read_bytes()
    answer = httpx.post(
        f"{hub.endpoints.ingest}/v1/ingest/video",
        content=video,
        headers=headers | {"Content-Type": "application/xml"},
    )
    assert answer.status_code == 202, answer.text


def api(hub: RunningHub, path: str, **params: Any) -> Any:
    answer = httpx.get(
        f"{hub.endpoints.api}{path}",
        params=params,
        timeout=10,
        headers={"Authorization": f"Bearer {hub.api_token}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def eventually(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "the hub did not get there in time"
        time.sleep(0.5)


def cases_by_refs(hub: RunningHub) -> dict[frozenset[str], dict[str, Any]]:
    items = api(hub, "/v1/cases", limit=100)["items"]
    found = {}
    for item in items:
        detail = api(hub, f"/v1/cases/{item['case_id']}")
        found[frozenset(e["event_ref"] for e in detail["events"])] = detail
    return found


def send_command(hub: RunningHub, case_id: str, action: str, **fields: str) -> None:
    record = {
        "command_id": uuid.uuid4().hex,
        "case_id": case_id,
        "county_code": "330681",
        "action": action,
        "actor": "枫桥镇综治中心",
        "issued_at": datetime.now(UTC),
        "department": None,
        "note": None,
        "evaluation": None,
    } | fields
    producer = KafkaProducer(bootstrap_servers=hub.settings.kafka_bootstrap, acks="all")
    codec = AvroCodec(EmbeddedSchemaRegistry())
    producer.send(
        TopicNames(hub.settings.topic_prefix).commands,
        codec.encode(COMMAND_SUBJECT, record),
        key=b"330681",
    ).get(timeout=30)
    producer.close()


def test_reports_over_http_become_cases_in_the_database_the_topics_and_the_api(
    running_hub: RunningHub,
) -> None:
    hub = running_hub
    send_examples(hub)
    found = eventually(
        lambda: (c := cases_by_refs(hub)) and len(c) == 2 and frozenset(DISPUTE) in c and c
    )
    dispute = found[frozenset(DISPUTE)]
    assert (dispute["county_code"], dispute["township_code"]) == ("330681", "330681109")
    scored = [e for e in dispute["events"] if e["score"] is not None]
    assert len(scored) == 4  # the reports that joined the first one, each with its score
    assert "pingan" in dispute["sources"]
    assert all(e["event"]["parties"] is not None for e in dispute["events"])
    assert frozenset({VIDEO_REF}) in found
    topics = TopicNames(hub.settings.topic_prefix)
    township = final_cases(case_states(hub.settings, topics.cases_township("330681109")))
    assert dispute["case_id"] in township
    stats = api(hub, "/v1/stats/townships", county="330681")
    assert stats["total"] == 2


def test_commands_walk_a_case_to_closed_and_an_escalation_reaches_the_county_topic(
    running_hub: RunningHub,
) -> None:
    hub = running_hub
    send_examples(hub)
    both = (frozenset(DISPUTE), frozenset({VIDEO_REF}))
    found = eventually(lambda: (c := cases_by_refs(hub)) and all(r in c for r in both) and c)
    case_id = found[frozenset(DISPUTE)]["case_id"]
    video_id = found[frozenset({VIDEO_REF})]["case_id"]
    send_command(hub, case_id, "accept")
    send_command(hub, case_id, "dispatch", department="枫桥镇综治办")
    send_command(hub, case_id, "resolve", note="双方达成调解协议，排水沟恢复原走向")
    send_command(hub, case_id, "close", evaluation="满意")
    send_command(hub, video_id, "escalate", note="聚集人数增加，请求市级支援")
    closed = eventually(lambda: (d := api(hub, f"/v1/cases/{case_id}"))["status"] == "closed" and d)
    assert [h["status"] for h in closed["history"]][-4:] == [
        "new",
        "dispatched",
        "resolved",
        "closed",
    ][-4:] or closed["history"]
    assert closed["evaluation"] == "满意"
    topics = TopicNames(hub.settings.topic_prefix)
    county = eventually(
        lambda: final_cases(case_states(hub.settings, topics.cases_county("330681")))
    )
    assert county[video_id]["level"] == "county"


def test_promtool_finds_no_problem_in_any_services_metrics(running_hub: RunningHub) -> None:
    hub = running_hub
    send_examples(hub)
    eventually(lambda: api(hub, "/v1/cases")["total"] == 2)
    ep = hub.endpoints
    for url in (f"{ep.ingest}/metrics", ep.worker_metrics, ep.sink_metrics, f"{ep.api}/metrics"):
        exposition = httpx.get(url, timeout=10).text
        assert "fusionhub_" in exposition, url
        assert check_metrics(exposition) == [], url
    sink = httpx.get(ep.sink_metrics, timeout=10).text
    assert "fusionhub_end_to_end_latency_seconds_count" in sink
