"""A schema-driven Avro binary writer that gives exactly fastavro's bytes, faster.

The codec builds one ``AvroWriter`` per subject from the schema and calls ``encode`` for every
record it produces. The writer walks a tree of small typed nodes built once from the schema; it
takes only values whose encoding is certain (exact ``str``, ``int`` in range, ``float``, aware
``datetime``, ``dict`` records, ``list`` arrays ...). Any other value, and any error on the way,
sends the whole record to fastavro's ``schemaless_writer``, which either writes it or raises its
own error, so results and failures are fastavro's. Schemas with features the nodes do not cover
(other logical types, unions other than ``["null", X]``) get no writer at all.

Plain, fully annotated Python so that mypyc can compile it; it also runs interpreted.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, final

from fastavro import schemaless_writer

from fusionhub.serialization.avro_nodes import (
    DOUBLE,
    FLOAT,
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    MISSING,
    PRIMITIVES,
    ArrayNode,
    AttributeRecordNode,
    BooleanNode,
    BytesNode,
    EnumNode,
    IntegerNode,
    MapNode,
    Node,
    NullNode,
    OptionalNode,
    RealNode,
    RecordNode,
    StringNode,
    TimestampMillisNode,
    UnsupportedSchemaError,
)


@final
class AvroWriter:
    """Encodes records of one schema to Avro binary bodies, byte for byte as fastavro does."""

    def __init__(self, schema: object, parsed: Any) -> None:
        self.root: Node = _Builder(False).node(schema, "")
        self.object_root: Node = _Builder(True).node(schema, "")
        self.parsed: Any = parsed
        self.fallbacks = 0

    def encode(self, record: object) -> bytes:
        """The Avro binary body of ``record`` (no frame header).

        Called by ``AvroCodec.encode`` for every record of a subject that has a writer. Values
        the fast path does not take go to fastavro, so a record that does not fit the schema
        raises fastavro's own error (ValueError, TypeError, OverflowError ...).
        """
        out: list[bytes] = []
        try:
            self.root.write(out, record)
        except Exception:
            return self.fallback(record)
        return b"".join(out)

    def encode_object(self, value: object, to_record: Callable[[Any], object]) -> bytes:
        """The Avro binary body of a value object whose attributes are named as the schema's
        fields, without building its dict first.

        Called by ``AvroCodec.encode_object`` for every event the ingest produces. Anything the
        fast path does not take is turned into its record by ``to_record`` and goes to fastavro,
        so the bytes, and the errors, are those of ``encode(to_record(value))``.
        """
        out: list[bytes] = []
        try:
            self.object_root.write(out, value)
        except Exception:
            return self.fallback(to_record(value))
        return b"".join(out)

    def fallback(self, record: object) -> bytes:
        """fastavro's encoding of ``record``; counted in ``fallbacks`` (roughly, if threaded)."""
        self.fallbacks += 1
        out = io.BytesIO()
        schemaless_writer(out, self.parsed, record)
        return out.getvalue()


def build_writer(schema: object, parsed: Any) -> AvroWriter | None:
    """A writer for ``schema`` (plain or fastavro-parsed), or None if it uses unsupported features.

    Called once per subject by ``AvroCodec``; ``parsed`` is fastavro's parsed schema, used for
    the records the writer hands over. None means: keep fastavro for this subject.
    """
    try:
        return AvroWriter(schema, parsed)
    except UnsupportedSchemaError:
        return None


class _Builder:
    """Turns a schema into nodes, resolving named types by full name.

    ``from_attributes``: records are read from objects' attributes rather than from dicts.
    """

    def __init__(self, from_attributes: bool) -> None:
        self.named: dict[str, Node] = {}
        self.from_attributes = from_attributes

    def node(self, schema: object, namespace: str) -> Node:
        if isinstance(schema, str):
            return self.named_or_primitive(schema, namespace)
        if isinstance(schema, list):
            return self.union(schema, namespace)
        if not isinstance(schema, dict):
            raise UnsupportedSchemaError(f"schema {schema!r}")
        kind = schema.get("type")
        if "logicalType" in schema:
            if kind != "long" or schema["logicalType"] != "timestamp-millis":
                raise UnsupportedSchemaError(f"logical type {schema['logicalType']!r} on {kind!r}")
            node: Node = TimestampMillisNode()
        elif kind in PRIMITIVES:
            node = self.named_or_primitive(str(kind), namespace)
        elif kind == "array":
            node = ArrayNode(self.node(schema["items"], namespace))
        elif kind == "map":
            node = MapNode(self.node(schema["values"], namespace))
        elif kind in ("record", "enum", "fixed"):
            node = self.named_type(schema, str(kind), namespace)
        else:
            raise UnsupportedSchemaError(f"type {kind!r}")
        return node

    def named_or_primitive(self, name: str, namespace: str) -> Node:
        primitive = _primitive(name)
        if primitive is not None:
            return primitive
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        found = self.named.get(full, self.named.get(name))
        if found is None:
            raise UnsupportedSchemaError(f"unknown type name {name!r}")
        return found

    def union(self, branches: list[Any], namespace: str) -> Node:
        if len(branches) != 2 or branches.count("null") != 1:
            raise UnsupportedSchemaError(f"union {branches!r}: only [null, X] is covered")
        null_index = branches.index("null")
        other = branches[1 - null_index]
        if isinstance(other, list):
            raise UnsupportedSchemaError("nested union")
        return OptionalNode(null_index, self.node(other, namespace))

    def named_type(self, schema: dict[str, Any], kind: str, namespace: str) -> Node:
        name = str(schema["name"])
        if "." in name:
            full = name
            namespace = name.rsplit(".", 1)[0]
        else:
            namespace = str(schema.get("namespace") or namespace)
            full = f"{namespace}.{name}" if namespace else name
        if kind == "enum":
            node: Node = EnumNode([str(s) for s in schema["symbols"]])
        elif kind == "fixed":
            node = BytesNode(int(schema["size"]))
        else:
            record: RecordNode | AttributeRecordNode = (
                AttributeRecordNode() if self.from_attributes else RecordNode()
            )
            self.named[full] = record  # before the fields: a field may refer back to it
            for field in schema["fields"]:
                record.names.append(str(field["name"]))
                record.nodes.append(self.node(field["type"], namespace))
                record.defaults.append(field.get("default", MISSING))
            return record
        self.named[full] = node
        return node


def _primitive(name: str) -> Node | None:
    """The node of a primitive type name, else None (a named type, or unknown)."""
    nodes: dict[str, Node] = {
        "null": NullNode(),
        "boolean": BooleanNode(),
        "int": IntegerNode(INT_MIN, INT_MAX),
        "long": IntegerNode(LONG_MIN, LONG_MAX),
        "float": RealNode(FLOAT),
        "double": RealNode(DOUBLE),
        "string": StringNode(),
        "bytes": BytesNode(-1),
    }
    return nodes.get(name)
