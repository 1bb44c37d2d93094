"""Serialisation lives here and only here: the schema registry seam, the Avro codec, and the
mapping between core dataclasses and Avro records."""

from fusionhub.serialization.avro import AvroCodec, DecodeError
from fusionhub.serialization.registry import (
    ConfluentSchemaRegistry,
    EmbeddedSchemaRegistry,
    SchemaRegistry,
    SchemaRegistryError,
)

__all__ = [
    "AvroCodec",
    "ConfluentSchemaRegistry",
    "DecodeError",
    "EmbeddedSchemaRegistry",
    "SchemaRegistry",
    "SchemaRegistryError",
]
