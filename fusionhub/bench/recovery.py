"""``fusionhub bench recovery``: how long a second worker takes to take a partition over after
the first is killed with SIGKILL, by the history in the partition's log.

For each history size: a one-partition event log holds that many records of a realistic history
(``bench.history``: reports, and the actions closing most cases within days). Worker A works
through it, writing snapshots as it goes; worker B joins and keeps a standby copy. Then more
live records arrive (so the holder is some way past its last snapshot, as it would be), the
holder is killed with SIGKILL, and a report is produced at once: the takeover time runs from the
kill to that report's case on ``cases.all``. It includes the broker noticing the death (the
session timeout, 6 s here, the broker's minimum), the rebalance, the restore and the replay of
the records after the snapshot. The survivor is stopped, and its last snapshot's cases must
equal those of the uninterrupted run (the history correlated in-process as it was generated).
A cold restore (state topic to a ready state, without a standby copy) is timed too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from kafka import TopicPartition

from fusionhub.bench import stream
from fusionhub.bench.history import History, Record
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.core.snapshot import restore_state
from fusionhub.heap import paused_collector
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import CASE_SUBJECT
from fusionhub.streams.logreader import LogReader
from fusionhub.streams.restore import read_recent, usable

SESSION_TIMEOUT_S = 6.0
TARGET_TAKEOVER_S = 10.0
TARGET_RATIO = 2.0
TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class RecoveryRun:
    """One history size's hub, built by the composition root: topics of its own with one
    event-log partition, a worker group with standby copies on, no clock ticks.

    ``env(data_dir, web_port)`` is the environment a child ``fusionhub worker`` needs to be one
    of this run's workers; ``create_topics`` makes the hub's topics (state topic included) with
    their configuration, ``drop_topics`` deletes them afterwards.
    """

    clients: KafkaClients
    topics: TopicNames
    group: str
    codec: AvroCodec
    policy: CorrelationPolicy
    env: Callable[[Path, int], dict[str, str]]
    create_topics: Callable[[], object]
    drop_topics: Callable[[], object]


class Worker:
    """One ``fusionhub worker`` process of the bench, with its metrics page."""

    def __init__(self, run: RecoveryRun, workdir: Path, name: str) -> None:
        self.port = stream.free_port()
        env = run.env(workdir / name, self.port)
        env["FUSIONHUB_STREAMS__SESSION_TIMEOUT_S"] = str(SESSION_TIMEOUT_S)
        self.log = workdir / f"{name}.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *stream.WORKER_COMMAND],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def metric(self, name: str, labels: str = "") -> float | None:
        """The value of a sample of this worker's /metrics, or None (not up, or not there)."""
        try:
            page = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        except httpx.HTTPError:
            return None
        prefix = f"{name}{{{labels}}}" if labels else name
        for line in page.splitlines():
            if line.startswith(prefix + " "):
                return float(line.rsplit(" ", 1)[1])
        return None

    def holds(self) -> bool:
        """Whether this worker holds partition 0."""
        return self.metric("fusionhub_partition_held", 'partition="0"') == 1.0

    def stop(self) -> None:
        """SIGTERM (the worker writes a last snapshot), SIGKILL after a minute."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _wait(what: str, done: Any, timeout_s: float = TIMEOUT_S) -> None:
    began = time.monotonic()
    while not done():
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"waited {timeout_s:.0f}s for {what}")
        time.sleep(0.2)
    # Progress on stderr: the result is the one JSON line on stdout.
    print(f"recovery: {what}: {time.monotonic() - began:.1f} s", file=sys.stderr)


def _produce(run: RecoveryRun, records: list[Record]) -> None:
    producer = run.clients.producer("bench", acks="all", linger_ms=5, batch_size=262_144)
    topic = run.topics.events
    for key, value in records:
        producer.send(topic, value, key=key, partition=0)
    producer.flush()
    producer.close()


def _caught_up(run: RecoveryRun) -> bool:
    return stream.group_caught_up(run.clients, run.group, run.topics.events)


def _case_timestamp(run: RecoveryRun, ref: str, since: dict[TopicPartition, int]) -> float:
    """The Kafka timestamp (s) of the first case state on ``cases.all`` listing ``ref``."""
    codec = run.codec
    consumer = run.clients.consumer(role="bench", enable_auto_commit=False)
    consumer.assign(list(since))
    for tp, offset in since.items():
        consumer.seek(tp, offset)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    if ref in codec.decode(r.value, CASE_SUBJECT)["event_refs"]:
                        return float(r.timestamp) / 1000
        raise TimeoutError(f"no case listing {ref}")
    finally:
        consumer.close()


def _ends(run: RecoveryRun, topic: str) -> dict[TopicPartition, int]:
    consumer = run.clients.consumer(role="bench")
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    ends: dict[TopicPartition, int] = consumer.end_offsets(parts)
    consumer.close()
    return ends


async def _cold_restore(run: RecoveryRun) -> tuple[float, int, dict[str, Any]]:
    """Time a restore from the state topic alone; the snapshot's size and its cases."""
    codec, policy = run.codec, run.policy
    reader = LogReader(run.clients)
    began = time.perf_counter()
    topic = run.topics.state(run.group)
    # As the worker restores (partitions.Partitions._restore).
    with paused_collector():
        records, _ = await read_recent(reader, codec, topic, 0)
        found = usable(codec, records.complete(codec))
        assert found is not None, "no complete snapshot on the state topic"
        snapshot, entries = found
        restore_state(policy, entries, snapshot.head.watermark, snapshot.head.unpruned)
    seconds = time.perf_counter() - began
    await reader.stop()
    size = sum(
        len(v)
        for k, v in records.values.items()
        if k.startswith(b"0/" + snapshot.head.slot.encode())
    )
    return seconds, size, {e.case.case_id: e.case for e in entries}


def measure_size(
    run: RecoveryRun, workdir: Path, size: int, live: int, per_day: int
) -> dict[str, Any]:
    """One history size: the takeover after SIGKILL, and whether the cases came out right."""
    workdir.mkdir(parents=True, exist_ok=True)
    run.create_topics()
    history = History(run.policy, run.codec, per_day, seed=3)
    _produce(run, list(history.records(size)))
    workers = [Worker(run, workdir, "a")]
    try:
        _wait("worker A to work through the history", lambda: _caught_up(run))
        workers.append(Worker(run, workdir, "b"))
        b = workers[1]
        _wait("worker B to keep a standby copy, or to hold the partition", lambda: (
            b.holds() or (b.metric("fusionhub_standby_offset", 'partition="0"') or -1) > 0
        ))  # fmt: skip
        _produce(run, list(history.records(live)))
        _wait("the live records", lambda: _caught_up(run))
        figures = _takeover(run, history, *(workers if workers[0].holds() else workers[::-1]))
        cold_s, snapshot_bytes, restored = asyncio.run(_cold_restore(run))
        expected = {c.case_id: c for c in history.book.cases()}
        return {
            "history_records": size,
            "history_days": round(history.days, 1),
            "live_records": live,
            "cases_held": len(expected),
            "snapshot_bytes": snapshot_bytes,
            **figures,
            "cold_restore_s": round(cold_s, 2),
            "cases_equal": restored == expected,
        }
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait()
        run.drop_topics()


def _takeover(
    run: RecoveryRun, history: History, holder: Worker, survivor: Worker
) -> dict[str, Any]:
    """Kill the holder, produce a report at once, time its case; stop the survivor after."""
    since = _ends(run, run.topics.cases_all)
    probe = history.through_next_report()
    holder.proc.kill()
    killed = time.time()
    _produce(run, probe)
    takeover = _case_timestamp(run, history.last_ref, since) - killed
    _wait("the survivor to catch up", lambda: _caught_up(run))
    restore_s = survivor.metric("fusionhub_partition_restore_seconds", 'partition="0"')
    sources = ("standby", "snapshot", "log")
    label = 'partition="0",source="{}"'
    restored_from = [
        s for s in sources if survivor.metric("fusionhub_partitions_rebuilt_total", label.format(s))
    ]
    survivor.stop()
    holder.proc.wait()
    return {
        "takeover_s": round(takeover, 2),
        "survivor_restore_s": None if restore_s is None else round(restore_s, 2),
        "restored_from": restored_from[0] if restored_from else "none",
    }


def bench_recovery(
    new_run: Callable[[int], RecoveryRun],
    workdir: Path,
    sizes: list[int],
    live: int,
    per_day: int,
    *,
    snapshot_every: int,
) -> dict[str, Any]:
    """Every size in turn (``new_run(size)`` gives each its own hub); the JSON line of
    ``fusionhub bench recovery``. ``snapshot_every`` is the workers' snapshot interval in
    records, reported beside the figures."""
    rows = [
        measure_size(new_run(size), workdir / f"h{size}", size, live, per_day)
        for size in sorted(sizes)
    ]
    return {
        "bench": "recovery",
        "session_timeout_s": SESSION_TIMEOUT_S,
        "reports_per_day": per_day,
        "snapshot_every_records": snapshot_every,
        "sizes": rows,
        "takeover_ratio_largest_to_smallest": round(
            rows[-1]["takeover_s"] / rows[0]["takeover_s"], 2
        ),
        "target_takeover_s": TARGET_TAKEOVER_S,
        "target_ratio": TARGET_RATIO,
    }
