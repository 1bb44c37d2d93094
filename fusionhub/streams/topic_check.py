"""``fusionhub topics check | apply``: the hub's topics against what ``topic_specs`` requires."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fusionhub.settings import Settings
from fusionhub.streams.admin import alter_topic_configs, describe_topics
from fusionhub.streams.topic_specs import differences, ensure_hub_topics, hub_specs, spec_for


@dataclass(frozen=True, slots=True)
class Finding:
    """One topic that is not as the hub needs it, and why (one line per problem)."""

    topic: str
    problems: tuple[str, ...]


def check_topics(settings: Settings) -> tuple[int, list[Finding]]:
    """How many of the hub's topics were checked, and those that differ from their specs.

    Covers every topic under the prefix the hub knows (case and raw topics included) and the
    hub's base topics, reported missing when absent. Raises kafka errors when the broker
    cannot be reached.
    """
    found = describe_topics(settings.kafka_bootstrap, f"{settings.topic_prefix}.")
    findings: list[Finding] = []
    checked = 0
    for spec in hub_specs(settings):
        if spec.name not in found:
            checked += 1
            findings.append(Finding(spec.name, ("missing",)))
    for name, (partitions, configs) in sorted(found.items()):
        known = spec_for(settings, name)
        if known is None:
            continue
        checked += 1
        problems = differences(known, partitions, configs)
        if problems:
            findings.append(Finding(name, tuple(problems)))
    return checked, findings


def apply_topics(settings: Settings, settle_s: float = 15.0) -> list[Finding]:
    """Create the missing base topics and set the configs that differ; returns what could not
    be fixed (a partition count, which only a new topic can change).

    The broker applies new topics' and changed configs a moment after it answers: the result
    is read back until it holds, for up to ``settle_s``.
    """
    created = set(ensure_hub_topics(settings))
    findings = _settled(settings, settle_s, created)
    changes: dict[str, dict[str, str]] = {}
    for finding in findings:
        spec = spec_for(settings, finding.topic)
        if spec is not None and any(not p.startswith("partitions") for p in finding.problems):
            changes[finding.topic] = {key: spec.configs[key] for key in spec.check}
    alter_topic_configs(settings.kafka_bootstrap, changes)
    return _settled(settings, settle_s, set(changes))


def _settled(settings: Settings, timeout_s: float, topics: set[str]) -> list[Finding]:
    """The findings once ``topics`` have only partition counts left (or ``timeout_s``
    passed)."""
    deadline = time.monotonic() + timeout_s
    while True:
        _, findings = check_topics(settings)
        pending = [f for f in findings if f.topic in topics]
        done = all(p.startswith("partitions") for f in pending for p in f.problems)
        if done or time.monotonic() >= deadline:
            return findings
        time.sleep(0.25)
