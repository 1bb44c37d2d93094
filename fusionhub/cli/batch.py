"""Batch commands that need no broker: ``replay``, ``simulate``, ``evaluate``."""

from __future__ import annotations

import json
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from fusionhub.settings import Settings


@click.command("replay")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A correlation policy file to try instead of the configured one.",
)
@click.pass_obj
def replay_cmd(
    settings: Settings, folder: Path, out: Path, rejects: Path | None, policy: Path | None
) -> None:
    """Correlate a replay folder into cases (JSON Lines), exactly as the stream would."""
    from fusionhub.policies import load_policy
    from fusionhub.replay import case_lines, correlate_events, input_bytes, load_events

    connectors = replay_connectors(settings, folder)
    chosen = load_policy(policy or settings.streams.policy_file)
    # Bars on a terminal only: piped, click prints each label once.
    with click.progressbar(length=input_bytes(folder), label="converting", file=sys.stderr) as bar:
        result, events = load_events(folder, connectors, datetime.now(UTC), bar.update)
    with click.progressbar(length=len(events), label="correlating", file=sys.stderr) as bar:
        result.cases = correlate_events(events, chosen, bar.update)
    with out.open("w", encoding="utf-8") as fh:
        for line in case_lines(result.cases):
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    if rejects is not None:
        with rejects.open("w", encoding="utf-8") as fh:
            for line in result.rejects:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    click.echo(json.dumps(result.summary()), err=True)


def replay_connectors(settings: Settings, folder: Path) -> dict[Any, Any]:
    """The connectors of a replay of ``folder``: its own ``cameras.csv`` when it has one, and
    a one-off PII key when none is configured (see ``_with_pii_key``)."""
    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.ingest import build_connectors

    cameras = folder / "cameras.csv"
    return build_connectors(Hub(_with_pii_key(settings)), cameras if cameras.exists() else None)


def _with_pii_key(settings: Settings) -> Settings:
    """Settings with a PII key: the configured one, or a one-off key for this run.

    A replay needs party tokens only to compare reports within the run, so a key made here and
    dropped at exit keeps the batch command free of secrets; its tokens match no hub's.
    """
    if settings.secrets.pii_key is not None:
        return settings
    click.echo("note: FUSIONHUB_SECRETS__PII_KEY is not set; tokens use a one-off key", err=True)
    key = SecretStr(secrets.token_urlsafe(32))
    return settings.model_copy(
        update={"secrets": settings.secrets.model_copy(update={"pii_key": key})}
    )


@click.command("simulate")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--events", "n_events", default=5000, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option(
    "--days", type=int, default=None, help="Span in days (default 14); not with --density."
)
@click.option(
    "--density",
    type=float,
    default=None,
    help="Incidents per township per week. Fixes the rate; --events fixes the total, so the "
    "span in days grows or shrinks to fit (all townships of the counties are used).",
)
def simulate_cmd(
    out: Path, n_events: int, seed: int, days: int | None, density: float | None
) -> None:
    """Write a realistic replay folder with ground truth (truth.jsonl).

    Without --density the incidents of --events records spread over --days; with --density the
    rate is fixed and the span adapts. See docs/simulator.md for the noise models.
    """
    from fusionhub.sim.writer import simulate

    if density is not None and days is not None:
        raise click.UsageError("give --density or --days, not both")
    if density is not None and density <= 0:
        raise click.UsageError("--density must be positive")
    with click.progressbar(length=n_events, label="simulating", file=sys.stderr) as bar:
        summary = simulate(out, seed, n_events, days=days, density=density, progress=bar.update)
    click.echo(
        json.dumps(
            {
                "out": str(out),
                "records": summary.records,
                "incidents": summary.incidents,
                "device_faults": summary.device_faults,
                "hard_negatives": summary.hard_negatives,
                "days": summary.days,
                "townships": summary.townships,
                "noise": summary.noise,
            }
        ),
        err=True,
    )


@click.command("evaluate")
@click.option("--cases", "cases_file", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--truth", "truth_file", type=click.Path(exists=True, path_type=Path), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "table"]),
    default="json",
    show_default=True,
    help="json: the scores and the error breakdown on one line; table: the same for reading.",
)
@click.option("--examples", default=3, show_default=True, help="Example reports per row.")
def evaluate_cmd(cases_file: Path, truth_file: Path, fmt: str, examples: int) -> None:
    """B-cubed and pairwise precision, recall and F1 of cases against ground truth, and the
    errors (wrong merges, missed joins) by category and source pair with the deciding scores."""
    from fusionhub.evaluation import evaluate
    from fusionhub.evaluation_errors import error_breakdown
    from fusionhub.evaluation_report import format_tables

    cases = [json.loads(line) for line in _lines(cases_file)]
    truth = read_truth(truth_file)
    try:
        scores = evaluate([case["event_refs"] for case in cases], truth)
    except ValueError as exc:
        click.echo(f"cannot evaluate: {exc}", err=True)
        sys.exit(1)
    breakdown = error_breakdown(cases, truth, examples)
    if fmt == "table":
        click.echo(format_tables(scores, breakdown))
    else:
        click.echo(json.dumps({**scores, "breakdown": breakdown}, ensure_ascii=False))


def read_truth(path: Path) -> dict[str, str | None]:
    """``truth.jsonl`` (one ``{"event_ref", "incident_id"}`` a line) as a mapping."""
    truth: dict[str, str | None] = {}
    for line in _lines(path):
        row = json.loads(line)
        truth[row["event_ref"]] = row["incident_id"]
    return truth


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
