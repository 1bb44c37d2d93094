"""Worker metrics (prometheus-client), exposed at ``/metrics`` on the Faust web server."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class StreamMetrics:
    """Everything the correlation worker counts. One instance per worker process."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.records_in = Counter(
            "fusionhub_stream_records_in",
            "Records consumed, by agent and kind.",
            ["agent", "kind"],
            registry=registry,
        )
        self.case_versions_out = Counter(
            "fusionhub_stream_case_versions_out", "Case states published.", registry=registry
        )
        self.dead_letters = Counter(
            "fusionhub_dead_letters",
            "Records dead-lettered by the worker, by stage and reason.",
            ["stage", "reason"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "fusionhub_consumer_lag_records",
            "Records on the broker not yet processed.",
            ["group", "topic", "partition"],
            registry=registry,
        )
        self.open_cases = Gauge(
            "fusionhub_open_cases",
            "Cases not yet resolved or closed, by county.",
            ["county"],
            registry=registry,
        )
        self.cases_opened = Counter(
            "fusionhub_cases_opened",
            "Cases opened, by county and platform.",
            ["county", "platform"],
            registry=registry,
        )
        self.sla_breaches = Counter(
            "fusionhub_sla_breaches",
            "Township cases escalated because their deadline passed.",
            ["county"],
            registry=registry,
        )
        self.partition_restores = Counter(
            "fusionhub_partitions_rebuilt",
            "Partitions restored, by where their state came from (standby, snapshot, log).",
            ["partition", "source"],
            registry=registry,
        )
        self.restore_seconds = Gauge(
            "fusionhub_partition_restore_seconds",
            "How long the latest restore of a partition took, replay of the log included.",
            ["partition"],
            registry=registry,
        )
        self.partitions_held = Gauge(
            "fusionhub_partition_held",
            "1 for each event-log partition this worker holds, 0 once released.",
            ["partition"],
            registry=registry,
        )
        self.records_lost = Counter(
            "fusionhub_state_records_lost",
            "Event-log records a restore could not apply: retention removed them first.",
            ["partition"],
            registry=registry,
        )
        self.snapshots = Counter(
            "fusionhub_state_snapshots",
            "Snapshots of a partition's state written to the state topic.",
            ["partition"],
            registry=registry,
        )
        self.snapshot_bytes = Gauge(
            "fusionhub_state_snapshot_bytes",
            "Size of the latest snapshot of a partition.",
            ["partition"],
            registry=registry,
        )
        self.cases_held = Gauge(
            "fusionhub_state_cases",
            "Cases in the latest snapshot of a partition (open and recently finished).",
            ["partition"],
            registry=registry,
        )
        self.snapshot_take_seconds = Histogram(
            "fusionhub_state_snapshot_take_seconds",
            "Time the agent spends taking a snapshot (encoding changed cases, cutting chunks).",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=registry,
        )
        self.standby_offset = Gauge(
            "fusionhub_standby_offset",
            "Event-log offset of the standby copy kept of a partition held elsewhere.",
            ["partition"],
            registry=registry,
        )
