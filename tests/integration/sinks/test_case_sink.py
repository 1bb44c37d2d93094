from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.sink import build_sink_loop, sink_options
from fusionhub.settings import Settings
from fusionhub.sinks import CaseQueries, SinkLoop, migrate, open_engine
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


def outage_fixture(hub_settings: Settings, url: str) -> tuple[Settings, dict[str, int], list[Any]]:
    """Settings and the records of an outage test: 60 cases in 2 versions and their events."""
    settings = sink_settings(hub_settings, url, batch_size=15)
    last = {f"O{i:03d}": 2 for i in range(60)}
    states = [case_versions(c, TOWNSHIPS[i % 4], 2) for i, c in enumerate(last)]
    return settings, last, [s[k] for k in range(2) for s in states]


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


def test_a_database_outage_mid_stream_loses_nothing_and_commits_nothing_unstored(
    hub_settings: Settings, fresh_postgres_url: str, postgres_cluster: PostgresCluster
) -> None:
    settings, last, records = outage_fixture(hub_settings, fresh_postgres_url)
    refs = expected_state(last)["events"]
    group = sink_options(Hub(settings)).group_id
    runner = build_sink_loop(Hub(settings), stuck_commit_s=STUCK_COMMIT_S)
    producing = threading.Thread(
        target=produce_slowly, args=(settings, records, refs, 30), daemon=True
    )
    with running(runner):
        producing.start()
        wait_until(lambda: runner.batches_written >= 2, 30, "the first batches", runner)
        postgres_cluster.stop()
        try:
            wait_until(
                lambda: runner.retries >= 3, 20, "retries against the stopped database", runner
            )
            written, committed = runner.rows_written, committed_offsets(settings, group)
            # Nothing is committed that was not stored first (a commit may lag, never lead).
            assert sum(committed.values()) <= written
            producing.join(30)
            time.sleep(1.0)
            # While the database is down the sink neither stores nor commits anything more.
            assert committed_offsets(settings, group) == committed
            assert runner.rows_written == written
        finally:
            postgres_cluster.start()
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
    assert stored(fresh_postgres_url) == expected_state(last)
    assert committed_offsets(settings, group) == end_offsets(settings)


def test_a_sink_stopped_during_an_outage_leaves_its_batch_to_the_next_one(
    hub_settings: Settings, fresh_postgres_url: str, postgres_cluster: PostgresCluster
) -> None:
    settings, last, records = outage_fixture(hub_settings, fresh_postgres_url)
    refs = expected_state(last)["events"]
    group = sink_options(Hub(settings)).group_id
    first = build_sink_loop(Hub(settings), stuck_commit_s=STUCK_COMMIT_S)
    with running(first):
        produce_slowly(settings, records[:40], refs[:40], 2)
        wait_until(lambda: first.rows_written >= 80, 30, "the first half", first)
        postgres_cluster.stop()
        produce_slowly(settings, records[40:], refs[40:], 2)
        wait_until(lambda: first.retries >= 2, 20, "retries against the stopped database", first)
        # Leaving the block stops the runner while the database is still down: the batch it
        # held was never stored, so it must not have been committed either.
    assert sum(committed_offsets(settings, group).values()) <= first.rows_written
    postgres_cluster.start()
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
    assert stored(fresh_postgres_url) == expected_state(last)
