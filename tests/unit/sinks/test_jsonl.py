"""The JSON Lines case sink: idempotent lines, torn lines survived, an unreachable file retried,
and the same loop as the SQL store feeding it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from kafka import TopicPartition

from fusionhub.bus.topics import TopicNames
from fusionhub.serialization.records import CASE_SUBJECT, EVENT_SUBJECT
from fusionhub.sinks import JsonLinesCaseSink, RetriableSinkError, SinkBatch, SinkLoop
from fusionhub.sinks.jsonl import read_records
from fusionhub.sinks.loop import SinkLoopOptions
from tests.unit.sinks.builders import CODEC, case_record, event_record
from tests.unit.sinks.fakes import FakeConsumer

pytestmark = pytest.mark.unit

TOPICS = TopicNames("t")


def batch(*cases: tuple[str, int], events: tuple[str, ...] = ()) -> SinkBatch:
    return SinkBatch(
        [case_record(case_id, version) for case_id, version in cases],
        [event_record(ref) for ref in events],
    )


def written(path: Path) -> list[tuple[str, str]]:
    """(kind, key) of every line, in file order."""
    return [
        (
            item["kind"],
            f"{item['record']['case_id']}@{item['record']['version']}"
            if item["kind"] == "case"
            else item["record"]["event_ref"],
        )
        for item in read_records(path)
    ]


def test_each_case_version_and_event_is_one_line_with_times_in_iso_8601(tmp_path: Path) -> None:
    path = tmp_path / "out" / "cases.jsonl"
    sink = JsonLinesCaseSink(path)
    sink.write(batch(("C1", 1), ("C1", 2), events=("grid:C1-1",)))
    sink.flush()
    sink.close()
    assert written(path) == [("case", "C1@1"), ("case", "C1@2"), ("event", "grid:C1-1")]
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["record"]["opened_at"] == "2026-11-25T00:00:00+00:00"


def test_a_batch_written_again_adds_nothing_even_by_a_restarted_sink(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    first = JsonLinesCaseSink(path)
    first.write(batch(("C1", 1), events=("grid:C1-1",)))
    first.flush()
    first.write(batch(("C1", 1), ("C1", 1), events=("grid:C1-1",)))
    first.flush()
    again = JsonLinesCaseSink(path)
    again.write(batch(("C1", 1), ("C2", 1), events=("grid:C1-1",)))
    again.flush()
    assert written(path) == [("case", "C1@1"), ("event", "grid:C1-1"), ("case", "C2@1")]


def test_a_torn_last_line_left_by_a_crash_is_skipped_and_the_record_written_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.jsonl"
    sink = JsonLinesCaseSink(path)
    sink.write(batch(("C1", 1)))
    sink.flush()
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"kind": "case", "record": {"case_id": "C2", "vers')
    restarted = JsonLinesCaseSink(path)
    restarted.write(batch(("C2", 1)))
    restarted.flush()
    assert written(path) == [("case", "C1@1"), ("case", "C2@1")]


def test_a_folder_that_is_gone_is_unavailable_and_nothing_is_remembered_as_written(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "share"
    sink = JsonLinesCaseSink(folder / "cases.jsonl")
    sink.write(batch(("C1", 1)))
    sink.flush()
    shutil.rmtree(folder)
    folder.write_text("a file where the folder was")  # so the folder cannot be made again
    with pytest.raises(RetriableSinkError, match="cannot"):
        sink.write(batch(("C2", 1)))
    folder.unlink()
    folder.mkdir()
    sink.write(batch(("C1", 1), ("C2", 1)))
    sink.flush()
    # C1 was on the file that went away: only what the new file lacks is written to it.
    assert written(folder / "cases.jsonl") == [("case", "C2@1")]


def test_the_loop_retries_a_batch_while_the_file_is_unreachable_and_loses_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    cases_0, events_0 = TopicPartition(TOPICS.cases_all, 0), TopicPartition(TOPICS.events, 0)
    consumer = FakeConsumer(
        {
            cases_0: [CODEC.encode(CASE_SUBJECT, case_record(f"C{i}", 1)) for i in range(6)],
            events_0: [CODEC.encode(EVENT_SUBJECT, event_record(f"grid:C{i}-1")) for i in range(6)],
        }
    )
    sink = JsonLinesCaseSink(folder / "cases.jsonl")
    options = SinkLoopOptions("t-sink", batch_size=4, batch_wait_ms=30, retry_initial_s=0.01)
    loop = SinkLoop(sink, lambda: consumer, topics=TOPICS, codec=CODEC, options=options)
    assert loop.run_once() == 4
    before = dict(consumer.committed)
    hidden = folder.rename(tmp_path / "elsewhere")
    (tmp_path / "share").write_text("not a folder")
    original_wait = loop._wait_paused
    restored: list[bool] = []

    def wait_then_restore(seconds: float, stop: object) -> bool:
        if loop.retries >= 2 and not restored:
            assert consumer.committed == before  # nothing unstored is committed
            (tmp_path / "share").unlink()
            hidden.rename(tmp_path / "share")
            restored.append(True)
        return original_wait(seconds, None)

    loop._wait_paused = wait_then_restore  # type: ignore[method-assign]
    while loop.run_once():
        pass
    assert restored
    assert consumer.committed == {cases_0: 6, events_0: 6}
    keys = written(tmp_path / "share" / "cases.jsonl")
    assert sorted(keys) == sorted(
        [("case", f"C{i}@1") for i in range(6)] + [("event", f"grid:C{i}-1") for i in range(6)]
    )
