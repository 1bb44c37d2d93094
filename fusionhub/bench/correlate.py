"""``fusionhub bench correlate``: the correlation engine alone, then the stream worker on Kafka.

Engine: ``fusionhub.bench.engine.measure_engine`` per backlog size, each run in a fresh
process so that its peak-RSS growth is that backlog's and nothing left over from a smaller
one. Sizes up to 100k run three times (median); a million once (about 100 s of pre-fill).
RSS growth undercounts small backlogs (memory freed while loading villages is reused), so
sizes below 100k are also traced with tracemalloc.

Full garbage collections (generation 2) used to scan the whole heap: about 0.25 s at 100k open
cases and 2 s at a million. The engine now freezes its heap as the worker does (every
``streams.freeze_every_records`` events and once the backlog is in), so a full collection scans
only what was made since. ``longest_full_gc_s`` is the longest from the start of the pre-fill,
or the one forced after the timed events (``forced_full_gc_s``: what a full collection costs at
that size) if longer. Sizes are compared on ``cost_per_event_us``: the median timed slice
without full collections plus their total over the run spread over every event of it
(``full_gc_us_per_event``).

Stream: the real ``fusionhub worker`` process and an aiokafka pass-through read the same event
log (produced before either starts) in alternating order, several rounds; the rate of each is
taken from its outputs' Kafka timestamps (``stream.steady_rate``), and the ratio per round
before the median. Two more contenders (``fusionhub.bench.faust_floor``) are Faust agents that
do no work: one copies the log (the most any Faust worker could reach here), the other
publishes the worker's own outputs, worked out beforehand (the most this worker could reach
with decoding, correlating and encoding free).

Latency: a fresh worker, warmed up, then events paced at half the worker's median rate; each
event's latency runs from its produce timestamp to the timestamp of the first case state on
``cases.all`` listing it. The case topics of the log's counties are created first, as an
operator does at deployment (``fusionhub topics create-cases``): made during the paced phase,
they slowed the broker's other traffic and p99 reached 250 ms in 6 of 8 runs, against 3 of 18
with them made first (docs/state.md section 8).
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from fusionhub.bench import engine as bench_engine
from fusionhub.bench import faust_floor, stream
from fusionhub.bench.stream import EventRecord, StreamRun
from fusionhub.streams.worker import worker_topics

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
TARGET_COST_RATIO = 1.5
TARGET_BYTES_PER_CASE = 2048
TARGET_STREAM_RATIO = 0.25
TARGET_FLOOR_FRACTION = 0.6
TARGET_P99_MS = 250
TARGET_LONGEST_FULL_GC_S = 0.1
WARMUP_EVENTS = 200
WORKER_TIMEOUT_S = 300.0


def measure_with_full_gcs(open_cases: int, events: int, trace_memory: bool) -> dict[str, Any]:
    """``measure_engine`` with the full collections it triggered timed and taken apart.

    Runs in the child process of ``_in_fresh_process``. Collections before the pre-fill
    began (loading the villages' table at start-up, with no case yet) are not the engine's and
    are left out, as is the one the harness forces after its timed events (reported apart as
    ``forced_full_gc_s``). The part of a collection inside a timed slice is taken out of that
    slice's cost; all of them together are spread over every event of the run.
    """
    pauses: list[tuple[float, float]] = []
    began = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append((began[0], time.perf_counter()))

    gc.callbacks.append(on_gc)
    try:
        result = bench_engine.measure_engine(open_cases, events, 300, trace_memory)
    finally:
        gc.callbacks.remove(on_gc)
    chunks = result.pop("chunks")
    first, last = result.pop("prefill_began"), chunks[-1][1]
    pauses = [(a, b) for a, b in pauses if a >= first and b <= last]
    net_us = 1e6 * statistics.median(
        (stop - start - sum(max(0.0, min(b, stop) - max(a, start)) for a, b in pauses)) / n
        for start, stop, n in chunks
    )
    gc_us = sum(b - a for a, b in pauses) / (open_cases + events) * 1e6
    longest = max((b - a for a, b in pauses), default=0.0)
    return {
        **result,
        "us_per_event_without_full_gc": round(net_us, 1),
        "full_gc_us_per_event": round(gc_us, 1),
        "cost_per_event_us": round(net_us + gc_us, 1),
        "full_gcs": len(pauses),
        "longest_full_gc_s": round(max(longest, result["forced_full_gc_s"]), 3),
    }


def _in_fresh_process(open_cases: int, events: int, trace_memory: bool) -> dict[str, Any]:
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(measure_with_full_gcs, open_cases, events, trace_memory).result()


def engine_size(open_cases: int, events: int) -> dict[str, Any]:
    """The figures of one backlog size: the run of median cost, RSS and traced memory."""
    runs = [
        _in_fresh_process(open_cases, events, False)
        for _ in range(3 if open_cases <= 100_000 else 1)
    ]
    middle = sorted(runs, key=lambda r: r["cost_per_event_us"])[len(runs) // 2]
    figures = {
        **middle,
        "runs": len(runs),
        "us_per_event_runs": [r["us_per_event"] for r in runs],
        "cost_per_event_us_runs": [r["cost_per_event_us"] for r in runs],
        "bytes_per_open_case": round(statistics.median(r["bytes_per_open_case"] for r in runs)),
    }
    if open_cases < 100_000:
        traced = _in_fresh_process(open_cases, events, True)
        figures["traced_bytes_per_open_case"] = traced["bytes_per_open_case"]
    return figures


def engine_figures(sizes: Sequence[int], events: int) -> dict[str, Any]:
    """Every size, the cost of the largest against the smallest, the worst memory per case."""
    rows = [engine_size(size, events) for size in sorted(sizes)]
    worst_bytes = max(
        max(r["bytes_per_open_case"], r.get("traced_bytes_per_open_case", 0)) for r in rows
    )
    return {
        "timed_events": events,
        "memory": "peak RSS growth during pre-fill in a fresh process, per open case",
        "sizes": rows,
        "cost_ratio": round(rows[-1]["cost_per_event_us"] / rows[0]["cost_per_event_us"], 2),
        "raw_cost_ratio": round(rows[-1]["us_per_event"] / rows[0]["us_per_event"], 2),
        "target_cost_ratio": TARGET_COST_RATIO,
        "max_bytes_per_open_case": worst_bytes,
        "target_bytes_per_open_case": TARGET_BYTES_PER_CASE,
        "longest_full_gc_s": max(r["longest_full_gc_s"] for r in rows),
        "target_longest_full_gc_s": TARGET_LONGEST_FULL_GC_S,
    }


# A phase's run of its own, for a base name (the composition root builds it).
NewPhase = Callable[[str], StreamRun]


def _worker_rate(run: StreamRun, workdir: Path, expected: int) -> tuple[float, int]:
    """Run the worker over the log already produced; its rate and the events it left out."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = run.env(workdir / "streams", run.group, run.web_port)
    with stream.running_worker(env, workdir) as proc:
        stream.wait_for_worker(run, run.group, proc, workdir, WORKER_TIMEOUT_S)
    cases = stream.read_topic(run.clients, run.topics.cases_all)
    first = stream.first_case_times(run.codec, cases)
    return stream.steady_rate(list(first.values())), expected - len(first)


def _pass_through_rate(run: StreamRun, expected: int) -> float:
    copy = f"{run.topics.prefix}.pass-through"
    group = f"{run.topics.prefix}-pass-through"
    stream.pass_through(run.clients, run.topics.events, copy, expected, group)
    records = stream.read_topic(run.clients, copy)
    return stream.steady_rate([r.timestamp for r in records])


def throughput_round(
    new_phase: NewPhase, events: Sequence[EventRecord], workdir: Path, worker_first: bool
) -> dict[str, float]:
    """One round: produce the log once, then the worker and the pass-through each read it."""
    run = new_phase("tp")
    prefix = run.topics.prefix
    names = [*worker_topics(run.topics), f"{prefix}.pass-through", f"{prefix}.faust-floor"]
    run.create_topics(names)
    stream.produce(run.clients, run.topics.events, events)
    result: dict[str, float] = {}
    order = ("worker", "pass", "floor", "outputs")
    for contender in order if worker_first else order[::-1]:
        if contender == "worker":
            result["worker"], result["missing"] = _worker_rate(run, workdir, len(events))
        elif contender == "pass":
            result["pass"] = _pass_through_rate(run, len(events))
        elif contender == "floor":
            result["floor"] = faust_floor.rate(run, workdir / "floor", len(events))
        else:
            result["outputs"] = faust_floor.output_rate(run, workdir / "outputs", len(events))
    return result


def latency_run(
    new_phase: NewPhase,
    events: Sequence[EventRecord],
    rate: float,
    seconds: float,
    workdir: Path,
) -> dict[str, Any]:
    """Event-to-case latency with events paced at ``rate`` per second for about ``seconds``."""
    run = new_phase("lat")
    topic = run.topics.events
    run.create_topics(worker_topics(run.topics))
    warm = events[:WARMUP_EVENTS]
    paced = events[WARMUP_EVENTS : WARMUP_EVENTS + max(int(rate * seconds), 2)]
    workdir.mkdir(parents=True, exist_ok=True)
    env = run.env(workdir / "streams", run.group, run.web_port)
    # As at deployment (`fusionhub topics create-cases`): a county's first case would otherwise
    # wait while the broker makes the county's topics, a one-off that slows its other traffic.
    run.create_case_topics({e.key.decode() for e in (*warm, *paced) if e.key})
    with stream.running_worker(env, workdir) as proc:
        stream.produce(run.clients, topic, warm)
        stream.wait_for_worker(run, run.group, proc, workdir, WORKER_TIMEOUT_S)
        sent = stream.produce_paced(run.clients, topic, paced, rate)
        stream.wait_for_worker(run, run.group, proc, workdir, WORKER_TIMEOUT_S)
    cases = stream.read_topic(run.clients, run.topics.cases_all)
    first = stream.first_case_times(run.codec, cases)
    in_order = [first[ref] - at for ref, at in sent.items() if ref in first]
    latencies = sorted(in_order)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    # Far above p50, the last tenth says the worker fell behind: the rate was too high.
    last_tenth = in_order[len(in_order) * 9 // 10 :]
    span_s = (max(sent.values()) - min(sent.values())) / 1000
    return {
        "target_rate_per_s": round(rate),
        "achieved_rate_per_s": round((len(sent) - 1) / span_s) if span_s else None,
        "events": len(sent),
        "unmatched": len(sent) - len(latencies),
        "p50_ms": round(cuts[49]),
        "p99_ms": round(cuts[98]),
        "max_ms": latencies[-1],
        "p50_ms_last_tenth": round(statistics.median(last_tenth)),
        "target_p99_ms": TARGET_P99_MS,
    }


def stream_figures(
    new_phase: NewPhase,
    events: Sequence[EventRecord],
    rounds: int,
    latency_s: float,
    drop_all: Callable[[], object],
) -> dict[str, Any]:
    """Throughput rounds, then latency at half the worker's median rate.

    ``new_phase`` gives each phase topics of its own under one run prefix; ``drop_all``
    deletes every one of them at the end.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="fusionhub-bench-") as tmp:
            results = [
                throughput_round(new_phase, events, Path(tmp) / f"round{i}", i % 2 == 0)
                for i in range(rounds)
            ]
            worker = statistics.median(r["worker"] for r in results)
            latency = latency_run(new_phase, events, worker / 2, latency_s, Path(tmp) / "latency")
    finally:
        drop_all()
    ratios = [r["worker"] / r["pass"] for r in results]
    return {
        "events": len(events),
        "rounds": rounds,
        "worker_events_per_s": round(worker),
        "pass_through_events_per_s": round(statistics.median(r["pass"] for r in results)),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "worker_missing_events": max(int(r["missing"]) for r in results),
        "target_ratio": TARGET_STREAM_RATIO,
        # The same log copied by a Faust agent that does no work: no Faust worker can do better.
        "faust_floor_events_per_s": round(statistics.median(r["floor"] for r in results)),
        "faust_floor_ratio": round(statistics.median(r["floor"] / r["pass"] for r in results), 3),
        # The worker against the floor, per round then the median: how much of what a Faust
        # worker can reach here this one reaches.
        "worker_of_floor": round(statistics.median(r["worker"] / r["floor"] for r in results), 3),
        "target_worker_of_floor": TARGET_FLOOR_FRACTION,
        # The worker's own outputs published by a Faust agent that works nothing out: the most
        # this worker could reach here were decoding, correlating and encoding free.
        "output_floor_events_per_s": round(statistics.median(r["outputs"] for r in results)),
        "output_floor_of_floor": round(
            statistics.median(r["outputs"] / r["floor"] for r in results), 3
        ),
        "worker_of_output_floor": round(
            statistics.median(r["worker"] / r["outputs"] for r in results), 3
        ),
        "latency_at_half_rate": latency,
    }
