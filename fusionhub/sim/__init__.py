"""Simulated source data: a replay folder as docs/sources.md describes, plus the truth.

``simulate(out_dir, seed, n_events)`` writes grid.jsonl, hotline.jsonl, petition.jsonl,
video/*.xml, cameras.csv and truth.jsonl. Same seed and arguments give the same bytes.
"""

from __future__ import annotations

from fusionhub.sim.writer import DEFAULT_COUNTIES, SimulationSummary, simulate

__all__ = ["DEFAULT_COUNTIES", "SimulationSummary", "simulate"]
