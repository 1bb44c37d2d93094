"""``fusionhub tune``: fit the correlation weights from a labelled replay folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from fusionhub.settings import Settings

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _events(settings: Settings, folder: Path) -> list[Any]:
    from fusionhub.cli.batch import replay_connectors
    from fusionhub.replay import load_events

    _, events = load_events(folder, replay_connectors(settings, folder), datetime.now(UTC))
    return events


def _labels(
    settings: Settings, events: list[Any], truth: Path | None, corrections: Path | None
) -> dict[str, str | None]:
    from fusionhub.cli.batch import read_truth
    from fusionhub.policies import load_policy
    from fusionhub.replay import correlate_events
    from fusionhub.tuning.labels import labels_from_corrections, read_corrections

    if corrections is None:
        assert truth is not None
        return read_truth(truth)
    if truth is not None:
        base = read_truth(truth)
        groups: dict[str, list[str]] = {}
        for ref, inc in base.items():
            if inc is not None:
                groups.setdefault(inc, []).append(ref)
        clusters = list(groups.values())
    else:
        cases = correlate_events(events, load_policy(settings.streams.policy_file))
        clusters = [c.event_refs for c in cases]
    rows = read_corrections(corrections.read_text(encoding="utf-8").splitlines())
    return dict(labels_from_corrections(clusters, rows).truth)


def _figures(name: str, f: dict[str, float]) -> str:
    return f"{name}: P {f['precision']:.4f}  R {f['recall']:.4f}  F1 {f['f1']:.4f}"


@click.command("tune")
@click.argument("folder", type=_DIR)
@click.option("--truth", "truth_file", type=_FILE, default=None, help="truth.jsonl labels.")
@click.option("--corrections", type=_FILE, default=None, help="Dispatchers' merges and splits.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--folds", default=3, show_default=True)
@click.option("--score-on", "score_on", type=_DIR, default=None, help="A second labelled folder.")
@click.option("--score-truth", "score_truth", type=_FILE, default=None)
@click.pass_obj
def tune_cmd(
    settings: Settings,
    folder: Path,
    *,
    truth_file: Path | None,
    corrections: Path | None,
    out: Path,
    folds: int,
    score_on: Path | None,
    score_truth: Path | None,
) -> None:
    """Fit the [weights] of correlation.toml on FOLDER's labels; print cross-validated B-cubed
    figures (and held-out ones with --score-on) and write the policy file to --out."""
    from fusionhub.policies import load_policy
    from fusionhub.tuning.fit import cross_validate, engine_scores, mean
    from fusionhub.tuning.policy_file import policy_text

    if truth_file is None and corrections is None:
        raise click.UsageError("give --truth, --corrections or both")
    if (score_on is None) != (score_truth is None):
        raise click.UsageError("--score-on and --score-truth go together")
    events = _events(settings, folder)
    truth = _labels(settings, events, truth_file, corrections)
    result = cross_validate(events, truth, load_policy(settings.streams.policy_file), folds)
    for n, fold in enumerate(result["folds"]):
        click.echo(_figures(f"fold {n + 1}", fold))
    cv = mean(result["folds"])
    click.echo(_figures("cross-validated mean", cv))
    report: dict[str, Any] = {"cv": cv, "c": result["c"], "cutoff": result["cutoff"]}
    if score_on is not None and score_truth is not None:
        from fusionhub.cli.batch import read_truth

        held = engine_scores(_events(settings, score_on), read_truth(score_truth), result["policy"])
        click.echo(_figures(f"held out ({score_on.name})", held))
        report["held_out"] = held
    header = (
        f"Fitted by `fusionhub tune {folder.name} --folds {folds}` (logistic regression over the\n"
        f"signals, C={result['c']}, cut-off {result['cutoff']}, {result['rows']} candidate rows).\n"
        f"Cross-validated B-cubed: P {cv['precision']:.4f} R {cv['recall']:.4f} F1 {cv['f1']:.4f}."
    )
    out.write_text(policy_text(result["policy"].weights, header), encoding="utf-8")
    click.echo(json.dumps(report), err=True)
