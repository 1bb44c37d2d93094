"""``tests.promtool.check_metrics`` against expositions built with prometheus_client.

These run the real promtool binary (no services); without it they fail with the install hint.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from fusionhub.ingest.metrics import IngestMetrics
from tests.promtool import check_metrics

pytestmark = pytest.mark.unit

# Words that trip none of promtool's name rules (units, abbreviations, type names, "total").
NAME_WORDS = ["events", "cases", "grid", "hotline", "petition", "video", "county", "rows", "batch"]
NON_BASE_UNITS = {
    "milliseconds": "seconds",
    "microseconds": "seconds",
    "minutes": "seconds",
    "hours": "seconds",
    "kilobytes": "bytes",
    "megabytes": "bytes",
}

metric_stems = st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=3).map(
    lambda words: "fusionhub_" + "_".join(words)
)


def exposition(registry: CollectorRegistry) -> str:
    return generate_latest(registry).decode()


def test_a_counter_a_histogram_in_seconds_and_a_gauge_come_back_clean() -> None:
    registry = CollectorRegistry()
    Counter("fusionhub_demo_events", "Events seen.", ["source"], registry=registry).labels(
        "grid"
    ).inc()
    Histogram("fusionhub_demo_latency_seconds", "Latency.", registry=registry).observe(0.3)
    Gauge("fusionhub_demo_in_flight", "Records in flight.", registry=registry).set(4)

    assert check_metrics(exposition(registry)) == []


def test_a_histogram_in_milliseconds_is_told_to_use_seconds() -> None:
    registry = CollectorRegistry()
    Histogram("fusionhub_demo_latency_milliseconds", "Latency.", registry=registry).observe(300)

    complaints = check_metrics(exposition(registry))

    assert complaints, "promtool accepted a histogram in milliseconds"
    assert any(
        "fusionhub_demo_latency_milliseconds" in line and '"seconds"' in line for line in complaints
    ), complaints


def test_a_counter_exposed_without_total_suffix_is_a_complaint() -> None:
    # prometheus_client always appends _total, so a foreign exporter's text stands in here.
    text = "# HELP demo_events Events.\n# TYPE demo_events counter\ndemo_events 3\n"

    complaints = check_metrics(text)

    assert any("demo_events" in line and "_total" in line for line in complaints), complaints


def test_text_that_is_not_an_exposition_is_a_complaint_not_a_clean_result() -> None:
    assert check_metrics("this is {not metrics\n") != []


def test_the_ingest_api_metrics_are_clean() -> None:
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    metrics.received.labels("grid").inc()
    metrics.accepted.labels("grid").inc()
    metrics.rejected.labels("hotline", "schema").inc()
    metrics.duplicates.labels("grid").inc()
    metrics.device_health.labels("video").inc()
    metrics.produce_latency.observe(0.004)
    metrics.in_flight.set(2)

    assert check_metrics(exposition(registry)) == []


@settings(max_examples=15, deadline=None)
@given(stem=metric_stems, unit=st.sampled_from(sorted(NON_BASE_UNITS)))
def test_any_metric_named_in_a_non_base_unit_is_told_the_base_unit(stem: str, unit: str) -> None:
    registry = CollectorRegistry()
    Gauge(f"{stem}_{unit}", "Something measured.", registry=registry).set(1)

    complaints = check_metrics(exposition(registry))

    assert any(f'"{NON_BASE_UNITS[unit]}"' in line and unit in line for line in complaints), (
        complaints
    )


@settings(max_examples=15, deadline=None)
@given(stem=metric_stems)
def test_any_counter_and_seconds_histogram_prometheus_client_makes_is_clean(stem: str) -> None:
    registry = CollectorRegistry()
    Counter(stem, "Things counted.", registry=registry).inc()
    Histogram(f"{stem}_duration_seconds", "Time taken.", registry=registry).observe(1.5)

    assert check_metrics(exposition(registry)) == []
