"""What the correlation worker is told: its group of settings (``FUSIONHUB_STREAMS__*``).

Part of ``fusionhub.settings.Settings``; the composition root hands this group, and nothing
else of the settings, to the worker's parts.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from fusionhub.errors import LOOPBACK
from fusionhub.paths import home_dir


class StreamSettings(BaseModel):
    """The Faust worker."""

    app_id: str = "fusionhub"
    store: str = "memory://"
    topic_partitions: int = 4
    web_host: str = LOOPBACK
    web_port: int = 6066
    data_dir: Path = Field(default_factory=lambda: home_dir("data") / "streams")
    # Ticks carry wall-clock time into the event log for live overdue checks.
    tick_interval_s: float = 60.0
    gauge_interval_s: float = 5.0
    case_topic_partitions: int = 1
    # The correlator takes up to ``batch_max`` records at a time, waiting at most
    # ``batch_within_s`` for them: Faust waits that long for a batch that is not full even when
    # records are queued, so it is short; the size bounds the work per round-trip. A batch's
    # outputs are acknowledged before its offsets can be committed.
    batch_max: int = Field(default=500, ge=1)
    batch_within_s: float = Field(default=0.005, gt=0)
    # Bytes fetched per partition per request. Faust's 1 MiB default held a bare agent to ~5k
    # records/s here; 16 MiB gave ~17k/s (fewer fetch round-trips), at up to that much memory
    # per assigned partition.
    fetch_bytes_per_partition: int = Field(default=16 * 1024 * 1024, ge=65_536)
    # Faust fetches no further than its committed position allows, so a slow commit interval
    # shows as latency (p50 34 ms at 0.2 s, 1.1 s at 1 s, measured by bench correlate).
    commit_interval_s: float = 0.2
    # The longest the broker holds a fetch that finds no records. Faust writes 1500 ms into its
    # driver; while the busy partitions' records were buffered, a fetch for only the idle ones
    # held new records back that long, and a worker near capacity stayed ~1 s behind in about
    # one paced run in four (fusionhub.streams.transport, docs/state.md "Fetch wait").
    fetch_max_wait_ms: int = Field(default=100, ge=1, le=30_000)
    policy_file: Path | None = None
    # How soon a dead worker's partitions move to the others (the broker allows 6 s at least).
    session_timeout_s: float = 15.0
    # A partition's state is snapshotted to the state topic after this many records, or this
    # long after the last snapshot when anything changed since; a worker taking the partition
    # over restores the snapshot and replays only the records after it (docs/state.md).
    snapshot_every_records: int = Field(default=20_000, ge=100)
    snapshot_interval_s: float = Field(default=300.0, gt=0)
    # Chunks of a snapshot stay under Kafka's default 1 MiB message size.
    snapshot_chunk_bytes: int = Field(default=512 * 1024, ge=16 * 1024, le=900 * 1024)
    # Keep a decoded copy of the latest snapshot of every partition this worker does not hold,
    # so that taking one over needs no restore, only the records after the snapshot.
    standby: bool = True
    # Garbage collection: the heap is frozen after every restore and every this many records
    # (objects then in it are never scanned again), and young collections run less often, so
    # that no full collection scans a million open cases (docs/state.md, "Pauses").
    freeze_every_records: int = Field(default=10_000, ge=1000)
