"""A worker restarted after retention trimmed its whole event log loses no case: it restores
the partitions' snapshots, a late report quoting an old open case still joins it, and an action
on another old case still applies; the cases equal those of a run on the untrimmed log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from fusionhub.bus.topics import TopicNames
from fusionhub.core.casebook import CaseAction
from fusionhub.serialization.actions import action_to_record
from fusionhub.serialization.records import COMMAND_SUBJECT, EVENT_SUBJECT
from fusionhub.settings import Settings
from fusionhub.sim.writer import simulate
from tests.integration.streams.harness import (
    CODEC,
    case_states,
    copy_log,
    final_cases,
    ingest_folder,
    run_until_done,
    start_worker,
    stop_worker,
)

pytestmark = pytest.mark.integration


def trim_log(settings: Settings) -> dict[int, int]:
    """Delete every record of the event log, as retention does once they are old enough (it
    moves each partition's start offset); returns the new start offsets."""
    topic = TopicNames(settings.topic_prefix).events
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    ends = consumer.end_offsets(parts)
    consumer.close()
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    admin.delete_records(ends)
    admin.close()
    return {tp.partition: end for tp, end in ends.items()}


def log_starts(settings: Settings) -> dict[int, int]:
    topic = TopicNames(settings.topic_prefix).events
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    starts = consumer.beginning_offsets(parts)
    consumer.close()
    return {tp.partition: start for tp, start in starts.items()}


def first_event_of(settings: Settings, ref: str) -> tuple[bytes | None, dict[str, Any]]:
    """The key and decoded record of the event ``ref`` in the (untrimmed) log."""
    topic = TopicNames(settings.topic_prefix).events
    consumer = KafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest"
    )
    try:
        while True:
            for records in consumer.poll(timeout_ms=2000).values():
                for r in records:
                    if CODEC.subject_of(r.value) == EVENT_SUBJECT:
                        event = CODEC.decode(r.value, EVENT_SUBJECT)
                        if event["event_ref"] == ref:
                            return r.key, event
    finally:
        consumer.close()


def late_records(settings: Settings, cases: dict[str, dict[str, Any]]) -> tuple[list, str, str]:
    """A late hotline call quoting a report of one open case and an action on another, as
    records of the event log; with the two cases' ids."""
    open_ids = sorted(c for c, case in cases.items() if case["status"] in ("new", "escalated"))
    quoted, acted = cases[open_ids[0]], cases[open_ids[1]]
    # An escalated case is dispatched again; a new one would be accepted first.
    name = "dispatch" if acted["status"] == "escalated" else "accept"
    key, event = first_event_of(settings, quoted["event_refs"][0])
    later = event["occurred_at"] + timedelta(days=1)
    call = {
        **event,
        "event_ref": "hotline:12345-LATE-1",
        "source": "hotline",
        "source_id": "12345-LATE-1",
        "refs": [event["source_id"]],
        "occurred_at": later,
        "received_at": later,
        "fingerprint": "late-1",
    }
    accept = CaseAction(
        command_id="late-action-1",
        case_id=acted["case_id"],
        action=name,
        actor="枫桥镇综治中心",
        issued_at=datetime(2030, 1, 1, tzinfo=UTC),
        county_code=acted["county_code"],
        department="司法所",
    )
    records = [
        (key, CODEC.encode(EVENT_SUBJECT, call)),
        (acted["county_code"].encode(), CODEC.encode(COMMAND_SUBJECT, action_to_record(accept))),
    ]
    return records, quoted["case_id"], acted["case_id"]


def produce(settings: Settings, records: list[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    for key, value in records:
        producer.send(TopicNames(settings.topic_prefix).events, value, key=key).get(30)
    producer.close()


def run_once(settings: Settings, group: str, log: Path) -> None:
    worker = start_worker(settings, group, log, snapshot_every_records="150")
    try:
        run_until_done(settings, group)
    finally:
        assert stop_worker(worker) == 0, log.read_text()[-3000:]


def test_a_worker_restarted_on_a_trimmed_log_loses_no_case_and_late_reports_join(
    hub_settings: Settings, tmp_path: Path
) -> None:
    simulate(tmp_path / "sim", seed=5, n_events=700, days=4)
    assert ingest_folder(hub_settings, tmp_path / "sim") > 600
    twin = hub_settings.model_copy(update={"topic_prefix": hub_settings.topic_prefix + "u"})
    copy_log(hub_settings, hub_settings.topic_prefix, twin.topic_prefix)
    group = f"{hub_settings.topic_prefix}-t"
    run_once(hub_settings, group, tmp_path / "first.log")
    before = final_cases(case_states(hub_settings, TopicNames(hub_settings.topic_prefix).cases_all))

    late, quoted, acted = late_records(hub_settings, before)
    trimmed = trim_log(hub_settings)
    assert log_starts(hub_settings) == trimmed
    produce(hub_settings, late)
    run_once(hub_settings, group, tmp_path / "second.log")
    got = final_cases(case_states(hub_settings, TopicNames(hub_settings.topic_prefix).cases_all))

    produce(twin, late)
    run_once(twin, f"{twin.topic_prefix}-u", tmp_path / "twin.log")
    expected = final_cases(case_states(twin, TopicNames(twin.topic_prefix).cases_all))

    assert "hotline:12345-LATE-1" in got[quoted]["event_refs"]
    assert got[acted]["version"] == before[acted]["version"] + 1
    assert got == expected
    second = (tmp_path / "second.log").read_text()
    assert "from snapshot" in second
    assert "never applied" not in second
