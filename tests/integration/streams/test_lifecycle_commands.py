"""Cases walked through their lifecycle by commands on the command topic, as a command centre
would: a real worker, a real broker, reports through the real ingest pipeline.

Commands of one case are produced in order and keyed by county, so the worker applies them in
that order; a later valid command is the marker that every earlier one was handled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.settings import Settings
from fusionhub.streams.worker import worker_topics
from tests.conftest import EXAMPLES
from tests.integration.streams.commands import (
    CODEC,
    DEAD_LETTER_SUBJECT,
    CommandSender,
    Record,
    TopicTail,
    grid_report,
    ingest_grid_reports,
    letters_for,
    versions_of,
)
from tests.integration.streams.harness import start_worker, stop_worker

pytestmark = pytest.mark.integration

GRID_EXAMPLE = EXAMPLES / "grid.json"
COUNTY, TOWNSHIP = "330681", "330681109"
CENTRE, OFFICE = "枫桥镇综治中心", "枫桥镇综治办"
# The example report happened at 2026-11-25T00:40Z; commands follow it minute by minute.
FIRST_COMMAND_AT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def minute(n: int) -> datetime:
    """The issue time of the ``n``-th command of a test."""
    return FIRST_COMMAND_AT + timedelta(minutes=n)


@dataclass
class Hub:
    """A running worker on this test's topics, a command sender and topic readers."""

    settings: Settings
    log: Path
    topics: TopicNames = field(init=False)
    sender: CommandSender = field(init=False)
    tails: list[TopicTail] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.topics = TopicNames(self.settings.topic_prefix)
        self.sender = CommandSender(self.settings)

    def tail(self, topic: str, subject: str = "fusionhub.Case") -> TopicTail:
        reader = TopicTail(self.settings, topic, subject)
        self.tails.append(reader)
        return reader

    def open_example_case(self) -> tuple[str, TopicTail]:
        """Ingest the grid example and wait for its case; returns its id and a cases.all tail."""
        [ref] = ingest_grid_reports(self.settings, GRID_EXAMPLE.read_bytes())
        cases = self.tail(self.topics.cases_all)
        [opened] = cases.wait_for(bool, "opened case")
        assert opened["event_refs"] == [ref]
        return opened["case_id"], cases


@pytest.fixture
def hub(hub_settings: Settings, tmp_path: Path) -> Iterator[Hub]:
    settings = hub_settings
    ensure_topics(
        KafkaClients(settings.kafka_bootstrap),
        worker_topics(TopicNames(settings.topic_prefix)),
        settings.streams.topic_partitions,
    )
    log = tmp_path / "worker.log"
    worker = start_worker(settings, f"{settings.topic_prefix}-app", log)
    running = Hub(settings, log)
    try:
        yield running
    finally:
        for reader in running.tails:
            reader.close()
        running.sender.close()
        code = stop_worker(worker)
    output = log.read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def reached(case_id: str, status: str) -> Callable[[list[Record]], bool]:
    """Done when a state of ``case_id`` with ``status`` was read."""
    return lambda rs: any(r["case_id"] == case_id and r["status"] == status for r in rs)


def hazard_report(event_code: str, occurred_at: str) -> bytes:
    """A grid report of a blocked fire lane in the example's grid: another incident than the
    example's dispute, so it opens a case of its own."""
    return grid_report(
        GRID_EXAMPLE,
        event_code=event_code,
        reported_at=occurred_at,
        occurred_at=occurred_at,
        type_1="问题隐患",
        type_2="消防隐患",
        level=4,
        description="枫源村文化礼堂后门消防通道被杂物堵塞，需清理。",
        parties=[],
    )


def steps_of(states: list[Record]) -> list[tuple[int, str, str]]:
    return [(s["version"], s["status"], s["level"]) for s in states]


def test_commands_walk_a_township_case_from_new_to_closed_on_its_township_topic(
    hub: Hub,
) -> None:
    case_id, cases = hub.open_example_case()
    township = hub.tail(hub.topics.cases_township(TOWNSHIP))
    send = hub.sender.send
    send(case_id, "accept", minute(0), actor=CENTRE)
    send(case_id, "dispatch", minute(1), actor=CENTRE, department=OFFICE)
    send(case_id, "progress", minute(2), actor=OFFICE, note="已约双方到村调委会")
    send(case_id, "resolve", minute(3), actor=OFFICE, note="双方签订调解协议")
    send(case_id, "close", minute(4), actor="何某某", evaluation="满意")

    states = versions_of(cases.wait_for(reached(case_id, "closed"), "closed case"), case_id)
    assert [s["version"] for s in states] == [1, 2, 3, 4, 5, 6]
    assert [s["change"] for s in states] == [
        "opened",
        *(f"status:{s}" for s in ("new", "dispatched", "in_progress", "resolved", "closed")),
    ]
    assert {s["level"] for s in states} == {"township"}
    closed = states[-1]
    assert closed["township_code"] == TOWNSHIP
    assert (closed["department"], closed["evaluation"]) == (OFFICE, "满意")
    assert [(h["status"], h["actor"], h["note"]) for h in closed["history"]] == [
        ("new", "correlation", ""),
        ("new", CENTRE, "accepted"),
        ("dispatched", CENTRE, OFFICE),
        ("in_progress", OFFICE, "已约双方到村调委会"),
        ("resolved", OFFICE, "双方签订调解协议"),
        ("closed", "何某某", "满意"),
    ]
    assert [h["at"] for h in closed["history"][1:]] == [minute(n) for n in range(5)]
    # The township platform sees every state the hub published, not only the last.
    township.wait_for(reached(case_id, "closed"), "closed case")
    assert versions_of(township.records, case_id) == states


def test_invalid_commands_are_dead_lettered_with_a_reason_and_change_nothing(hub: Hub) -> None:
    case_id, cases = hub.open_example_case()
    letters = hub.tail(hub.topics.dead_letter, DEAD_LETTER_SUBJECT)
    send = hub.sender.send
    close_new = send(case_id, "close", minute(0), evaluation="满意")
    send(case_id, "accept", minute(1))
    no_department = send(case_id, "dispatch", minute(2))
    send(case_id, "dispatch", minute(3), department=OFFICE)
    progress = send(case_id, "progress", minute(4), note="走访")
    send(case_id, "progress", minute(4), note="走访", command_id=progress)  # redelivered
    unknown_case = send("C0000000000000000", "accept", minute(5))
    send(case_id, "resolve", minute(6), note="调解成功")
    send(case_id, "close", minute(7), evaluation="满意")
    progress_closed = send(case_id, "progress", minute(8), note="补充")
    unroutable = send(case_id, "accept", minute(9), county_code=None)
    send(case_id, "reopen", minute(10), note="群众反映未解决")  # handled after all of the above

    refused = {
        close_new: ("command", "command_refused", "not allowed in new"),
        no_department: ("command", "command_refused", "dispatch needs department"),
        unknown_case: ("command", "command_refused", "unknown case C0000000000000000"),
        progress_closed: ("command", "command_refused", "not allowed in closed"),
        unroutable: ("route", "unroutable_command", "no county_code and no record key"),
    }
    got = letters.wait_for(
        lambda ls: all(letters_for(ls, cid) for cid in refused), "dead letter per refused command"
    )
    states = versions_of(cases.wait_for(reached(case_id, "reopened"), "reopened case"), case_id)

    opener = DeadLetterWriter(CODEC, hub.settings.secrets.require_sealing_key())
    for command_id, (stage, reason, detail) in refused.items():
        [letter] = letters_for(got, command_id)
        assert (letter["source"], letter["stage"], letter["reason"]) == ("command", stage, reason)
        assert any(detail in e["message"] for e in letter["errors"]), letter["errors"]
        original = CODEC.decode(opener.open(letter["original_sealed"]), "fusionhub.CaseCommand")
        assert original["command_id"] == command_id
    assert letters_for(got, progress) == []  # a redelivery is ignored, not refused
    # One version per valid command; the refused and the redelivered ones made none.
    assert [(s["version"], s["status"]) for s in states] == [
        (1, "new"),
        (2, "new"),
        (3, "dispatched"),
        (4, "in_progress"),
        (5, "resolved"),
        (6, "closed"),
        (7, "reopened"),
    ]
    assert len([r for r in cases.records if r["case_id"] == case_id]) == 7


def test_a_closed_case_reopened_can_be_dispatched_again(hub: Hub) -> None:
    case_id, cases = hub.open_example_case()
    township = hub.tail(hub.topics.cases_township(TOWNSHIP))
    send = hub.sender.send
    send(case_id, "accept", minute(0))
    send(case_id, "dispatch", minute(1), department=OFFICE)
    send(case_id, "resolve", minute(2), note="已劝解")
    send(case_id, "close", minute(3), evaluation="不满意")
    send(case_id, "reopen", minute(4), note="群众不满意，重新办理")
    send(case_id, "dispatch", minute(5), department="枫桥镇司法所")

    cases.wait_for(lambda rs: len(versions_of(rs, case_id)) >= 7, "second dispatch")
    states = versions_of(cases.records, case_id)
    assert [(s["version"], s["status"]) for s in states] == [
        (1, "new"),
        (2, "new"),
        (3, "dispatched"),
        (4, "resolved"),
        (5, "closed"),
        (6, "reopened"),
        (7, "dispatched"),
    ]
    closed, reopened, redispatched = states[4:]
    assert closed["evaluation"] == "不满意"
    assert reopened["evaluation"] is None  # the new handling waits for a new evaluation
    assert reopened["history"][-1]["note"] == "群众不满意，重新办理"
    assert (redispatched["department"], redispatched["level"]) == ("枫桥镇司法所", "township")
    township.wait_for(lambda rs: len(versions_of(rs, case_id)) >= 7, "second dispatch")
    assert versions_of(township.records, case_id) == states


def test_a_township_case_past_its_deadline_in_event_time_is_escalated_to_the_county(
    hub: Hub,
) -> None:
    later = hazard_report("WG-330681109-20261216-00004", "2026-12-16T08:30:00+08:00")
    first_ref, later_ref = ingest_grid_reports(hub.settings, GRID_EXAMPLE.read_bytes(), later)
    county = hub.tail(hub.topics.cases_county(COUNTY))
    township = hub.tail(hub.topics.cases_township(TOWNSHIP))
    cases = hub.tail(hub.topics.cases_all)

    [escalated] = county.wait_for(bool, "escalated case")
    assert escalated["event_refs"] == [first_ref]
    assert (escalated["status"], escalated["level"], escalated["version"]) == (
        "escalated",
        "county",
        2,
    )
    assert escalated["deadline"] < datetime(2026, 12, 16, 0, 30, tzinfo=UTC)
    last = escalated["history"][-1]
    assert (last["actor"], last["note"]) == ("overdue_check", "overdue")
    assert last["at"] == datetime(2026, 12, 16, 0, 30, tzinfo=UTC)  # the newer report's time

    case_id = escalated["case_id"]
    township.wait_for(reached(case_id, "escalated"), "escalated case leaving the township")
    assert steps_of(versions_of(township.records, case_id)) == [
        (1, "new", "township"),
        (2, "escalated", "county"),
    ]
    cases.wait_for(lambda rs: any(later_ref in r["event_refs"] for r in rs), "later case")
    [newer] = [r for r in cases.records if later_ref in r["event_refs"]]
    assert (newer["status"], newer["level"]) == ("new", "township")
    assert newer["case_id"] != case_id
    assert steps_of(versions_of(cases.records, case_id)) == [
        (1, "new", "township"),
        (2, "escalated", "county"),
    ]


def test_an_escalate_command_hands_a_township_case_to_the_county_topic(hub: Hub) -> None:
    case_id, cases = hub.open_example_case()
    county = hub.tail(hub.topics.cases_county(COUNTY))
    township = hub.tail(hub.topics.cases_township(TOWNSHIP))
    hub.sender.send(case_id, "escalate", minute(0), note="涉及多户，镇级难以化解")
    hub.sender.send(
        case_id, "dispatch", minute(1), actor="诸暨市社会治理中心", department="诸暨市司法局"
    )

    county.wait_for(reached(case_id, "dispatched"), "dispatch by the county")
    assert steps_of(versions_of(county.records, case_id)) == [
        (2, "escalated", "county"),
        (3, "dispatched", "county"),
    ]
    escalated = versions_of(county.records, case_id)[0]
    assert escalated["history"][-1]["note"] == "涉及多户，镇级难以化解"
    assert escalated["history"][-1]["actor"] == CENTRE
    # A later township case is the marker: the township topic has one partition, so once it is
    # read, any state of the escalated case sent there before it would have been read too.
    [marker_ref] = ingest_grid_reports(
        hub.settings, hazard_report("WG-330681109-20261125-00031", "2026-11-25T10:00:00+08:00")
    )
    township.wait_for(lambda rs: any(marker_ref in r["event_refs"] for r in rs), "marker case")
    # The township sees its case leave; what the county does with it next is not its business.
    assert steps_of(versions_of(township.records, case_id)) == [
        (1, "new", "township"),
        (2, "escalated", "county"),
    ]
    everything = cases.wait_for(reached(case_id, "dispatched"), "dispatch on cases.all")
    assert steps_of(versions_of(everything, case_id))[-1] == (3, "dispatched", "county")
