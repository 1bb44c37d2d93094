"""The composition root: turn one ``Settings`` into the adapters the hub runs with."""

from __future__ import annotations

from fusionhub.serialization import (
    AvroCodec,
    ConfluentSchemaRegistry,
    EmbeddedSchemaRegistry,
    SchemaRegistry,
)
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.settings import Settings


def build_registry(settings: Settings) -> SchemaRegistry:
    """The embedded registry, or a Confluent-compatible client when ``registry.kind`` says so."""
    local = EmbeddedSchemaRegistry()
    reg = settings.registry
    if reg.kind == "embedded":
        return local
    if not reg.url:
        raise ValueError("registry.kind is 'confluent' but FUSIONHUB_REGISTRY__URL is not set")
    password = reg.password.get_secret_value() if reg.password else None
    return ConfluentSchemaRegistry(reg.url, local, reg.username, password)


def build_codec(settings: Settings) -> AvroCodec:
    """The Avro codec every producer and consumer of the process shares."""
    return AvroCodec(build_registry(settings))


def build_dead_letters(settings: Settings, codec: AvroCodec) -> DeadLetterWriter:
    """The dead-letter writer; needs ``secrets.sealing_key``."""
    return DeadLetterWriter(codec, settings.secrets.require_sealing_key())
