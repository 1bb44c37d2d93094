"""``fusionhub topics check | apply``: the hub's topics and the configs they need."""

from __future__ import annotations

import sys

import click

from fusionhub.bootstrap import Hub
from fusionhub.settings import Settings


@click.group()
def topics() -> None:
    """The hub's Kafka topics: retention, compaction, partitions."""


@topics.command("check")
@click.pass_obj
def check_cmd(settings: Settings) -> None:
    """Report topics whose configs differ from what the hub needs; exit status 1 if any do."""
    from fusionhub.bus.topic_check import check_topics

    checked, findings = check_topics(Hub(settings).topic_plan)
    for finding in findings:
        for problem in finding.problems:
            click.echo(f"{finding.topic}: {problem}")
    click.echo(f"{checked} topics checked, {len(findings)} differ from what the hub needs")
    if findings:
        click.echo("`fusionhub topics apply` sets the configs (not partition counts)", err=True)
        sys.exit(1)


@topics.command("apply")
@click.pass_obj
def apply_cmd(settings: Settings) -> None:
    """Create missing topics and set the configs the hub needs on existing ones."""
    from fusionhub.bus.topic_check import apply_topics

    left = apply_topics(Hub(settings).topic_plan)
    for finding in left:
        for problem in finding.problems:
            click.echo(f"{finding.topic}: {problem} (recreate the topic to change it)")
    click.echo(f"topics as the hub needs them, but {len(left)}" if left else "topics as needed")
    if left:
        sys.exit(1)


@topics.command("create-cases")
@click.argument("counties", nargs=-1)
@click.pass_obj
def create_cases_cmd(settings: Settings, counties: tuple[str, ...]) -> None:
    """Create the case topics of COUNTIES (county codes; every county when none is given).

    The worker creates a county's topics at its first case; created here at deployment, no
    case waits for them and command centres can subscribe before the first case.
    """
    from fusionhub.bootstrap.worker import create_case_topics

    try:
        created = create_case_topics(Hub(settings), counties or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="COUNTIES") from exc
    click.echo(f"{len(created)} case topics created")
