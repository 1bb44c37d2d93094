"""``fusionhub bench api`` end to end on a small store: one JSON line with every read's figures,
on SQLite and on the tests' PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fusionhub.cli.bench import bench

pytestmark = pytest.mark.integration

READS = (
    "board",
    "board_township",
    "case_list",
    "case_list_filtered",
    "case_list_deep_keyset",
    "case_list_deep_offset",
    "stats_township",
    "stats_county",
)


def test_the_api_bench_prints_one_line_of_figures_per_backend(fresh_postgres_url: str) -> None:
    done = CliRunner().invoke(
        bench, ["api", "--cases", "3000", "--requests", "5", "--pg-url", fresh_postgres_url]
    )
    assert done.exit_code == 0, done.output
    [line] = done.output.splitlines()
    result = json.loads(line)
    assert (result["bench"], result["cases"]) == ("api", 3000)
    for backend in ("sqlite", "postgresql"):
        figures = result[backend]
        assert figures["deep_page_at"] == 1500
        for read in READS:
            assert 0 < figures[read]["p50_ms"] <= figures[read]["p95_ms"]
        assert set(figures["meets"]) == {
            "board_p95_under_300_ms",
            "case_list_p95_under_300_ms",
            "stats_p95_under_500_ms",
        }
