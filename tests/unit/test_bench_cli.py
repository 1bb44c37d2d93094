"""``fusionhub bench``: the commands are wired up, and rates come from output timestamps."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.bench.stream import steady_rate
from fusionhub.cli.bench import bench

pytestmark = pytest.mark.unit


def test_bench_offers_correlate_and_ingest() -> None:
    result = CliRunner().invoke(bench, ["--help"])
    assert result.exit_code == 0
    assert "correlate" in result.output
    assert "ingest" in result.output


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("correlate", ["--sizes", "--quick", "--stream-events", "--rounds", "--part"]),
        ("ingest", ["--events", "--rounds"]),
    ],
)
def test_each_bench_command_documents_its_options(command: str, options: list[str]) -> None:
    result = CliRunner().invoke(bench, [command, "--help"])
    assert result.exit_code == 0
    for option in options:
        assert option in result.output


def test_sizes_that_are_not_numbers_are_refused_before_anything_runs() -> None:
    result = CliRunner().invoke(bench, ["correlate", "--sizes", "10k,100k"])
    assert result.exit_code == 2
    assert "--sizes" in result.output


@given(st.integers(1, 1000), st.integers(2, 500), st.integers(0, 10**12))
def test_evenly_spaced_completions_give_one_per_gap(gap_ms: int, count: int, start: int) -> None:
    stamps = [start + i * gap_ms for i in range(count)]
    assert steady_rate(stamps) == pytest.approx(1000 / gap_ms)


def test_inputs_completed_with_the_first_output_do_not_count() -> None:
    # A whole commit's outputs share one timestamp; those inputs were processed before the span.
    assert steady_rate([0] * 500 + [1000, 2000]) == pytest.approx(1.0)


def test_no_span_means_no_rate() -> None:
    assert steady_rate([]) == 0.0
    assert steady_rate([5, 5, 5]) == 0.0


def test_the_engine_harness_runs_a_small_backlog_from_the_packaged_villages() -> None:
    from fusionhub.bench.engine import measure_engine

    result = measure_engine(300, 50, trace_memory=False)
    assert result["events_per_s"] > 0
    assert 250 <= result["open_cases"] <= 300


def test_the_engine_bench_times_a_full_collection_at_the_measured_size() -> None:
    from fusionhub.bench.correlate import measure_with_full_gcs

    result = measure_with_full_gcs(300, 50, trace_memory=False)
    assert isinstance(result["forced_full_gc_s"], float)
    assert result["longest_full_gc_s"] >= result["forced_full_gc_s"] >= 0
    # The slices' raw bounds stay inside the harness; the figure is the median slice's.
    assert "chunks" not in result
    assert "prefill_began" not in result
    assert result["cost_per_event_us"] >= result["us_per_event_without_full_gc"] > 0
