from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from kafka import TopicPartition
from sqlalchemy import Engine, func, select
from sqlalchemy import exc as sa_exc

from fusionhub.bus.topics import TopicNames
from fusionhub.serialization.records import CASE_SUBJECT, EVENT_SUBJECT
from fusionhub.sinks import CaseSink, SinkLoop, SinkLoopOptions, SqlCaseStore
from fusionhub.sinks.loop import UndecodableHook, log_undecodable
from fusionhub.sinks.schema import cases, events
from tests.unit.sinks.builders import CODEC, case_record, event_record
from tests.unit.sinks.fakes import FakeConsumer, FlakyStore

pytestmark = pytest.mark.unit

TOPICS = TopicNames("t")
CASES_0 = TopicPartition(TOPICS.cases_all, 0)
EVENTS_0 = TopicPartition(TOPICS.events, 0)


def sink_loop(
    sink: CaseSink,
    consumer_factory: Callable[[], Any],
    batch_size: int = 100,
    *,
    stuck_commit_s: float = 30.0,
    on_undecodable: UndecodableHook = log_undecodable,
) -> SinkLoop:
    options = SinkLoopOptions(
        group_id="t-sink",
        batch_size=batch_size,
        batch_wait_ms=30,
        retry_initial_s=0.01,
        retry_max_s=0.04,
        stuck_commit_s=stuck_commit_s,
    )
    return SinkLoop(
        sink,
        consumer_factory,
        topics=TOPICS,
        codec=CODEC,
        options=options,
        on_undecodable=on_undecodable,
    )


def logs(
    n: int, garbage: tuple[bytes | None, ...] = ()
) -> dict[TopicPartition, list[bytes | None]]:
    case_values: list[bytes | None] = [
        CODEC.encode(CASE_SUBJECT, case_record(f"C{i}", 1)) for i in range(n)
    ]
    event_values: list[bytes | None] = [
        CODEC.encode(EVENT_SUBJECT, event_record(f"grid:C{i}-1")) for i in range(n)
    ]
    return {CASES_0: case_values, EVENTS_0: [*event_values, *garbage]}


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_batch_is_retried_with_doubling_backoff_and_committed_only_once_stored(
    store: SqlCaseStore, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = FakeConsumer(logs(5))
    seen: list[tuple[dict[TopicPartition, int], set[TopicPartition]]] = []
    flaky = FlakyStore(
        store,
        failures=4,
        on_failure=lambda: seen.append((dict(consumer.committed), consumer.paused())),
    )
    runner = sink_loop(flaky, lambda: consumer)
    with caplog.at_level(logging.WARNING, logger="fusionhub.sinks.loop"):
        assert runner.run_once() == 10
    assert [committed for committed, _ in seen] == [{}] * 4
    assert all(paused == {CASES_0, EVENTS_0} for _, paused in seen[1:])
    delays = re.findall(r"retrying the batch in ([\d.]+)s", caplog.text)
    assert delays == ["0.01", "0.02", "0.04", "0.04"]
    assert consumer.committed == {CASES_0: 5, EVENTS_0: 5}
    assert consumer.paused() == set()
    assert (runner.retries, runner.batches_written, runner.rows_written) == (4, 1, 10)
    assert runner.last_commit_at is not None
    assert (count(engine, cases), count(engine, events)) == (5, 5)


def test_undecodable_records_are_counted_handed_to_the_hook_and_committed_past(
    store: SqlCaseStore, engine: Engine
) -> None:
    refused: list[tuple[int, str]] = []
    consumer = FakeConsumer(logs(2, garbage=(b"not avro", None)))
    runner = sink_loop(
        store,
        lambda: consumer,
        on_undecodable=lambda record, reason: refused.append((record.offset, reason)),
    )
    runner.run_once()
    assert runner.undecodable == 2
    assert [offset for offset, _ in refused] == [2, 3]
    assert "magic byte" in refused[0][1]
    assert "tombstone" in refused[1][1]
    assert consumer.committed == {CASES_0: 2, EVENTS_0: 4}
    assert count(engine, events) == 2


def test_stopping_during_an_outage_commits_nothing_so_the_batch_comes_again(
    store: SqlCaseStore, engine: Engine
) -> None:
    store.ensure_schema()
    stop = threading.Event()
    consumer = FakeConsumer(logs(3))
    runner = sink_loop(FlakyStore(store, 10**6, stop.set), lambda: consumer)
    assert runner.run_once(stop) == 0
    assert consumer.committed == {}
    assert count(engine, cases) == 0


def test_records_fetched_during_an_outage_after_a_rebalance_are_not_lost(
    store: SqlCaseStore, engine: Engine
) -> None:
    consumer = FakeConsumer(logs(6))
    flaky = FlakyStore(
        store, failures=2, on_failure=lambda: setattr(consumer, "forget_pauses_on_next_poll", True)
    )
    runner = sink_loop(flaky, lambda: consumer, batch_size=4)
    while runner.run_once():
        pass
    assert consumer.committed == {CASES_0: 6, EVENTS_0: 6}
    assert (count(engine, cases), count(engine, events)) == (6, 6)


def test_a_database_error_that_retrying_cannot_cure_stops_the_runner_uncommitted(
    store: SqlCaseStore,
) -> None:
    consumer = FakeConsumer(logs(1))
    error = sa_exc.IntegrityError("INSERT", {}, Exception("constraint"))
    runner = sink_loop(FlakyStore(store, 1, error=error), lambda: consumer)
    with pytest.raises(sa_exc.IntegrityError):
        runner.run(threading.Event())
    assert consumer.committed == {}
    assert consumer.closed


def test_offsets_of_a_batch_whose_commit_failed_are_committed_with_a_later_one(
    store: SqlCaseStore,
) -> None:
    consumer = FakeConsumer(logs(3))
    consumer.failing_commits = 1
    runner = sink_loop(store, lambda: consumer, batch_size=4)
    runner.run_once()
    assert consumer.committed == {}
    assert runner.commit_failures == 1
    runner.run_once()
    assert consumer.committed == {CASES_0: 3, EVENTS_0: 3}


def test_a_consumer_whose_commits_keep_failing_is_rebuilt_and_the_rebuilt_one_catches_up(
    store: SqlCaseStore, engine: Engine
) -> None:
    wedged, fresh = FakeConsumer(logs(4)), FakeConsumer(logs(4))
    wedged.failing_commits = 10**6
    made = iter([wedged, fresh])
    runner = sink_loop(store, lambda: next(made), batch_size=3, stuck_commit_s=0.05)
    for _ in range(8):
        runner.run_once()
    assert wedged.closed
    assert runner.consumer_rebuilds == 1
    assert fresh.committed == {CASES_0: 4, EVENTS_0: 4}
    assert (count(engine, cases), count(engine, events)) == (4, 4)
