"""What each of the hub's topics must be: partitions and configs, derived from settings.

The hub creates its topics with these configs (``admin.ensure_topics``) rather than relying on
the broker's defaults, and ``fusionhub topics check`` compares existing topics with them. Logs
(events, commands, raw input, dead letters, device health) delete by time, for as long as
recovery and their consumers need them; the case topics and the state topic are compacted by
key, so they keep the latest state of every case and the latest snapshot of every partition
however old.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kafka.admin import KafkaAdminClient

from fusionhub.settings import Settings, StreamSettings
from fusionhub.streams.admin import ensure_topics
from fusionhub.streams.topics import TopicNames

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the hub needs it.

    ``configs`` are set when the hub creates the topic. ``check`` names the configs an existing
    topic must match: ``cleanup.policy`` exactly, ``retention.ms`` at least (or -1, forever).
    ``partitions`` is None when any count will do.
    """

    name: str
    purpose: str
    partitions: int | None
    configs: dict[str, str]
    check: tuple[str, ...] = field(default=("cleanup.policy",))


def log_spec(name: str, purpose: str, hours: int, partitions: int | None) -> TopicSpec:
    """A topic read as a log and deleted by time."""
    configs = {"cleanup.policy": "delete", "retention.ms": str(hours * HOUR_MS)}
    return TopicSpec(name, purpose, partitions, configs, ("cleanup.policy", "retention.ms"))


def case_spec(name: str, purpose: str) -> TopicSpec:
    """A topic of case states keyed by case id, compacted to the latest state of each."""
    return TopicSpec(name, purpose, None, {"cleanup.policy": "compact"})


def hub_specs(settings: Settings) -> list[TopicSpec]:
    """The topics every hub has (case topics per county or township come on first use)."""
    t, topics, s = TopicNames(settings.topic_prefix), settings.topics, settings.streams
    parts = s.topic_partitions
    state = TopicSpec(
        t.state(s.app_id),
        "correlation state snapshots, one partition per event-log partition",
        parts,
        {
            "cleanup.policy": "compact",
            "segment.bytes": str(topics.state_segment_bytes),
            "segment.ms": str(topics.state_segment_ms),
            "min.cleanable.dirty.ratio": str(topics.state_dirty_ratio),
        },
    )
    return [
        log_spec(
            t.events, "the event log: reports, actions, ticks", topics.events_retention_hours, parts
        ),
        log_spec(
            t.commands, "case actions from command centres", topics.events_retention_hours, parts
        ),
        log_spec(t.dead_letter, "what could not be used", topics.dead_letter_retention_hours, None),
        log_spec(t.device_health, "camera faults", topics.device_health_retention_hours, None),
        case_spec(t.cases_all, "every case's latest state"),
        state,
    ]


def spec_for(settings: Settings, name: str) -> TopicSpec | None:
    """The spec of any hub topic by name, case and raw topics included; None for a topic that
    is not the hub's (Faust's own, another prefix's)."""
    for spec in hub_specs(settings):
        if spec.name == name:
            return spec
    prefix = settings.topic_prefix
    if name.startswith((f"{prefix}.cases.county.", f"{prefix}.cases.township.")):
        return case_spec(name, "the cases of one command platform")
    if name.startswith(f"{prefix}.raw."):
        hours = settings.topics.events_retention_hours
        return log_spec(name, "source-native records from departments", hours, None)
    return None


def differences(spec: TopicSpec, partitions: int, configs: dict[str, str]) -> list[str]:
    """How an existing topic (its partition count and config values) falls short of ``spec``,
    one line per problem; empty when it is as the hub needs it."""
    problems: list[str] = []
    if spec.partitions is not None and partitions != spec.partitions:
        problems.append(f"partitions {partitions}, needs {spec.partitions}")
    for key in spec.check:
        has, needs = configs.get(key), spec.configs[key]
        if key == "retention.ms":
            if has is not None and (int(has) == -1 or int(has) >= int(needs)):
                continue
        elif has == needs:
            continue
        problems.append(f"{key}={has}, needs {'at least ' if key == 'retention.ms' else ''}{needs}")
    return problems


def ensure_hub_topics(
    settings: Settings, names: list[str] | None = None, admin: KafkaAdminClient | None = None
) -> list[str]:
    """Create the named hub topics (all of ``hub_specs`` when None) that do not exist yet, with
    their configs; returns the ones created. A name without a spec gets the broker's defaults.

    Called at start-up by every service before it produces or subscribes, and by the router
    for a case topic met for the first time (with the admin client it keeps).
    """
    wanted = names if names is not None else [spec.name for spec in hub_specs(settings)]
    specs = {name: spec_for(settings, name) for name in wanted}
    s = settings.streams
    partitions = {
        name: (spec.partitions if spec and spec.partitions else _default_partitions(s, name))
        for name, spec in specs.items()
    }
    configs = {name: spec.configs for name, spec in specs.items() if spec is not None}
    return ensure_topics(settings.kafka_bootstrap, wanted, partitions, configs, admin)


def _default_partitions(s: StreamSettings, name: str) -> int:
    # Per-platform case topics are small and read whole by one command centre.
    return (
        s.case_topic_partitions
        if ".cases.county." in name or ".cases.township." in name
        else (s.topic_partitions)
    )
