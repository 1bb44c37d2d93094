"""Worker metrics (prometheus-client), exposed at ``/metrics`` on the Faust web server."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


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
        self.partitions_rebuilt = Counter(
            "fusionhub_partitions_rebuilt",
            "Partitions whose cases were rebuilt from the log.",
            registry=registry,
        )
