"""Merge and split end to end: commands on the real command topic, a real worker, the case
topics, the SQL sink on the real PostgreSQL, and the read API over HTTP; refusals dead-lettered.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fusionhub import bootstrap
from fusionhub.api import ApiClient, ApiService, CaseReader
from fusionhub.api.client import ApiError
from fusionhub.api.openapi import openapi_document
from fusionhub.bootstrap.api import division_names
from fusionhub.bootstrap.sink import build_sink_loop
from fusionhub.cli.cases import cases as cases_group
from fusionhub.cli.corrections import EXPORT_KEYS, export_line
from fusionhub.core.correction_labels import labels_from_corrections
from fusionhub.core.corrections import split_case_id
from fusionhub.sinks import SinkLoop, open_engine
from tests.integration.api.test_openapi_conformance import check
from tests.integration.sinks.kafka_io import sink_settings
from tests.integration.streams import test_lifecycle_commands as lifecycle
from tests.integration.streams.commands import DEAD_LETTER_SUBJECT, ingest_grid_reports, letters_for
from tests.integration.streams.test_lifecycle_commands import (
    COUNTY,
    TOWNSHIP,
    Hub,
    hazard_report,
    minute,
    reached,
)
from tests.support import serve_in_thread

pytestmark = pytest.mark.integration
hub = lifecycle.hub  # the fixture: a worker on this test's topics


@contextmanager
def sink_running(runner: SinkLoop) -> Iterator[None]:
    stop, errors = threading.Event(), []

    def loop() -> None:
        try:
            runner.run(stop)
        except BaseException as exc:  # raised in the test below
            errors.append(exc)

    thread = threading.Thread(target=loop, name="case-sink", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
        assert not errors, errors


def eventually(check: Callable[[], Any], what: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            found = check()
        except (ApiError, AssertionError, KeyError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _with_total(page: dict[str, Any], total: int) -> dict[str, Any] | None:
    return page if page["total"] == total else None


@dataclass(frozen=True)
class Corrected:
    """The two cases of a test, their reports, and the case a split opened."""

    dispute: str
    dispute_ref: str
    hazard: str
    hazard_ref: str
    new_case: str


def two_cases(hub: Hub) -> tuple[str, str, str, str]:
    """The example dispute and a fire-lane hazard in the same township: two cases."""
    dispute, cases = hub.open_example_case()
    [hazard_ref] = ingest_grid_reports(
        hub.settings, hazard_report("WG-330681109-20261125-00031", "2026-11-25T10:00:00+08:00")
    )
    [hazard_state] = cases.wait_for(
        lambda rs: [r for r in rs if hazard_ref in r["event_refs"]], "hazard case"
    )[-1:]
    [dispute_ref] = next(r for r in cases.records if r["case_id"] == dispute)["event_refs"]
    return dispute, dispute_ref, hazard_state["case_id"], hazard_ref


def correct_on_topics(hub: Hub) -> Corrected:
    """Merge the hazard into the (escalated) dispute and split it out again, with refused
    commands between; checks the county and township topics and the dead letters."""
    dispute, dispute_ref, hazard, hazard_ref = two_cases(hub)
    county = hub.tail(hub.topics.cases_county(COUNTY))
    township = hub.tail(hub.topics.cases_township(TOWNSHIP))
    letters = hub.tail(hub.topics.dead_letter, DEAD_LETTER_SUBJECT)
    send = hub.sender.send
    send(dispute, "escalate", minute(0), note="涉及多户")  # the survivor at county level
    itself = send(dispute, "merge", minute(1), note="同一事件", into_case_id=dispute)
    send(hazard, "merge", minute(2), note="同一户反映", into_case_id=dispute)
    merged_away = send(hazard, "merge", minute(3), note="再合并", into_case_id=dispute)
    split_all = send(dispute, "split", minute(4), note="全部", event_refs=(dispute_ref, hazard_ref))
    split = send(dispute, "split", minute(5), note="不是同一事件", event_refs=(hazard_ref,))
    new_case = split_case_id(split)

    survivor = county.wait_for(
        lambda rs: [r for r in rs if r["case_id"] == dispute and len(r["corrections"]) == 2],
        "the survivor after the split",
    )
    assert [r["event_refs"] for r in survivor if r["case_id"] == dispute][-1] == [dispute_ref]
    merged = township.wait_for(reached(hazard, "merged"), "the merged case on its township")
    township.wait_for(lambda rs: any(r["case_id"] == new_case for r in rs), "the split case")
    [gone] = [r for r in merged if r["case_id"] == hazard and r["status"] == "merged"]
    assert gone["merged_into"] == dispute
    assert gone["history"][-1]["note"] == f"merged into {dispute}: 同一户反映"
    [fresh] = [r for r in township.records if r["case_id"] == new_case]
    assert (fresh["status"], fresh["event_refs"]) == ("new", [hazard_ref])

    refused = {itself: "merged into itself", merged_away: "was merged into", split_all: "leave"}
    got = letters.wait_for(lambda ls: all(letters_for(ls, c) for c in refused), "refusals")
    for command_id, detail in refused.items():
        [letter] = letters_for(got, command_id)
        assert letter["reason"] == "command_refused"
        assert any(detail in e["message"] for e in letter["errors"]), letter["errors"]
    return Corrected(dispute, dispute_ref, hazard, hazard_ref, new_case)


def test_merge_and_split_reach_the_case_topics_the_store_and_the_read_api(
    hub: Hub, fresh_postgres_url: str, tmp_path: Path
) -> None:
    c = correct_on_topics(hub)
    settings = sink_settings(hub.settings, fresh_postgres_url)
    token = secrets.token_urlsafe(16)
    out = tmp_path / "corrections.jsonl"
    with sink_running(build_sink_loop(bootstrap.Hub(settings), stuck_commit_s=2.0)):
        reader = CaseReader(open_engine(fresh_postgres_url), division_names())
        with serve_in_thread(ApiService(reader, token, 50).app()) as url:
            client = ApiClient(url, token)
            page = eventually(lambda: _with_total(client.corrections(), 2), "2 corrections")
            shown = eventually(lambda: client.get_case(c.new_case), "the split case stored")
            gone = client.get_case(c.hazard)
            args = ["corrections", "--out", str(out), "--url", url, "--token", token]
            result = CliRunner().invoke(cases_group, args, obj=settings)
    assert result.exit_code == 0, result.output
    document = openapi_document(50)
    check(document, "CorrectionPage", page)
    check(document, "Case", shown)
    check(document, "Case", gone)
    merge_item, split_item = page["items"]
    assert (merge_item["action"], merge_item["case_id"], merge_item["into"]) == (
        "merge",
        c.hazard,
        c.dispute,
    )
    assert (split_item["action"], split_item["new_case_id"]) == ("split", c.new_case)
    assert split_item["event_refs_moved"] == [c.hazard_ref]
    assert c.hazard_ref in json.dumps(shown)
    assert "不是同一事件" in json.dumps(shown, ensure_ascii=False)
    assert f'"merged_into": "{c.dispute}"' in json.dumps(gone)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [export_line(i) for i in page["items"]]
    assert set(json.loads(lines[0])) == set(EXPORT_KEYS["merge"])
    pair = (min(c.dispute_ref, c.hazard_ref), max(c.dispute_ref, c.hazard_ref), False)
    assert pair in labels_from_corrections(lines)  # the split, later, wins over the merge


def test_merging_a_closed_case_or_naming_another_county_is_dead_lettered_with_the_reason(
    hub: Hub,
) -> None:
    dispute, _, hazard, _ = two_cases(hub)
    letters = hub.tail(hub.topics.dead_letter, DEAD_LETTER_SUBJECT)
    send = hub.sender.send
    for n, (name, extra) in enumerate(
        [
            ("accept", {}),
            ("dispatch", {"department": "枫桥镇消防所"}),
            ("resolve", {"note": "已清理"}),
            ("close", {"evaluation": "满意"}),
        ]
    ):
        send(hazard, name, minute(n), **extra)
    closed = send(hazard, "merge", minute(5), note="同一处", into_case_id=dispute)
    into_closed = send(dispute, "merge", minute(6), note="同一处", into_case_id=hazard)
    # Keyed to the cases' partition, so that it reaches them and is refused for the county.
    elsewhere = send(
        dispute,
        "merge",
        minute(7),
        note="同一处",
        into_case_id=hazard,
        county_code="330109",
        key=COUNTY.encode(),
    )
    refused = {
        closed: f"case {hazard} is closed",
        into_closed: f"case {hazard} is closed",
        elsewhere: "not 330109",
    }
    got = letters.wait_for(lambda ls: all(letters_for(ls, c) for c in refused), "refusals")
    for command_id, detail in refused.items():
        [letter] = letters_for(got, command_id)
        assert letter["reason"] == "command_refused"
        assert any(detail in e["message"] for e in letter["errors"]), letter["errors"]
