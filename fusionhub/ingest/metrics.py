"""Ingest metrics (prometheus-client), prefix ``fusionhub_``, base units, ``_total`` counters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class IngestMetrics:
    """The counters every way in updates. One instance per process, on a registry passed in."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "fusionhub_ingest_received", "Input items received.", ["source"], registry=registry
        )
        self.accepted = Counter(
            "fusionhub_ingest_accepted", "Items accepted as events.", ["source"], registry=registry
        )
        self.rejected = Counter(
            "fusionhub_ingest_rejected",
            "Items refused and dead-lettered, by reason.",
            ["source", "reason"],
            registry=registry,
        )
        self.duplicates = Counter(
            "fusionhub_ingest_duplicates",
            "Items whose source id was already ingested.",
            ["source"],
            registry=registry,
        )
        self.device_health = Counter(
            "fusionhub_ingest_device_health",
            "Device-fault alarms kept as device-health records.",
            ["source"],
            registry=registry,
        )
        self.produce_latency = Histogram(
            "fusionhub_ingest_produce_latency_seconds",
            "From a batch handed to the producer to all its records acknowledged by the broker.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.in_flight = Gauge(
            "fusionhub_ingest_in_flight",
            "Records handed to the producer and not yet acknowledged.",
            registry=registry,
        )
