"""Garbage-collector settings for processes that stream many small records.

Ingest allocates several container objects per record (parsed JSON, tuples, futures) that
die young, beside a large start-up heap that lives for the whole run (the gazetteer's tens
of thousands of entries, category tables, schemas, known refs). With CPython's defaults the
collector runs every 700 allocations and regularly walks that heap: profiled, about a sixth
of the producing process's time in file ingest.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young-generation threshold for streaming processes (CPython's default is 700): cycles are
# still collected, a few hundred records later.
STREAMING_GEN0_THRESHOLD = 50_000


def settle_startup_heap() -> None:
    """Freeze what start-up built and collect young objects less often.

    Called by ``fusionhub ingest`` (and its benchmark) once the pipeline is built, before
    worker processes fork, so they share the frozen heap too. Objects built later are
    collected as usual; calling it again freezes those too.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(STREAMING_GEN0_THRESHOLD, middle, old)


def freeze_long_lived() -> None:
    """Move every object alive now out of the collector's sight, after a young collection.

    Called by the correlation worker after each restore and every
    ``streams.freeze_every_records`` records: the cases it holds live for days, and a full
    collection that scans them (two seconds at a million open cases) stalls the worker. Frozen
    objects are still freed when their last reference goes; only cycles among them would
    outlive their use, and the engine's state has none. Young collections run less often too.
    """
    gc.collect(1)
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(STREAMING_GEN0_THRESHOLD, middle, old)


@contextmanager
def paused_collector() -> Iterator[None]:
    """No automatic collection inside: for decoding a snapshot's many objects at once.

    Decoding tens of thousands of cases makes the collector run again and again over the
    objects just made (more than half a restore's time, measured), and they form no cycles.
    The previous setting comes back on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def streaming_thresholds() -> None:
    """Collect young objects every ``STREAMING_GEN0_THRESHOLD`` allocations; called when a
    streaming process starts."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(STREAMING_GEN0_THRESHOLD, middle, old)
