"""``fusionhub topics check | apply``: the hub's topics against what the topic table requires.

The table (``bus.topics.TOPICS``) gives each topic its configuration under the settings
(``TopicSpec.configs``); an existing topic is as the hub needs it when its ``cleanup.policy``
is the same, its ``retention.ms`` at least as long (or -1, forever), and, for the topics placed
by key or by partition (event log, commands, state), its partition count the configured one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fusionhub.bus.admin import alter_topic_configs, describe_topics, ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.options import TopicSettings
from fusionhub.bus.topics import TopicNames, TopicSpec, spec_of


@dataclass(frozen=True, slots=True)
class Finding:
    """One topic that is not as the hub needs it, and why (one line per problem)."""

    topic: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class HubTopics:
    """The topics of one configured hub: where they are, their names, the worker group whose
    state topic it has, the partition counts and the topic settings. Built by the composition
    root."""

    clients: KafkaClients
    names: TopicNames
    app_id: str
    partitions: int
    case_partitions: int
    options: TopicSettings

    def base(self) -> list[str]:
        """The topics every hub has (case topics per county or township come on first use)."""
        n = self.names
        return [
            n.events,
            n.commands,
            n.dead_letter,
            n.device_health,
            n.cases_all,
            n.state(self.app_id),
        ]

    def partitions_of(self, spec: TopicSpec) -> int:
        """The partition count the hub creates a topic of ``spec`` with."""
        return (
            self.partitions if spec.partitions_from == "topic_partitions" else self.case_partitions
        )

    def ensure(self, names: list[str] | None = None) -> list[str]:
        """Create the named topics (the base ones when None) that do not exist, each with its
        table's configuration and partition count; returns the ones created."""
        wanted = names if names is not None else self.base()
        counts = {}
        for name in wanted:
            spec = spec_of(name)
            counts[name] = self.partitions_of(spec) if spec else self.partitions
        return ensure_topics(self.clients, wanted, counts, self.options)


def differences(
    spec: TopicSpec, needed: int, options: TopicSettings, partitions: int, configs: dict[str, str]
) -> list[str]:
    """How an existing topic (its partition count and config values) falls short of ``spec``
    (created with ``needed`` partitions), one line per problem; empty when it is as needed."""
    problems: list[str] = []
    if spec.fixed_partitions and partitions != needed:
        problems.append(f"partitions {partitions}, needs {needed}")
    wanted = spec.configs(options)
    for key in spec.checked:
        has, needs = configs.get(key), wanted[key]
        if key == "retention.ms":
            if has is not None and (int(has) == -1 or int(has) >= int(needs)):
                continue
        elif has == needs:
            continue
        problems.append(f"{key}={has}, needs {'at least ' if key == 'retention.ms' else ''}{needs}")
    return problems


def check_topics(hub: HubTopics) -> tuple[int, list[Finding]]:
    """How many of the hub's topics were checked, and those that differ from the table.

    Covers every topic under the prefix the table knows (case and raw topics included) and the
    hub's base topics, reported missing when absent. Raises kafka errors when the broker
    cannot be reached.
    """
    found = describe_topics(hub.clients, f"{hub.names.prefix}.")
    findings = [Finding(name, ("missing",)) for name in hub.base() if name not in found]
    checked = len(findings)
    for name, (partitions, configs) in sorted(found.items()):
        spec = spec_of(name)
        if spec is None:
            continue
        checked += 1
        problems = differences(spec, hub.partitions_of(spec), hub.options, partitions, configs)
        if problems:
            findings.append(Finding(name, tuple(problems)))
    return checked, findings


def apply_topics(hub: HubTopics, settle_s: float = 15.0) -> list[Finding]:
    """Create the missing base topics and set the configs that differ; returns what could not
    be fixed (a partition count, which only a new topic can change).

    The broker applies new topics' and changed configs a moment after it answers: the result
    is read back until it holds, for up to ``settle_s``.
    """
    created = set(hub.ensure())
    findings = _settled(hub, settle_s, created)
    changes: dict[str, dict[str, str]] = {}
    for finding in findings:
        spec = spec_of(finding.topic)
        if spec is not None and any(not p.startswith("partitions") for p in finding.problems):
            configs = spec.configs(hub.options)
            changes[finding.topic] = {key: configs[key] for key in spec.checked}
    alter_topic_configs(hub.clients, changes)
    return _settled(hub, settle_s, set(changes))


def _settled(hub: HubTopics, timeout_s: float, topics: set[str]) -> list[Finding]:
    """The findings once ``topics`` have only partition counts left (or ``timeout_s``
    passed)."""
    deadline = time.monotonic() + timeout_s
    while True:
        _, findings = check_topics(hub)
        pending = [f for f in findings if f.topic in topics]
        done = all(p.startswith("partitions") for f in pending for p in f.problems)
        if done or time.monotonic() >= deadline:
            return findings
        time.sleep(0.25)
