"""A schema-driven Avro binary reader that gives exactly fastavro's values, faster.

The codec builds one ``AvroReader`` per writer schema and uses it when the record's writer
schema is the one the caller wants (no schema resolution to do), which is every record the hub
writes itself: events, commands, case states. Values are those fastavro's
``schemaless_reader`` returns (records as dicts in field order, ``timestamp-millis`` as aware
UTC datetimes, enums as their symbols); malformed bytes raise ``ValueError`` (or ``IndexError``
when cut short), which the codec turns into its ``DecodeError``. Schemas with features the
nodes do not cover get no reader, and fastavro reads them.

Plain, fully annotated Python so that mypyc can compile it; it also runs interpreted.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any, final

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")


class UnreadableSchemaError(ValueError):
    """The schema uses something this reader does not cover; fastavro reads it instead."""


@final
class Cursor:
    """The bytes being read and the position in them."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def long(self) -> int:
        """A zigzag varint (Avro int or long)."""
        data = self.data
        pos = self.pos
        byte = data[pos]
        pos += 1
        result = byte & 0x7F
        shift = 7
        while byte & 0x80:
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if shift > 70:
                raise ValueError("a varint longer than 10 bytes")
        self.pos = pos
        return (result >> 1) ^ -(result & 1)

    def raw(self) -> bytes:
        """Length-prefixed bytes."""
        size = self.long()
        start = self.pos
        end = start + size
        if size < 0 or end > len(self.data):
            raise ValueError(f"{size} bytes do not fit the record")
        self.pos = end
        return self.data[start:end]


class ReadNode:
    """Reads one value of one schema type."""

    def read(self, c: Cursor) -> Any:
        raise NotImplementedError


@final
class NullRead(ReadNode):
    def read(self, c: Cursor) -> Any:
        return None


@final
class BooleanRead(ReadNode):
    def read(self, c: Cursor) -> Any:
        value = c.data[c.pos]
        c.pos += 1
        return value != 0


@final
class LongRead(ReadNode):
    def read(self, c: Cursor) -> Any:
        return c.long()


@final
class RealRead(ReadNode):
    def __init__(self, packer: struct.Struct) -> None:
        self.packer = packer

    def read(self, c: Cursor) -> Any:
        value = self.packer.unpack_from(c.data, c.pos)[0]
        c.pos += self.packer.size
        return value


@final
class StringRead(ReadNode):
    def read(self, c: Cursor) -> Any:
        return c.raw().decode()


@final
class BytesRead(ReadNode):
    def read(self, c: Cursor) -> Any:
        return c.raw()


@final
class FixedRead(ReadNode):
    def __init__(self, size: int) -> None:
        self.size = size

    def read(self, c: Cursor) -> Any:
        start = c.pos
        if start + self.size > len(c.data):
            raise ValueError("a fixed value does not fit the record")
        c.pos = start + self.size
        return c.data[start : c.pos]


@final
class TimestampMillisRead(ReadNode):
    def read(self, c: Cursor) -> Any:
        return _EPOCH + timedelta(milliseconds=c.long())


@final
class EnumRead(ReadNode):
    def __init__(self, symbols: list[str]) -> None:
        self.symbols = symbols

    def read(self, c: Cursor) -> Any:
        return self.symbols[c.long()]


@final
class ArrayRead(ReadNode):
    def __init__(self, items: ReadNode) -> None:
        self.items = items

    def read(self, c: Cursor) -> Any:
        out: list[Any] = []
        items = self.items
        while True:
            count = c.long()
            if count == 0:
                return out
            if count < 0:
                count = -count
                c.long()  # the block's size in bytes, which a reader may skip
            for _ in range(count):
                out.append(items.read(c))


@final
class MapRead(ReadNode):
    def __init__(self, values: ReadNode) -> None:
        self.values = values

    def read(self, c: Cursor) -> Any:
        out: dict[str, Any] = {}
        values = self.values
        while True:
            count = c.long()
            if count == 0:
                return out
            if count < 0:
                count = -count
                c.long()
            for _ in range(count):
                key = c.raw().decode()
                out[key] = values.read(c)


@final
class OptionalRead(ReadNode):
    """A ``["null", X]`` (or ``[X, "null"]``) union."""

    def __init__(self, null_index: int, node: ReadNode) -> None:
        self.null_index = null_index
        self.node = node

    def read(self, c: Cursor) -> Any:
        index = c.long()
        if index == self.null_index:
            return None
        if index != 1 - self.null_index:
            raise ValueError(f"union branch {index} does not exist")
        return self.node.read(c)


@final
class RecordRead(ReadNode):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[ReadNode] = []

    def read(self, c: Cursor) -> Any:
        out: dict[str, Any] = {}
        for name, node in zip(self.names, self.nodes, strict=True):
            out[name] = node.read(c)
        return out


@final
class AvroReader:
    """Decodes Avro binary bodies of one writer schema, value for value as fastavro does."""

    def __init__(self, schema: object) -> None:
        self.root: ReadNode = _Builder().node(schema, "")

    def decode(self, data: bytes, start: int) -> Any:
        """The value of the body in ``data`` from ``start`` (after the frame header).

        Called by ``AvroCodec.decode`` for every record whose schema has a reader. Raises
        ``ValueError`` or ``IndexError`` for bytes that are not such a body.
        """
        return self.root.read(Cursor(data, start))


def build_reader(schema: object) -> AvroReader | None:
    """A reader for ``schema``, or None if it uses something the nodes do not cover."""
    try:
        return AvroReader(schema)
    except UnreadableSchemaError:
        return None


class _Builder:
    """Turns a schema into read nodes, resolving named types by full name."""

    def __init__(self) -> None:
        self.named: dict[str, ReadNode] = {}

    def node(self, schema: object, namespace: str) -> ReadNode:
        if isinstance(schema, str):
            return self.named_or_primitive(schema, namespace)
        if isinstance(schema, list):
            if len(schema) != 2 or schema.count("null") != 1:
                raise UnreadableSchemaError(f"union {schema!r}: only [null, X] is covered")
            null_index = schema.index("null")
            return OptionalRead(null_index, self.node(schema[1 - null_index], namespace))
        if not isinstance(schema, dict):
            raise UnreadableSchemaError(f"schema {schema!r}")
        kind = str(schema.get("type"))
        if "logicalType" in schema:
            if kind != "long" or schema["logicalType"] != "timestamp-millis":
                raise UnreadableSchemaError(f"logical type {schema['logicalType']!r}")
            return TimestampMillisRead()
        if kind in ("array", "map"):
            inner = self.node(schema["items" if kind == "array" else "values"], namespace)
            return ArrayRead(inner) if kind == "array" else MapRead(inner)
        if kind in ("record", "enum", "fixed"):
            return self.named_type(schema, kind, namespace)
        return self.named_or_primitive(kind, namespace)

    def named_or_primitive(self, name: str, namespace: str) -> ReadNode:
        primitives: dict[str, ReadNode] = {
            "null": NullRead(),
            "boolean": BooleanRead(),
            "int": LongRead(),
            "long": LongRead(),
            "float": RealRead(_FLOAT),
            "double": RealRead(_DOUBLE),
            "string": StringRead(),
            "bytes": BytesRead(),
        }
        found = primitives.get(name)
        if found is not None:
            return found
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        named = self.named.get(full, self.named.get(name))
        if named is None:
            raise UnreadableSchemaError(f"unknown type name {name!r}")
        return named

    def named_type(self, schema: dict[str, Any], kind: str, namespace: str) -> ReadNode:
        name = str(schema["name"])
        if "." in name:
            full, namespace = name, name.rsplit(".", 1)[0]
        else:
            namespace = str(schema.get("namespace") or namespace)
            full = f"{namespace}.{name}" if namespace else name
        if kind == "enum":
            node: ReadNode = EnumRead([str(s) for s in schema["symbols"]])
        elif kind == "fixed":
            node = FixedRead(int(schema["size"]))
        else:
            record = RecordRead()
            self.named[full] = record  # before the fields: a field may refer back to it
            for field in schema["fields"]:
                record.names.append(str(field["name"]))
                record.nodes.append(self.node(field["type"], namespace))
            return record
        self.named[full] = node
        return node
