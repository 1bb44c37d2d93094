"""``Hub``: the settings, read once, and the parts every service is built from."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topic_check import HubTopics
from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.categories import CategoryTable, load_category_table
from fusionhub.connectors.registry import SourceRegistry, load_sources
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.serialization import (
    AvroCodec,
    ConfluentSchemaRegistry,
    EmbeddedSchemaRegistry,
    SchemaRegistry,
)
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import (
    CASE_SUBJECT,
    COMMAND_SUBJECT,
    DEAD_LETTER_SUBJECT,
    DEVICE_HEALTH_SUBJECT,
    EVENT_SUBJECT,
    TICK_SUBJECT,
)
from fusionhub.serialization.registry import SchemaNotRegisteredError, SchemaRegistryError
from fusionhub.settings import ConfigurationError, Settings

# Every subject some process of the hub writes records of (departments write the raw ones).
WRITTEN_SUBJECTS = (
    EVENT_SUBJECT,
    DEVICE_HEALTH_SUBJECT,
    DEAD_LETTER_SUBJECT,
    COMMAND_SUBJECT,
    TICK_SUBJECT,
    CASE_SUBJECT,
)


class Hub:
    """The settings of one process and the shared parts built from them, each built once on
    first use (so a command builds only what it needs, and a bad setting fails before any
    connection). Built by the command line; the service builders of ``fusionhub.bootstrap``
    take it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def with_settings(self, **changes: Any) -> Hub:
        """A hub whose settings differ in ``changes`` (top-level fields; groups whole), for
        the demo's and the benchmarks' runs of their own."""
        return Hub(self.settings.model_copy(update=changes))

    @functools.cached_property
    def clients(self) -> KafkaClients:
        """Every Kafka client of the process comes from here."""
        return KafkaClients(self.settings.kafka_bootstrap)

    @functools.cached_property
    def topics(self) -> TopicNames:
        return TopicNames(self.settings.topic_prefix)

    @functools.cached_property
    def codec(self) -> AvroCodec:
        """The Avro codec every producer and consumer of the process shares."""
        return AvroCodec(build_registry(self.settings))

    @functools.cached_property
    def sources(self) -> SourceRegistry:
        """The registered sources, each checked whole (``ConfigurationError`` naming what a
        source lacks, or a configured ingest token of a source that does not exist)."""
        from fusionhub.bootstrap.sources import source_problems, unknown_names

        sources = load_sources()
        schemas = EmbeddedSchemaRegistry()
        problems = source_problems(sources, self.categories, schemas, import_hooks=False)
        tokens = unknown_names(sources, self.settings.ingest.tokens)
        if tokens:
            problems.append(
                f"FUSIONHUB_INGEST__TOKENS names {', '.join(tokens)}, which is no source; "
                f"the sources are {', '.join(sources.names)}"
            )
        if problems:
            raise ConfigurationError("; ".join(problems))
        return sources

    @functools.cached_property
    def categories(self) -> CategoryTable:
        """The category table (the packaged ``categories.toml``)."""
        return load_category_table()

    @functools.cached_property
    def policy(self) -> CorrelationPolicy:
        """The correlation policy file (``FUSIONHUB_STREAMS__POLICY_FILE`` or the packaged one)."""
        from fusionhub.policies import load_policy

        return load_policy(self.settings.streams.policy_file)

    def dead_letters(self) -> DeadLetterWriter:
        """The dead-letter writer; needs ``secrets.sealing_key`` (``ConfigurationError``)."""
        return DeadLetterWriter(self.codec, self.settings.secrets.require_sealing_key())

    @functools.cached_property
    def topic_plan(self) -> HubTopics:
        """The hub's topics as configured: names, partition counts, retention and compaction
        (``FUSIONHUB_TOPICS__*``); what topic creation and ``fusionhub topics`` work from."""
        s = self.settings
        return HubTopics(
            clients=self.clients,
            names=self.topics,
            app_id=s.streams.app_id,
            partitions=s.streams.topic_partitions,
            case_partitions=s.streams.case_topic_partitions,
            options=s.topics,
        )

    def ensure_topics(self, names: Iterable[str], partitions: int | None = None) -> list[str]:
        """Create the topics in ``names`` that do not exist, with the configured partitions
        (``streams.topic_partitions`` unless given) and the topic table's configuration;
        returns the ones created."""
        count = partitions or self.settings.streams.topic_partitions
        return ensure_topics(self.clients, names, count, self.settings.topics)

    def clock(self) -> datetime:
        """Now, aware (UTC): the receipt time ingest stamps on what it takes in."""
        return datetime.now(UTC)


def build_registry(settings: Settings) -> SchemaRegistry:
    """The embedded registry, or a Confluent-compatible client when ``registry.kind`` says so.

    A remote registry is asked at once for every subject the hub writes (registering them, or
    only looking them up when ``registry.auto_register`` is off), so a registry without them,
    or none at the URL, stops the command with one line (``ConfigurationError``).
    """
    local = EmbeddedSchemaRegistry()
    reg = settings.registry
    if reg.kind == "embedded":
        return local
    if not reg.url:
        raise ConfigurationError(
            "FUSIONHUB_REGISTRY__URL is not set but FUSIONHUB_REGISTRY__KIND is 'confluent': "
            "set the registry's URL, or the kind back to 'embedded'"
        )
    password = reg.password.get_secret_value() if reg.password else None
    remote = ConfluentSchemaRegistry(
        reg.url, local, reg.username, password, auto_register=reg.auto_register
    )
    try:
        remote.prepare(WRITTEN_SUBJECTS)
    except SchemaNotRegisteredError as exc:
        raise ConfigurationError(
            f"{exc}, and FUSIONHUB_REGISTRY__AUTO_REGISTER is false: register it there, "
            "or let the hub register its schemas"
        ) from None
    except SchemaRegistryError as exc:
        raise ConfigurationError(
            f"the schema registry at FUSIONHUB_REGISTRY__URL ({reg.url}) refused: {exc}"
        ) from None
    return remote
