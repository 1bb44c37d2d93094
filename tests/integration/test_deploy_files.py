"""The operations files in deploy/: Prometheus configs, alert rules and their promtool unit tests,
and the Grafana dashboard. promtool is required; without it these tests fail, never skip."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fusionhub.settings import ApiSettings, IngestSettings, MetricsSettings, StreamSettings
from tests.promtool import run_promtool

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "fusionhub.json"

_COUNTERS = [
    "fusionhub_ingest_received",
    "fusionhub_ingest_accepted",
    "fusionhub_ingest_rejected",
    "fusionhub_ingest_duplicates",
    "fusionhub_ingest_device_health",
    "fusionhub_stream_records_in",
    "fusionhub_stream_case_versions_out",
    "fusionhub_dead_letters",
    "fusionhub_cases_opened",
    "fusionhub_sla_breaches",
    "fusionhub_partitions_rebuilt",
    "fusionhub_sink_rows_written",
    "fusionhub_sink_batches",
    "fusionhub_sink_retries",
    "fusionhub_sink_undecodable",
    "fusionhub_api_requests",
    "fusionhub_state_records_lost",
    "fusionhub_state_snapshots",
]
_HISTOGRAMS = [
    "fusionhub_ingest_produce_latency_seconds",
    "fusionhub_end_to_end_latency_seconds",
    "fusionhub_api_request_duration_seconds",
    "fusionhub_state_snapshot_take_seconds",
]
_GAUGES = [
    "fusionhub_ingest_in_flight",
    "fusionhub_consumer_lag_records",
    "fusionhub_open_cases",
    "fusionhub_partition_held",
    "fusionhub_partition_restore_seconds",
    "fusionhub_state_snapshot_bytes",
    "fusionhub_state_cases",
    "fusionhub_standby_offset",
]
# Every series the hub exposes, plus `up`, which Prometheus writes for each scrape target.
KNOWN_SERIES = frozenset(
    [f"{name}_total" for name in _COUNTERS]
    + [f"{name}{part}" for name in _HISTOGRAMS for part in ("_bucket", "_sum", "_count")]
    + _GAUGES
    + ["up"]
)

_PROMQL_WORDS = frozenset(
    [
        "and",
        "or",
        "unless",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "inf",
        "nan",
        "atan2",
    ]
)
_GRAFANA_VARIABLE = re.compile(r"\$\{?\w+\}?")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?")


def metric_names_in(promql: str) -> set[str]:
    """The series names a PromQL expression selects (not functions, labels or keywords)."""
    text = _STRING.sub('""', promql)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery windows
    text = _LABEL_LIST.sub(" ", text)
    text = _GRAFANA_VARIABLE.sub(" ", text)
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(text)
        if match.group(2) is None and match.group(1).lower() not in _PROMQL_WORDS
    }


def dashboard_queries(node: Any) -> Iterator[str]:
    """Every PromQL expression in a dashboard: panel targets and query-variable definitions."""
    if isinstance(node, dict):
        if isinstance(node.get("expr"), str):
            yield node["expr"]
        if node.get("type") == "query" and isinstance(node.get("definition"), str):
            variable_query = re.fullmatch(r"label_values\((.*),\s*\w+\)", node["definition"])
            yield variable_query.group(1) if variable_query else node["definition"]
        for value in node.values():
            yield from dashboard_queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from dashboard_queries(item)


def as_plain_promql(grafana_expr: str) -> str:
    """A dashboard expression with Grafana's variables replaced, so promtool can parse it."""
    text = re.sub(r"\$\{?__(?:rate_interval|interval|range)\}?", "5m", grafana_expr)
    return _GRAFANA_VARIABLE.sub(".*", text)


def promtool_ok(*args: str) -> str:
    """Run promtool, fail the test with its output unless it exits 0, and return that output.
    A missing promtool raises PromtoolMissingError, which fails the test with the install hint."""
    finished = run_promtool(*args)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, f"promtool {' '.join(args)} failed:\n{output}"
    return output


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def hub_ports() -> dict[str, int]:
    return {
        "worker": StreamSettings().web_port,
        "ingest": IngestSettings().port,
        "sink": MetricsSettings().sink_port,
        "api": ApiSettings().port,
    }


def test_the_local_prometheus_config_is_valid_and_scrapes_the_four_processes() -> None:
    output = promtool_ok("check", "config", str(DEPLOY / "prometheus.yml"))

    assert "alerts.yml" in output
    assert f"{len(alert_blocks())} rules found" in output
    text = (DEPLOY / "prometheus.yml").read_text()
    for component, port in hub_ports().items():
        assert f'"127.0.0.1:{port}"' in text, f"{component} on port {port} is not scraped"
        assert f"job_name: fusionhub-{component}" in text


def test_the_compose_prometheus_config_is_valid_and_scrapes_the_hub_service() -> None:
    promtool_ok("check", "config", str(DEPLOY / "prometheus-compose.yml"))

    text = (DEPLOY / "prometheus-compose.yml").read_text()
    assert "127.0.0.1" not in text
    for component, port in hub_ports().items():
        assert f'"hub:{port}"' in text, f"{component} on port {port} is not scraped"
        assert f"job_name: fusionhub-{component}" in text


def test_the_alert_rules_are_valid() -> None:
    assert "SUCCESS" in promtool_ok("check", "rules", str(DEPLOY / "alerts.yml"))


def test_the_alert_unit_tests_pass() -> None:
    assert "SUCCESS" in promtool_ok("test", "rules", str(DEPLOY / "alerts_test.yml"))


def alert_blocks() -> dict[str, str]:
    text = (DEPLOY / "alerts.yml").read_text(encoding="utf-8")
    blocks = re.split(r"^\s*- alert:\s*", text, flags=re.MULTILINE)[1:]
    return {block.split()[0]: block for block in blocks}


def test_every_alert_waits_has_a_severity_and_says_what_is_wrong() -> None:
    blocks = alert_blocks()

    assert len(blocks) >= 9
    for name, block in blocks.items():
        assert re.search(r"^\s+for: \d+[smh]", block, re.MULTILINE), f"{name} has no for:"
        assert re.search(r"severity: (critical|warning)\b", block), f"{name} has no severity"
        assert "summary:" in block, f"{name} has no summary"
        assert "description:" in block, f"{name} has no description"


def test_every_alert_is_unit_tested_both_firing_and_staying_quiet() -> None:
    tests_text = (DEPLOY / "alerts_test.yml").read_text(encoding="utf-8")
    fires: set[str] = set()
    stays_quiet: set[str] = set()
    for case in re.split(r"- eval_time:", tests_text)[1:]:
        alertname = re.search(r"alertname:\s*(\S+)", case)
        assert alertname is not None
        if re.search(r"exp_alerts:\s*\[\]", case):
            stays_quiet.add(alertname.group(1))
        elif "exp_labels:" in case:
            fires.add(alertname.group(1))

    assert set(alert_blocks()) - fires == set(), "alerts never shown firing"
    assert set(alert_blocks()) - stays_quiet == set(), "alerts never shown staying quiet"


def test_the_alert_files_name_only_series_the_hub_exposes() -> None:
    for name in ("alerts.yml", "alerts_test.yml"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        used = set(re.findall(r"\bfusionhub_\w+", text))
        assert used, name
        assert used - KNOWN_SERIES == set(), name


def test_the_dashboard_is_a_grafana_dashboard_on_the_prometheus_variable(
    dashboard: dict[str, Any],
) -> None:
    assert 36 <= dashboard["schemaVersion"] <= 41
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]


def test_the_dashboard_queries_name_only_series_the_hub_exposes(
    dashboard: dict[str, Any],
) -> None:
    queries = list(dashboard_queries(dashboard))
    named = set().union(*(metric_names_in(query) for query in queries))

    assert len(queries) >= 20
    assert named - KNOWN_SERIES == set()
    # The panels the operators asked for are there.
    for wanted in (
        "fusionhub_ingest_rejected_total",
        "fusionhub_dead_letters_total",
        "fusionhub_consumer_lag_records",
        "fusionhub_open_cases",
        "fusionhub_sla_breaches_total",
        "fusionhub_end_to_end_latency_seconds_bucket",
        "fusionhub_sink_rows_written_total",
        "fusionhub_sink_retries_total",
        "fusionhub_stream_case_versions_out_total",
    ):
        assert wanted in named


def test_the_dashboard_queries_are_valid_promql(dashboard: dict[str, Any], tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:query_{index}", "expr": as_plain_promql(query)}
        for index, query in enumerate(dashboard_queries(dashboard))
    ]
    # JSON is YAML, so promtool reads this rule file as is.
    rule_file = tmp_path / "dashboard_rules.yml"
    rule_file.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))

    assert f"{len(rules)} rules found" in promtool_ok("check", "rules", str(rule_file))


def test_the_name_finder_sees_series_names_and_nothing_else() -> None:
    expr = (
        'sum by (source, reason) (rate(fusionhub_typo_total{source=~"$county", reason!="a b"}'
        "[$__rate_interval])) / on() group_left vector(1) > bool 0.5 offset 5m"
        " and histogram_quantile(0.99, sum(rate(x_seconds_bucket[5m])) by (le)) or up"
    )

    assert metric_names_in(expr) == {"fusionhub_typo_total", "x_seconds_bucket", "up"}
