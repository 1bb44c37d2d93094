"""Every topic of the hub, in one table, and their names. Every name hangs off the topic prefix
(``FUSIONHUB_TOPIC_PREFIX``).

``TOPICS`` says, for each topic, what it carries, how it is keyed and partitioned and how long the
broker keeps it (``TopicSpec.configs``: fixed values, and the retention the settings give,
``FUSIONHUB_TOPICS__*``). Topic creation applies that configuration, ``fusionhub topics check``
compares existing topics with it (``bus.topic_check``), the AsyncAPI document
(``fusionhub.api.asyncapi``) is generated from it, and ``TopicNames`` builds names only from it,
so a topic cannot be added without saying all of that. The raw topics are one family,
``raw.{source}``, one topic per registered source; ``topic_table`` gives it source by source,
with each source's raw schema, for whoever lists topics (the AsyncAPI document).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from fusionhub.bus.options import RetentionKind, TopicSettings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """One topic (or family of topics, when ``address`` has a ``{parameter}``)."""

    address: str  # after "<prefix>.", e.g. "events" or "cases.county.{county_code}"
    summary: str
    subjects: tuple[str, ...]  # the Avro record names it carries
    key: str  # what the Kafka record key is
    partitioning: str
    # Which setting gives the partition count when the hub creates the topic.
    partitions_from: Literal["topic_partitions", "case_topic_partitions"]
    # Broker configuration the hub creates the topic with, beside what ``retention`` and
    # ``state`` take from the settings (``configs`` gives the whole of it).
    config: Mapping[str, str]
    written_by: str
    read_by: str
    # Departments publish here: the embedded registry also accepts their schemas under the
    # topic-name subject (``<topic>-value``), Confluent serializers' default.
    departments_publish: bool = False
    parameters: Mapping[str, str] = field(default_factory=dict)  # name -> regex
    # ``retention.ms`` from the settings (``TopicSettings.<kind>_retention_hours``).
    retention: RetentionKind | None = None
    # The state topic's compaction configs from the settings (``TopicSettings.state_configs``).
    state: bool = False
    # ``topics check`` requires the configured partition count: records are placed by key
    # (a county's records meet in one partition) or partition P's state lives in P.
    fixed_partitions: bool = False

    def configs(self, options: TopicSettings) -> dict[str, str]:
        """The configuration the hub creates the topic with under ``options``."""
        configs = dict(self.config)
        if self.retention is not None:
            configs["retention.ms"] = options.retention_ms(self.retention)
        if self.state:
            configs.update(options.state_configs())
        return configs

    @property
    def checked(self) -> tuple[str, ...]:
        """The configs ``topics check`` compares: ``cleanup.policy`` exactly, ``retention.ms``
        at least (or -1, forever) when the hub sets one."""
        if "retention.ms" in self.config or self.retention is not None:
            return ("cleanup.policy", "retention.ms")
        return ("cleanup.policy",)


_CASE_KEY = "the case id (UTF-8), so every version of a case is in one partition, in order"
_CASES_CONFIG = {"cleanup.policy": "compact"}
_CASES_WHY = "compacted: the newest state of every case stays readable, older versions go"
_DELETE = {"cleanup.policy": "delete"}
# A department's inbox: ingest-raw moves each record into the event log within seconds.
_RAW_CONFIG = {"cleanup.policy": "delete", "retention.ms": str(7 * DAY_MS)}


def _raw(source: str, subject: str) -> TopicSpec:
    return TopicSpec(
        address=f"raw.{source}",
        summary=f"Source-native {source} records published by departments",
        subjects=(subject,),
        key="any (the record's own id is a good choice); the hub does not use it",
        partitioning="free: ingest-raw reads every partition and orders nothing by key",
        partitions_from="topic_partitions",
        config=_RAW_CONFIG,
        written_by="departments",
        read_by="fusionhub ingest-raw, which moves each record into the event log",
        departments_publish=True,
    )


TOPICS: dict[str, TopicSpec] = {
    # One topic per registered source (fusionhub.sources), each with its raw schema.
    "raw": TopicSpec(
        address="raw.{source}",
        summary="Source-native records departments publish, one topic per source",
        subjects=(),
        key="any (the record's own id is a good choice); the hub does not use it",
        partitioning="free: ingest-raw reads every partition and orders nothing by key",
        partitions_from="topic_partitions",
        config=_RAW_CONFIG,
        written_by="departments",
        read_by="fusionhub ingest-raw, which moves each record into the event log",
        departments_publish=True,
        parameters={"source": r"^[a-z][a-z0-9_]*$"},
    ),
    "events": TopicSpec(
        address="events",
        summary="The event log: unified events, case actions and clock ticks",
        subjects=("fusionhub.Event", "fusionhub.CaseCommand", "fusionhub.Tick"),
        key="the county code (6 digits, UTF-8); ticks have none and name their partition",
        partitioning="Kafka's default partitioner on the county code: every report of an "
        "incident, and every action on its case, meets in one partition and one case book",
        partitions_from="topic_partitions",
        # A partition's cases are restored from its latest snapshot (state topic) and the log
        # after it: the log is kept for days (FUSIONHUB_TOPICS__EVENTS_RETENTION_HOURS), never
        # trimmed by size.
        config={**_DELETE, "retention.bytes": "-1"},
        written_by="the ingest API, fusionhub ingest, ingest-raw; the worker (actions, ticks)",
        read_by="the correlation worker; the case sink (events table)",
        retention="events",
        fixed_partitions=True,
    ),
    "device-health": TopicSpec(
        address="device-health",
        summary="Camera faults, counted and kept, never opened as cases",
        subjects=("fusionhub.DeviceHealth",),
        key="the camera's DeviceID (20 digits, UTF-8)",
        partitioning="Kafka's default partitioner on the DeviceID",
        partitions_from="topic_partitions",
        config=_DELETE,
        written_by="the ingest API, fusionhub ingest, ingest-raw",
        read_by="operations tools; duplicate detection when an ingest process starts",
        retention="device_health",
    ),
    "dead-letter": TopicSpec(
        address="dead-letter",
        summary="What could not be used, with stage and reason; originals sealed (Fernet)",
        subjects=("fusionhub.DeadLetter",),
        key="the source name (grid, hotline, ... or commands, sink; UTF-8)",
        partitioning="Kafka's default partitioner on the source name",
        partitions_from="topic_partitions",
        config=_DELETE,
        written_by="every ingest path; the worker (refused actions, undecodable records)",
        read_by="fusionhub deadletter show; the case sink (counts)",
        retention="dead_letter",
    ),
    "commands": TopicSpec(
        address="commands",
        summary="Case actions from command centres and departments (accept, dispatch, merge...)",
        subjects=("fusionhub.CaseCommand",),
        key="the county code of the case (6 digits, UTF-8)",
        partitioning="Kafka's default partitioner on the county code",
        partitions_from="topic_partitions",
        # Kept as long as the event log: the worker forwards each action there.
        config=_DELETE,
        written_by="command centres, departments, fusionhub cases merge | split",
        read_by="the worker, which forwards each action into the event log",
        departments_publish=True,
        retention="events",
        fixed_partitions=True,
    ),
    "cases.all": TopicSpec(
        address="cases.all",
        summary="Every new state of every case, with its version",
        subjects=("fusionhub.Case",),
        key=_CASE_KEY,
        partitioning="Kafka's default partitioner on the case id; " + _CASES_WHY,
        partitions_from="topic_partitions",
        config=_CASES_CONFIG,
        written_by="the correlation worker",
        read_by="the case sink; anyone who wants every case",
    ),
    "cases.county": TopicSpec(
        address="cases.county.{county_code}",
        summary="States of a county's cases held at county level (escalated, or no township)",
        subjects=("fusionhub.Case",),
        key=_CASE_KEY,
        partitioning="one partition by default; " + _CASES_WHY,
        partitions_from="case_topic_partitions",
        config=_CASES_CONFIG,
        written_by="the correlation worker, creating the topic on a county's first case",
        read_by="the county's command platform",
        parameters={"county_code": r"^\d{6}$"},
    ),
    "cases.township": TopicSpec(
        address="cases.township.{township_code}",
        summary="States of a township's cases, and of one leaving it by escalation",
        subjects=("fusionhub.Case",),
        key=_CASE_KEY,
        partitioning="one partition by default; " + _CASES_WHY,
        partitions_from="case_topic_partitions",
        config=_CASES_CONFIG,
        written_by="the correlation worker, creating the topic on a township's first case",
        read_by="the township's command platform",
        parameters={"township_code": r"^\d{9}$"},
    ),
    "state": TopicSpec(
        address="state.{app_id}",
        summary="Snapshots of the correlation state of one worker group (docs/state.md)",
        subjects=("fusionhub.StateChunk", "fusionhub.StateHead"),
        key="P/slot/n for a snapshot's chunks and P/slot/head for its head (UTF-8); "
        "P is the event-log partition whose state it is",
        partitioning="explicit: partition P of the event log has its state in partition P; "
        "compacted, so the latest snapshot of each slot stays",
        partitions_from="topic_partitions",
        config=_CASES_CONFIG,
        written_by="the correlation worker, after every few thousand records and at a rebalance",
        read_by="the correlation worker: restores at a takeover, standby copies",
        parameters={"app_id": r"^[A-Za-z0-9._-]+$"},
        state=True,
        fixed_partitions=True,
    ),
}


def _address_pattern(spec: TopicSpec) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", spec.address)
    text = "".join(
        re.escape(part) if i % 2 == 0 else spec.parameters[part].strip("^$")
        for i, part in enumerate(parts)
    )
    return re.compile(rf"(?P<prefix>.+)\.{text}")


_PATTERNS = {key: _address_pattern(spec) for key, spec in TOPICS.items()}


def topic_table(raw_subjects: Mapping[str, str]) -> dict[str, TopicSpec]:
    """``TOPICS`` with the raw family given source by source (``raw.grid``, ...), each with its
    raw schema: ``raw_subjects`` maps a source name to its subject (the source registry's)."""
    table = {k: v for k, v in TOPICS.items() if k != "raw"}
    raw = {f"raw.{name}": _raw(name, subject) for name, subject in raw_subjects.items()}
    return {**raw, **table}


def spec_of(topic: str) -> TopicSpec | None:
    """The table's entry for a topic name under any prefix, or None for a topic of no entry
    (benchmark scratch topics). Called by topic creation for the configuration to apply."""
    for key, pattern in _PATTERNS.items():
        if pattern.fullmatch(topic):
            return TOPICS[key]
    return None


@dataclass(frozen=True)
class TopicNames:
    """Topic names under one prefix, built from ``TOPICS`` only."""

    prefix: str = "fusionhub"

    def name(self, key: str, **parameters: str) -> str:
        """The name of the table's topic ``key``; KeyError for a topic not in ``TOPICS``."""
        return f"{self.prefix}.{TOPICS[key].address.format(**parameters)}"

    def raw(self, source: str) -> str:
        """Source-native Avro records published by departments, one topic per source."""
        return self.name("raw", source=source)

    @property
    def events(self) -> str:
        """Unified, normalised events (fusionhub.Event), actions and ticks: the event log."""
        return self.name("events")

    @property
    def device_health(self) -> str:
        return self.name("device-health")

    @property
    def dead_letter(self) -> str:
        return self.name("dead-letter")

    @property
    def commands(self) -> str:
        """Case actions published by command centres and departments."""
        return self.name("commands")

    @property
    def cases_all(self) -> str:
        return self.name("cases.all")

    def cases_county(self, county_code: str) -> str:
        return self.name("cases.county", county_code=county_code)

    def cases_township(self, township_code: str) -> str:
        return self.name("cases.township", township_code=township_code)

    def state(self, app_id: str) -> str:
        """Snapshots of the correlation state of worker group ``app_id``, one partition per
        event-log partition (compacted; see ``fusionhub.streams.snapshots``)."""
        return self.name("state", app_id=app_id)

    def value_subjects(self, raw_subjects: Mapping[str, str]) -> dict[str, str]:
        """``<topic>-value`` -> record subject, for the topics departments publish to (each
        source's raw topic, ``raw_subjects`` as in ``topic_table``, and the command topic): the
        subjects Confluent serializers register under by default (TopicNameStrategy)."""
        subjects = {f"{self.raw(name)}-value": subject for name, subject in raw_subjects.items()}
        for key, spec in TOPICS.items():
            if spec.departments_publish and not spec.parameters:
                subjects[f"{self.name(key)}-value"] = spec.subjects[0]
        return subjects
