"""A worker killed with SIGKILL mid-stream and started again ends with exactly the cases an
uninterrupted run gives; the same when two workers share the partitions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fusionhub.bus.topics import TopicNames
from fusionhub.settings import Settings
from fusionhub.sim.writer import simulate
from tests.integration.streams.harness import (
    case_states,
    copy_log,
    final_cases,
    ingest_folder,
    run_until_done,
    start_worker,
    stop_worker,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    simulate(folder, seed=11, n_events=2500, days=10)
    return folder


def uninterrupted(settings: Settings, tmp: Path) -> dict[str, dict]:
    group = f"{settings.topic_prefix}-a"
    worker = start_worker(settings, group, tmp / "a.log")
    try:
        records = run_until_done(settings, group)
    finally:
        assert stop_worker(worker) == 0, (tmp / "a.log").read_text()[-3000:]
    assert len(records) == len({(r["case_id"], r["version"]) for r in records})
    return final_cases(records)


def kill_when_busy(settings: Settings, worker: object, min_records: int) -> None:
    topic = TopicNames(settings.topic_prefix).cases_all
    deadline = time.monotonic() + 120
    while len(case_states(settings, topic)) < min_records:
        assert time.monotonic() < deadline, "the worker produced nothing to interrupt"
        time.sleep(0.3)
    worker.kill()  # SIGKILL: no shutdown, no final commit
    worker.wait()


def test_a_worker_killed_mid_stream_ends_with_the_cases_of_an_uninterrupted_run(
    hub_settings: Settings, sim_folder: Path, tmp_path: Path
) -> None:
    accepted = ingest_folder(hub_settings, sim_folder)
    assert accepted > 2000
    expected = uninterrupted(hub_settings, tmp_path)

    run = hub_settings.model_copy(update={"topic_prefix": hub_settings.topic_prefix + "k"})
    copy_log(hub_settings, hub_settings.topic_prefix, run.topic_prefix)
    group = f"{run.topic_prefix}-b"
    first = start_worker(run, group, tmp_path / "b.log")
    kill_when_busy(run, first, min_records=len(expected) // 3)
    second = start_worker(run, group, tmp_path / "b.log")
    try:
        got = final_cases(run_until_done(run, group))
    finally:
        assert stop_worker(second) == 0
    assert got == expected
    assert sum(len(c["event_refs"]) for c in got.values()) == accepted


def test_two_workers_sharing_partitions_one_killed_end_with_the_same_cases(
    hub_settings: Settings, sim_folder: Path, tmp_path: Path
) -> None:
    ingest_folder(hub_settings, sim_folder)
    expected = uninterrupted(hub_settings, tmp_path)

    run = hub_settings.model_copy(update={"topic_prefix": hub_settings.topic_prefix + "w"})
    copy_log(hub_settings, hub_settings.topic_prefix, run.topic_prefix)
    group = f"{run.topic_prefix}-c"
    one = start_worker(run, group, tmp_path / "c1.log")
    two = start_worker(run, group, tmp_path / "c2.log")
    try:
        kill_when_busy(run, one, min_records=len(expected) // 3)
        got = final_cases(run_until_done(run, group))
        restarted = start_worker(run, group, tmp_path / "c1.log")
        time.sleep(3)  # a rebalance hands partitions back; nothing new may appear
        again = final_cases(run_until_done(run, group))
        assert stop_worker(restarted) == 0
    finally:
        assert stop_worker(two) == 0
    assert got == expected
    assert again == expected
