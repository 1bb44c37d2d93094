"""Fitting the correlation weights on a small simulated folder."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from fusionhub.cli.batch import read_truth
from fusionhub.cli.main import cli
from fusionhub.cli.tune import _events
from fusionhub.core.correlation import new_state, step
from fusionhub.core.signals import SIGNALS, signal_values
from fusionhub.policies import load_policy
from fusionhub.settings import load_settings
from fusionhub.sim.writer import simulate
from fusionhub.tuning.fit import incident_folds, oracle_rows

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, dict]:
    folder = tmp_path_factory.mktemp("sim") / "s"
    simulate(folder, 3, 900, days=4)
    return folder, _events(load_settings(), folder), read_truth(folder / "truth.jsonl")


def test_the_signals_times_the_weights_make_the_engines_score(small) -> None:
    _, events, _ = small
    policy = load_policy()
    state = new_state(policy)
    w = policy.weights
    checked = 0
    for event in sorted(events, key=lambda e: e.occurred_at)[:400]:
        from fusionhub.core.scoring import features_of, score_candidates

        f = features_of(event, policy)
        for profile, score in score_candidates(state.index.lookup(f), f, policy):
            values = signal_values(profile, f, policy)
            assert values is not None
            total = sum(getattr(w, name) * values[name] for name in SIGNALS)
            assert total == pytest.approx(score.total, abs=1e-9)
            checked += 1
        step(state, event, policy)
    assert checked > 20


def test_folds_keep_each_incident_whole_and_training_rows_never_touch_the_held_out_fold(
    small,
) -> None:
    _, events, truth = small
    folds = incident_folds(events, truth, 3)
    assert set(folds.values()) == {0, 1, 2}
    rows = oracle_rows(events, truth, load_policy(), folds)
    assert sum(rows.y) > 0
    assert len(rows.y) > sum(rows.y)
    for held in range(3):
        keep = [held not in (a, b) for a, b in zip(rows.fold, rows.other_fold, strict=True)]
        assert 0 < sum(keep) < len(keep)


def test_tune_fits_on_one_folder_scores_on_another_and_writes_a_policy_the_engine_loads(
    small, tmp_path: Path
) -> None:
    folder, _, _ = small
    other = tmp_path / "other"
    simulate(other, random.Random(4).randint(5, 99), 600, days=3)
    out = tmp_path / "p.toml"
    args = ["tune", str(folder), "--truth", str(folder / "truth.jsonl"), "--out", str(out)]
    args += ["--score-on", str(other), "--score-truth", str(other / "truth.jsonl")]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "cross-validated mean: P" in done.output
    assert "held out (other): P" in done.output
    policy = load_policy(out)
    assert policy.weights.threshold == 1.0
    assert out.read_text(encoding="utf-8").startswith("# Fitted by `fusionhub tune")
