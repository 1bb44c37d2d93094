from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.sink import build_sink_loop, sink_options
from fusionhub.settings import Settings
from fusionhub.sinks import CaseQueries, SinkLoop, migrate, open_engine
from fusionhub.sinks.jsonl import read_records
from fusionhub.sinks.schema import case_history, case_members, cases, events, metadata
from tests.integration.sinks.kafka_io import (
    Producer,
    case_versions,
    committed_offsets,
    encoded_cases,
    encoded_events,
    end_offsets,
    sink_settings,
)
from tests.pg import PostgresCluster

pytestmark = pytest.mark.integration

# Short, so that a consumer wedged by a rebalance is rebuilt within the tests' waits.
STUCK_COMMIT_S = 2.0
TOWNSHIPS = ("330681109", "330681001", "330782001", "330108002")


def wait_until(
    condition: Callable[[], bool],
    timeout_s: float,
    what: str,
    *runners: SinkLoop,
    every_s: float = 0.05,
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            state = [
                {k: v for k, v in vars(r).items() if isinstance(v, int | float)} for r in runners
            ]
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}; runners: {state}")
        time.sleep(every_s)


@contextmanager
def running(runner: SinkLoop) -> Iterator[threading.Event]:
    """The runner's loop in a thread; stopped (and its errors raised) on exit."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            runner.run(stop)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=loop, name="case-sink", daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the runner did not stop"
        if errors:
            raise errors[0]


def stored(url: str) -> dict[str, Any]:
    """What the database holds: case versions, report owners, event refs and history length."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            history = conn.execute(select(func.count()).select_from(case_history)).scalar_one()
            return {
                "versions": dict(conn.execute(select(cases.c.case_id, cases.c.version)).all()),
                "owners": dict(
                    conn.execute(select(case_members.c.event_ref, case_members.c.case_id)).all()
                ),
                "events": sorted(conn.execute(select(events.c.event_ref)).scalars()),
                "history": history,
            }
    finally:
        engine.dispose()


def expected_state(last_versions: dict[str, int]) -> dict[str, Any]:
    owners = {f"grid:{c}-{j}": c for c, last in last_versions.items() for j in range(1, last + 1)}
    return {
        "versions": last_versions,
        "owners": owners,
        "events": sorted(owners),
        "history": sum(last_versions.values()),
    }


def test_the_sink_stores_the_newest_version_of_every_case_and_every_event_once(
    hub_settings: Settings, database_url: str
) -> None:
    settings = sink_settings(hub_settings, database_url)
    last = {f"C{i:03d}": 1 + i % 3 for i in range(40)}
    states = [case_versions(c, TOWNSHIPS[i % 4], v) for i, (c, v) in enumerate(last.items())]
    # Versions of each case in order, cases interleaved, then a stale redelivery of each v1.
    in_order = [s[k] for k in range(3) for s in states if k < len(s)]
    producer = Producer(settings)
    producer.cases(encoded_cases([*in_order, *(s[0] for s in states)]))
    producer.events(encoded_events(expected_state(last)["events"]))
    producer.raw_event(b"\x00garbage that is not avro")
    producer.close()
    total = len(in_order) + len(states) + len(expected_state(last)["events"]) + 1
    group = sink_options(Hub(settings)).group_id

    runner = build_sink_loop(Hub(settings), stuck_commit_s=STUCK_COMMIT_S)
    with running(runner):
        wait_until(
            lambda: runner.rows_written + runner.undecodable >= total, 45, "all records", runner
        )
        wait_until(
            lambda: committed_offsets(settings, group) == end_offsets(settings),
            20,
            "the final commit",
            runner,
            every_s=0.3,
        )
    assert runner.undecodable == 1
    assert stored(database_url) == expected_state(last)
    engine = open_engine(database_url)
    try:
        case = CaseQueries(engine).get_case("C002")  # three versions: three reports
    finally:
        engine.dispose()
    assert case is not None
    assert [e["score"]["total"] if e["score"] else None for e in case["events"]] == [None, 0.5, 0.6]
    assert all(e["event"] is not None for e in case["events"])


def test_the_migrations_match_the_tables_the_code_uses_on_every_database(database_url: str) -> None:
    migrate(database_url)
    engine = open_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


@dataclass
class Destination:
    """Where an outage test's sink stores, how to take it away and bring it back, and what it
    holds (in the shape of ``stored``)."""

    settings: Settings
    take_away: Callable[[], None]
    bring_back: Callable[[], None]
    holds: Callable[[], dict[str, Any]]


@pytest.fixture(params=["sql", "jsonl"])
def destination(
    request: pytest.FixtureRequest, hub_settings: Settings, tmp_path: Path
) -> Iterator[Destination]:
    """The SQL store on PostgreSQL (stopped and started), or a JSON Lines file whose folder is
    moved away (a plain file left in its place, so it cannot simply be made again)."""
    if request.param == "sql":
        url = request.getfixturevalue("fresh_postgres_url")
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        settings = sink_settings(hub_settings, url, batch_size=15)
        yield Destination(settings, cluster.stop, cluster.start, lambda: stored(url))
        if not cluster.running:
            cluster.start()
        return
    share = tmp_path / "share"
    share.mkdir()
    moved = tmp_path / "moved"

    def take_away() -> None:
        share.rename(moved)
        share.write_text("the share is not mounted")

    def bring_back() -> None:
        share.unlink()
        moved.rename(share)

    path = share / "cases.jsonl"
    settings = sink_settings(hub_settings, "sqlite://", jsonl=path, batch_size=15)
    yield Destination(settings, take_away, bring_back, lambda: stored_lines(path))


def stored_lines(path: Path) -> dict[str, Any]:
    """What a JSON Lines sink file holds, as ``stored`` tells it of a database: the newest
    version of each case, whose reports it owns, the events, and the newest histories."""
    newest: dict[str, dict[str, Any]] = {}
    refs: list[str] = []
    for item in read_records(path):
        record = item["record"]
        if item["kind"] == "event":
            refs.append(record["event_ref"])
        elif record["version"] > newest.get(record["case_id"], {"version": 0})["version"]:
            newest[record["case_id"]] = record
    return {
        "versions": {case_id: r["version"] for case_id, r in newest.items()},
        "owners": {ref: case_id for case_id, r in newest.items() for ref in r["event_refs"]},
        "events": sorted(refs),
        "history": sum(len(r["history"]) for r in newest.values()),
    }


def outage_records() -> tuple[dict[str, int], list[Any]]:
    """The records of an outage test: 60 cases in 2 versions (and their events)."""
    last = {f"O{i:03d}": 2 for i in range(60)}
    states = [case_versions(c, TOWNSHIPS[i % 4], 2) for i, c in enumerate(last)]
    return last, [s[k] for k in range(2) for s in states]


def produce_slowly(
    settings: Settings, case_records: list[Any], refs: list[str], chunks: int
) -> None:
    producer = Producer(settings)
    case_pairs, event_values = encoded_cases(case_records), encoded_events(refs)
    for i in range(chunks):
        producer.cases(case_pairs[i::chunks])
        producer.events(event_values[i::chunks])
        producer.flush()
        time.sleep(0.1)
    producer.close()


def test_an_outage_of_the_sink_mid_stream_loses_nothing_and_commits_nothing_unstored(
    destination: Destination,
) -> None:
    settings = destination.settings
    last, records = outage_records()
    refs = expected_state(last)["events"]
    group = sink_options(Hub(settings)).group_id
    runner = build_sink_loop(Hub(settings), stuck_commit_s=STUCK_COMMIT_S)
    producing = threading.Thread(
        target=produce_slowly, args=(settings, records, refs, 30), daemon=True
    )
    with running(runner):
        producing.start()
        wait_until(lambda: runner.batches_written >= 2, 30, "the first batches", runner)
        destination.take_away()
        try:
            wait_until(lambda: runner.retries >= 3, 20, "retries against the missing store", runner)
            written, committed = runner.rows_written, committed_offsets(settings, group)
            # Nothing is committed that was not stored first (a commit may lag, never lead).
            assert sum(committed.values()) <= written
            producing.join(30)
            time.sleep(1.0)
            # While the store is away the sink neither stores nor commits anything more.
            assert committed_offsets(settings, group) == committed
            assert runner.rows_written == written
        finally:
            destination.bring_back()
        total = len(records) + len(refs)
        wait_until(
            lambda: runner.rows_written >= total, 30, "the backlog after the restart", runner
        )
        wait_until(
            lambda: committed_offsets(settings, group) == end_offsets(settings),
            20,
            "the final commit",
            runner,
            every_s=0.3,
        )
    assert not producing.is_alive()
    assert destination.holds() == expected_state(last)
    assert committed_offsets(settings, group) == end_offsets(settings)


def test_a_sink_stopped_during_an_outage_leaves_its_batch_to_the_next_one(
    destination: Destination,
) -> None:
    settings = destination.settings
    last, records = outage_records()
    refs = expected_state(last)["events"]
    group = sink_options(Hub(settings)).group_id
    first = build_sink_loop(Hub(settings), stuck_commit_s=STUCK_COMMIT_S)
    with running(first):
        produce_slowly(settings, records[:40], refs[:40], 2)
        wait_until(lambda: first.rows_written >= 80, 30, "the first half", first)
        destination.take_away()
        produce_slowly(settings, records[40:], refs[40:], 2)
        wait_until(lambda: first.retries >= 2, 20, "retries against the missing store", first)
        # Leaving the block stops the runner while the store is still away: the batch it held
        # was never stored, so it must not have been committed either.
    assert sum(committed_offsets(settings, group).values()) <= first.rows_written
    destination.bring_back()
    second = build_sink_loop(Hub(settings), stuck_commit_s=STUCK_COMMIT_S)
    with running(second):
        wait_until(
            lambda: committed_offsets(settings, group) == end_offsets(settings),
            30,
            "the rest, stored and committed by the second sink",
            first,
            second,
            every_s=0.3,
        )
    assert second.rows_written > 0
    assert destination.holds() == expected_state(last)


def test_two_sinks_with_their_own_groups_each_store_every_case(
    hub_settings: Settings, tmp_path: Path
) -> None:
    sql = sink_settings(hub_settings, f"sqlite:///{tmp_path / 'cases.db'}")
    path = tmp_path / "cases.jsonl"
    lines = sink_settings(hub_settings, "sqlite://", jsonl=path)
    lines = lines.model_copy(
        update={"sink": lines.sink.model_copy(update={"group_id": "department-file"})}
    )
    last = {f"D{i:02d}": 2 for i in range(10)}
    states = [case_versions(c, TOWNSHIPS[0], 2) for c in last]
    producer = Producer(sql)
    producer.cases(encoded_cases([s[k] for k in range(2) for s in states]))
    producer.events(encoded_events(expected_state(last)["events"]))
    producer.close()
    loops = [build_sink_loop(Hub(s), stuck_commit_s=STUCK_COMMIT_S) for s in (sql, lines)]
    groups = [sink_options(Hub(s)).group_id for s in (sql, lines)]
    assert groups == [f"{hub_settings.topic_prefix}-app-sink", "department-file"]
    with running(loops[0]), running(loops[1]):
        for group in groups:
            wait_until(
                lambda g=group: committed_offsets(sql, g) == end_offsets(sql),  # type: ignore[misc]
                30,
                f"group {group}",
                *loops,
                every_s=0.3,
            )
    assert stored(f"sqlite:///{tmp_path / 'cases.db'}") == expected_state(last)
    assert stored_lines(path) == expected_state(last)
