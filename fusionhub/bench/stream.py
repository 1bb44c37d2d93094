"""Kafka plumbing for the stream half of ``fusionhub bench correlate``.

Input is a simulated replay folder turned into ``fusionhub.Event`` records by the real ingest
pipeline, in event-time order (the order a live hub would receive them). Both contenders, the
real ``fusionhub worker`` process and an aiokafka pass-through, are measured the same way: by
the Kafka timestamps their producers give their outputs (``steady_rate``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import TopicPartition

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.ingest.pipeline import IngestPipeline
from fusionhub.replay import replay_inputs
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import CASE_SUBJECT, EVENT_SUBJECT
from fusionhub.sim.writer import simulate


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One ``fusionhub.Event`` as ingest produces it (county key, Avro value), and its ref."""

    ref: str
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class StreamRun:
    """One phase of the stream bench, built by the composition root: a hub of its own (topic
    prefix, worker group, web port), no clock ticks.

    ``env(data_dir, group, web_port)`` is the environment a child ``fusionhub`` process needs
    to be this run's worker (or, with another group, its floor agent).
    """

    clients: KafkaClients
    topics: TopicNames
    group: str
    web_port: int
    partitions: int
    codec: AvroCodec
    env: Callable[[Path, str, int], dict[str, str]]
    create_topics: Callable[[list[str]], object]
    # Creates the case topics of some counties, as ``fusionhub topics create-cases`` does.
    create_case_topics: Callable[[Iterable[str]], object]


def prepare_events(
    pipeline_for: Callable[[Path], IngestPipeline],
    codec: AvroCodec,
    n_events: int,
    seed: int = 7,
) -> list[EventRecord]:
    """Simulate ``n_events`` source records and convert them with the real ingest pipeline
    (``pipeline_for`` builds it with the simulated folder's camera registry).

    Called once per bench run; every round replays the same bytes. Rejected items and device
    health records are left out (they never reach the correlation worker).
    """
    with tempfile.TemporaryDirectory(prefix="fusionhub-bench-") as tmp:
        folder = Path(tmp)
        simulate(folder, seed, n_events)
        pipeline = pipeline_for(folder / "cameras.csv")
        topic = pipeline.topics.events
        timed: list[tuple[Any, int, EventRecord]] = []
        for source, payload in replay_inputs(folder):
            for rec in pipeline.prepare(source, payload).records:
                if rec.topic != topic:
                    continue
                decoded = codec.decode(rec.value, EVENT_SUBJECT)
                record = EventRecord(decoded["event_ref"], rec.key, rec.value)
                timed.append((decoded["occurred_at"], len(timed), record))
    timed.sort(key=lambda item: (item[0], item[1]))
    return [record for _, _, record in timed]


def steady_rate(completions_ms: Sequence[int]) -> float:
    """Inputs completed per second between the first and the last completion.

    Inputs completed at the first timestamp are not counted: their processing started before
    the span began (a Faust worker publishes a whole commit's outputs at once). Returns 0.0
    when every completion shares one millisecond.
    """
    if not completions_ms:
        return 0.0
    first, last = min(completions_ms), max(completions_ms)
    if last == first:
        return 0.0
    done = sum(1 for ts in completions_ms if ts > first)
    return done / ((last - first) / 1000)


def produce(clients: KafkaClients, topic: str, events: Sequence[EventRecord]) -> None:
    """Produce ``events`` to ``topic`` as fast as the broker acknowledges them."""
    producer = clients.producer("bench", acks="all", linger_ms=5, batch_size=262_144)
    try:
        for ev in events:
            producer.send(topic, ev.value, key=ev.key)
        producer.flush()
    finally:
        producer.close()


def produce_paced(
    clients: KafkaClients, topic: str, events: Sequence[EventRecord], rate: float
) -> dict[str, int]:
    """Produce ``events`` at ``rate`` per second; returns each ref's send time (epoch ms).

    The send time is also the record's Kafka timestamp, the start of its latency.
    """
    producer = clients.producer("bench", acks="all", linger_ms=5)
    sent: dict[str, int] = {}
    try:
        began = time.perf_counter()
        for i, ev in enumerate(events):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            now_ms = int(time.time() * 1000)
            producer.send(topic, ev.value, key=ev.key, timestamp_ms=now_ms)
            sent[ev.ref] = now_ms
        producer.flush()
    finally:
        producer.close()
    return sent


def read_topic(clients: KafkaClients, topic: str) -> list[Any]:
    """Every record of ``topic`` from its start to its current end (kafka-python records)."""
    consumer = clients.consumer(role="bench", enable_auto_commit=False)
    try:
        parts = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not parts:
            return []
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        records: list[Any] = []
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for batch in consumer.poll(timeout_ms=500, max_records=5000).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def first_case_times(codec: AvroCodec, records: Sequence[Any]) -> dict[str, int]:
    """For each event ref, the timestamp (ms) of the first case state that lists it."""
    first: dict[str, int] = {}
    for rec in sorted(records, key=lambda r: (r.timestamp, r.partition, r.offset)):
        for ref in codec.decode(rec.value, CASE_SUBJECT)["event_refs"]:
            first.setdefault(ref, rec.timestamp)
    return first


def group_caught_up(clients: KafkaClients, group: str, topic: str) -> bool:
    """True when ``group`` has committed the end of every partition of ``topic``."""
    # Fetching committed offsets does not join the group, so the worker is not disturbed.
    consumer = clients.consumer(role="bench", group_id=group, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(parts)
        return bool(parts) and all((consumer.committed(tp) or 0) >= ends[tp] for tp in parts)
    finally:
        consumer.close()


def free_port() -> int:
    """A loopback port free right now, for a child's web server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WORKER_COMMAND = ("-m", "fusionhub", "worker", "--loglevel", "warning")


@contextmanager
def running_worker(
    env: Mapping[str, str], workdir: Path, command: Sequence[str] = WORKER_COMMAND
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``python -m fusionhub worker`` (or ``python COMMAND``) in environment ``env``
    (what ``StreamRun.env`` gives), stopped with SIGTERM on exit.

    Its output goes to ``workdir/worker.log``; ``wait_for_worker`` quotes it on failure.
    """
    full = dict(os.environ)
    full.update(env)
    with (workdir / "worker.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, *command],
            env=full,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_worker(
    run: StreamRun, group: str, proc: subprocess.Popen[bytes], workdir: Path, timeout_s: float
) -> None:
    """Return once ``group`` committed the whole event log of ``run``; raise if the process
    died or timed out."""
    topic = run.topics.events
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited ({proc.returncode}):\n{_tail(workdir)}")
        if group_caught_up(run.clients, group, topic):
            return
        time.sleep(0.3)
    raise TimeoutError(f"worker did not finish {topic} in {timeout_s:.0f}s:\n{_tail(workdir)}")


def _tail(workdir: Path, lines: int = 30) -> str:
    log = workdir / "worker.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def pass_through(
    clients: KafkaClients, source: str, target: str, expected: int, group: str
) -> None:
    """Copy ``expected`` values from ``source`` to ``target`` unchanged with aiokafka.

    The baseline a Python stream processor is held against: consume a batch, send every value
    without awaiting each, wait for the batch's acks, commit, repeat.
    """
    asyncio.run(_pass_through(clients, source, target, expected, group))


async def _pass_through(
    clients: KafkaClients, source: str, target: str, expected: int, group: str
) -> None:
    consumer = clients.async_consumer(
        source,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = clients.async_producer("bench", acks="all")
    await consumer.start()
    await producer.start()
    try:
        moved = 0
        while moved < expected:
            fetched = await consumer.getmany(timeout_ms=1000, max_records=1000)
            pending = [
                await producer.send(target, rec.value, key=rec.key)
                for batch in fetched.values()
                for rec in batch
            ]
            await asyncio.gather(*pending)
            await consumer.commit()
            moved += len(pending)
    finally:
        await producer.stop()
        await consumer.stop()
