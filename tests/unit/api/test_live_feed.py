"""The live feed's handling of records, fed the bytes the worker and connectors publish."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

from fusionhub.api.centres import PROVINCE, Centre
from fusionhub.api.live import RESET, LiveFeed
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import CASE_SUBJECT, EVENT_SUBJECT
from tests.unit.sinks.builders import CODEC, case_record, event_record

pytestmark = pytest.mark.unit

TOPICS = TopicNames("t")
FENGQIAO = Centre("fengqiao", "枫桥镇", township="330681109")
JIYANG = Centre("jiyang", "暨阳街道", township="330681001")


def feed() -> LiveFeed:
    return LiveFeed(KafkaClients("127.0.0.1:1"), TOPICS, CODEC, names={"330681109": "枫桥镇"}.get)


def case_bytes(case_id: str, refs: list[str], **more: Any) -> bytes:
    record = case_record(case_id, 1, event_refs=refs)
    return CODEC.encode(CASE_SUBJECT, {**record, **more})


def drained(queue: Any) -> list[dict[str, Any]]:
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


def test_a_new_case_reaches_the_centres_that_see_it_with_the_place_of_its_report() -> None:
    live = feed()
    mine, theirs, everyone = (live.subscribe(c) for c in (FENGQIAO, JIYANG, PROVINCE))
    event = event_record("grid:WG-1", text="楼道堆物 <script>x</script>")
    live.take(TOPICS.events, b"330681", CODEC.encode(EVENT_SUBJECT, event))
    live.take(TOPICS.cases_all, b"C1", case_bytes("C1", ["grid:WG-1"]))

    [message] = drained(mine.queue)
    summary = message["case"]
    assert (message["type"], summary["case_id"], summary["township_name"]) == (
        "case",
        "C1",
        "枫桥镇",
    )
    assert (summary["lon"], summary["lat"]) == (120.4139, 29.6247)
    assert summary["headline"] == "楼道堆物 <script>x</script>"
    assert summary["sources"] == ["grid", "hotline"]
    assert summary["is_open"] is True
    assert drained(theirs.queue) == []
    assert len(drained(everyone.queue)) == 1


def test_a_case_whose_reports_the_feed_has_not_seen_comes_without_a_place() -> None:
    live = feed()
    subscriber = live.subscribe(PROVINCE)
    live.take(TOPICS.cases_all, b"C1", case_bytes("C1", ["grid:WG-unseen"]))
    summary = drained(subscriber.queue)[0]["case"]
    assert (summary["headline"], summary["lon"], summary["lat"]) == (None, None, None)


def test_a_case_version_made_by_an_action_answers_that_action() -> None:
    live = feed()
    live.take(TOPICS.cases_all, b"C1", case_bytes("C1", ["grid:WG-1"], command_id="console-1"))
    outcome = live.outcomes.get("console-1")
    assert outcome.outcome == "applied"
    assert outcome.case is not None
    assert outcome.case["case_id"] == "C1"


def test_a_refused_action_is_answered_with_the_workers_reason() -> None:
    live = feed()
    letters = DeadLetterWriter(CODEC, Fernet.generate_key())
    letter = letters.seal(
        source="command",
        stage="command",
        reason="command_refused",
        detail="accept the case before dispatching it",
        original=b"...",
        source_id="console-2",
    )
    live.take(TOPICS.dead_letter, b"command", letter)
    outcome = live.outcomes.get("console-2")
    assert (outcome.outcome, outcome.reason) == ("refused", "accept the case before dispatching it")


def test_dead_letters_of_reports_and_undecodable_records_are_passed_over() -> None:
    live = feed()
    subscriber = live.subscribe(PROVINCE)
    live.take(TOPICS.dead_letter, b"grid", b"\x00\x00\x00\x00\x03garbage")
    live.take(TOPICS.cases_all, b"C1", b"not avro")
    assert drained(subscriber.queue) == []


def test_a_reader_that_falls_behind_gets_one_reset_instead_of_lost_changes() -> None:
    live = feed()
    subscriber = live.subscribe(PROVINCE)
    for number in range(subscriber.queue.maxsize + 5):
        live.take(TOPICS.cases_all, b"C", case_bytes(f"C{number}", ["grid:WG-1"]))
    messages = drained(subscriber.queue)
    assert messages[-1] is RESET
    assert messages.count(RESET) == 1
    assert len(messages) == subscriber.queue.maxsize
