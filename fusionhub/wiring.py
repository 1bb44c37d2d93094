"""The composition root: turn one ``Settings`` into the adapters the hub runs with."""

from __future__ import annotations

from datetime import UTC, datetime

from fusionhub.connectors.base import SourceConnector
from fusionhub.core.events import Source
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.pipeline import IngestPipeline, SeenRefs
from fusionhub.ingest.publisher import KafkaPublisher
from fusionhub.ingest.service import IngestService
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
from fusionhub.streams.topics import TopicNames

# Every subject some process of the hub writes records of (departments write the raw ones).
WRITTEN_SUBJECTS = (
    EVENT_SUBJECT,
    DEVICE_HEALTH_SUBJECT,
    DEAD_LETTER_SUBJECT,
    COMMAND_SUBJECT,
    TICK_SUBJECT,
    CASE_SUBJECT,
)


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


def build_codec(settings: Settings) -> AvroCodec:
    """The Avro codec every producer and consumer of the process shares."""
    return AvroCodec(build_registry(settings))


def build_dead_letters(settings: Settings, codec: AvroCodec) -> DeadLetterWriter:
    """The dead-letter writer; needs ``secrets.sealing_key``."""
    return DeadLetterWriter(codec, settings.secrets.require_sealing_key())


def build_connectors(settings: Settings) -> dict[Source, SourceConnector]:
    """One connector per source, sharing the gazetteer, category table and PII protector."""
    from fusionhub.connectors.categories import load_category_table
    from fusionhub.connectors.factory import build_connectors as connectors_from
    from fusionhub.connectors.pii import PiiProtector
    from fusionhub.regions import load_camera_registry, load_gazetteer

    ingest = settings.ingest
    cameras = load_camera_registry(ingest.cameras_csv) if ingest.cameras_csv else {}
    return dict(
        connectors_from(
            gazetteer=load_gazetteer(),
            categories=load_category_table(),
            pii=PiiProtector(settings.secrets.require_pii_key()),
            cameras=cameras,
            max_payload_bytes=ingest.max_body_bytes,
        )
    )


def build_ingest_pipeline(
    settings: Settings, metrics: IngestMetrics, seen: SeenRefs | None = None
) -> IngestPipeline:
    """The pipeline every way in shares: connectors, dedup, Avro, dead letters."""
    codec = build_codec(settings)
    return IngestPipeline(
        connectors=build_connectors(settings),
        codec=codec,
        dead_letters=build_dead_letters(settings, codec),
        topics=TopicNames(settings.topic_prefix),
        metrics=metrics,
        seen=seen or SeenRefs(),
        clock=lambda: datetime.now(UTC),
    )


def build_publisher(settings: Settings, metrics: IngestMetrics) -> KafkaPublisher:
    """The idempotent producer of the ingest process."""
    ingest = settings.ingest
    return KafkaPublisher(
        settings.kafka_bootstrap,
        metrics,
        linger_ms=ingest.linger_ms,
        batch_bytes=ingest.batch_bytes,
    )


def build_ingest_service(settings: Settings) -> IngestService:
    """The HTTP ingest service, warm-started with the refs already on the topics.

    Refuses to build (``ConfigurationError``) when no ingest token is configured: services ask
    for one.
    """
    from prometheus_client import CollectorRegistry

    ingest = settings.ingest
    ingest.require_token()
    known = prepare_ingest_topics(settings)
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    pipeline = build_ingest_pipeline(settings, metrics, SeenRefs(known))
    publisher = build_publisher(settings, metrics)
    return IngestService(pipeline, publisher, registry, ingest.token_for, ingest.max_body_bytes)


def prepare_ingest_topics(settings: Settings) -> set[str]:
    """Create the topics ingest writes to (with the configured partitions) and return the event
    refs already on them, for duplicate detection. Called once when an ingest process starts."""
    from fusionhub.ingest.seen import refs_on_topics
    from fusionhub.streams.admin import ensure_topics

    topics = TopicNames(settings.topic_prefix)
    ensure_topics(
        settings.kafka_bootstrap,
        [topics.events, topics.device_health, topics.dead_letter],
        settings.streams.topic_partitions,
    )
    return refs_on_topics(
        settings.kafka_bootstrap, [topics.events, topics.device_health], build_codec(settings)
    )
