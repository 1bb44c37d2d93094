"""The AsyncAPI 3.0 document of the hub's topics, served at ``/asyncapi.json`` by the read API.

Generated from the topic table (``fusionhub.bus.topics.topic_table``) and the Avro schemas in
``schemas/``, so it cannot drift from what the hub creates and writes: channels with their
addresses, keys, partitioning and the configuration topics are created with; messages with the
newest version of their Avro schema (Confluent wire format: magic byte, schema id, Avro binary).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fusionhub.bus.options import TopicSettings
from fusionhub.bus.topics import TopicNames, TopicSpec, topic_table
from fusionhub.serialization.registry import EmbeddedSchemaRegistry

AVRO_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"
KAFKA_BINDING = "0.5.0"
# What each record's Kafka key is; the same wherever the record goes.
MESSAGE_KEYS = {
    "fusionhub.Event": "the county code (6 digits)",
    "fusionhub.CaseCommand": "the county code of the case (6 digits)",
    "fusionhub.Tick": "none: a tick names the partition it is for",
    "fusionhub.Case": "the case id",
    "fusionhub.DeviceHealth": "the camera's DeviceID (20 digits)",
    "fusionhub.DeadLetter": "the source name",
    "fusionhub.StateChunk": "P/slot/n: the event-log partition, the snapshot slot, the chunk",
    "fusionhub.StateHead": "P/slot/head: the event-log partition and the snapshot slot",
}
_RAW_KEY = "any; the hub does not use it"


def _component_id(text: str) -> str:
    """AsyncAPI component keys allow letters, digits, ``.``, ``_`` and ``-``."""
    return text.replace("{", "").replace("}", "")


def _channel_id(key: str) -> str:
    return key.replace("-", "_").replace(".", "_")


def _topic_configuration(spec: TopicSpec, options: TopicSettings) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name, value in spec.configs(options).items():
        if name == "cleanup.policy":
            config[name] = value.split(",")
        else:
            config[name] = float(value) if "." in value else int(value)
    config.setdefault("cleanup.policy", ["delete"])
    return config


def _channel(
    key: str, spec: TopicSpec, topics: TopicNames, partitions: int, options: TopicSettings
) -> dict[str, Any]:
    address = f"{topics.prefix}.{spec.address}"
    channel: dict[str, Any] = {
        "address": address,
        "title": spec.summary,
        "description": (
            f"Key: {spec.key}. Partitioning: {spec.partitioning}. "
            f"Written by {spec.written_by}; read by {spec.read_by}."
        ),
        "messages": {
            _component_id(s): {"$ref": f"#/components/messages/{_component_id(s)}"}
            for s in spec.subjects
        },
        "bindings": {
            "kafka": {
                "partitions": partitions,
                "replicas": 1,
                "topicConfiguration": _topic_configuration(spec, options),
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }
    if spec.parameters:
        channel["parameters"] = {
            name: {"description": f"matches {pattern}"} for name, pattern in spec.parameters.items()
        }
    else:
        channel["bindings"]["kafka"]["topic"] = address
    return channel


def _message(subject: str, registry: EmbeddedSchemaRegistry, published: bool) -> dict[str, Any]:
    """A record type; ``published`` when departments publish it (either subject strategy)."""
    latest = registry.latest(subject)
    key = MESSAGE_KEYS.get(subject, _RAW_KEY)
    return {
        "name": subject,
        "title": subject,
        "summary": str(latest.schema.get("doc", subject)),
        "contentType": "application/octet-stream",
        "description": (
            f"Avro in the Confluent wire format (byte 0, 4-byte big-endian schema id, Avro "
            f"binary); subject {subject} version {latest.version}, schema id "
            f"{latest.schema_id} in the embedded registry."
        ),
        "payload": {"schemaFormat": AVRO_FORMAT, "schema": latest.schema},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": key},
                "schemaIdLocation": "payload",
                "schemaIdPayloadEncoding": "confluent",
                "schemaLookupStrategy": "TopicNameStrategy or RecordNameStrategy"
                if published
                else "RecordNameStrategy",
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _operations(channel_ids: dict[str, TopicSpec]) -> dict[str, Any]:
    """One operation per channel, from the hub's side: it receives what departments publish
    and sends the rest."""
    operations: dict[str, Any] = {}
    for channel_id, spec in channel_ids.items():
        action = "receive" if spec.departments_publish else "send"
        operations[f"{action}_{channel_id}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"written by {spec.written_by}; read by {spec.read_by}",
        }
    return operations


def asyncapi_document(
    topics: TopicNames,
    *,
    version: str,
    bootstrap: str,
    partitions: int,
    case_partitions: int,
    raw_subjects: Mapping[str, str],
    registry: EmbeddedSchemaRegistry | None = None,
    topic_options: TopicSettings | None = None,
) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document for topics under ``topics.prefix``, a raw topic for each
    source of ``raw_subjects`` (source name -> its raw schema, the source registry's).

    Called once by the read API at start-up (``/asyncapi.json``) and by the tests. The partition
    counts are the ones the hub creates topics with (``FUSIONHUB_STREAMS__TOPIC_PARTITIONS``,
    ``__CASE_TOPIC_PARTITIONS``), and so are the configurations, under ``topic_options``
    (``FUSIONHUB_TOPICS__*``; the defaults when None); an existing topic keeps its own.
    """
    registry = registry or EmbeddedSchemaRegistry()
    options = topic_options or TopicSettings()
    table = topic_table(raw_subjects)
    by_channel = {_channel_id(key): spec for key, spec in table.items()}
    counts = {"topic_partitions": partitions, "case_topic_partitions": case_partitions}
    published = {s for spec in table.values() if spec.departments_publish for s in spec.subjects}
    subjects = sorted({s for spec in table.values() for s in spec.subjects})
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "fusionhub topics",
            "version": version,
            "description": (
                "Every Kafka topic the hub creates, what it carries and how it is keyed. "
                "Schemas are served over Confluent's REST API by `fusionhub registry serve`."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/octet-stream",
        "servers": {
            "kafka": {
                "host": bootstrap,
                "protocol": "kafka",
                "description": "The configured Kafka (FUSIONHUB_BOOTSTRAP_SERVERS).",
            }
        },
        "channels": {
            _channel_id(key): _channel(key, spec, topics, counts[spec.partitions_from], options)
            for key, spec in table.items()
        },
        "operations": _operations(by_channel),
        "components": {
            "messages": {_component_id(s): _message(s, registry, s in published) for s in subjects}
        },
    }
