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
import struct
from datetime import UTC, datetime
from typing import Any, Final, final

from fastavro import schemaless_writer

_DOUBLE: Final = struct.Struct("<d")
_FLOAT: Final = struct.Struct("<f")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_INT_MIN: Final = -(2**31)
_INT_MAX: Final = 2**31 - 1
_LONG_MIN: Final = -(2**63)
_LONG_MAX: Final = 2**63 - 1
_MISSING: Final = object()
_PRIMITIVES: Final = ("null", "boolean", "int", "long", "float", "double", "string", "bytes")


class UnsupportedSchemaError(ValueError):
    """A schema feature the writer does not cover; the codec keeps fastavro for that subject."""


class _FallbackError(Exception):
    """A value the fast path does not take: the record goes to fastavro instead."""


_BYTE: Final = [bytes((i,)) for i in range(256)]


def _write_long(out: list[bytes], n: int) -> None:
    """Zigzag varint of ``n``, which the caller has checked is within the 64-bit range."""
    z = (n << 1) ^ (n >> 63)
    if z < 0x80:
        out.append(_BYTE[z])
        return
    varint = bytearray()
    while z > 0x7F:
        varint.append((z & 0x7F) | 0x80)
        z >>= 7
    varint.append(z)
    out.append(bytes(varint))


def _write_text(out: list[bytes], value: str) -> None:
    data = value.encode()
    size = len(data)
    if size < 64:
        out.append(_BYTE[size << 1])
    else:
        _write_long(out, size)
    out.append(data)


class _Node:
    """One schema node; ``write`` appends the encoding of ``value`` or raises ``_FallbackError``."""

    def write(self, out: list[bytes], value: object) -> None:
        raise NotImplementedError


@final
class _Null(_Node):
    def write(self, out: list[bytes], value: object) -> None:
        if value is not None:
            raise _FallbackError


@final
class _Boolean(_Node):
    def write(self, out: list[bytes], value: object) -> None:
        if value is True:
            out.append(b"\x01")
        elif value is False:
            out.append(b"\x00")
        else:
            raise _FallbackError


@final
class _Integer(_Node):
    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not int or value < self.low or value > self.high:
            raise _FallbackError
        if 0 <= value < 64:
            out.append(_BYTE[value << 1])
        else:
            _write_long(out, value)


@final
class _Real(_Node):
    """``double`` (8 bytes) or ``float`` (4 bytes); ints go through ``float()`` as in fastavro."""

    def __init__(self, packer: struct.Struct) -> None:
        self.packer = packer

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is float:
            out.append(self.packer.pack(value))
        elif type(value) is int:
            out.append(self.packer.pack(float(value)))
        else:
            raise _FallbackError


@final
class _String(_Node):
    def write(self, out: list[bytes], value: object) -> None:
        if not isinstance(value, str):
            raise _FallbackError
        _write_text(out, value)


@final
class _Bytes(_Node):
    """``bytes`` (length first) when ``size`` is -1, else ``fixed`` of that size."""

    def __init__(self, size: int) -> None:
        self.size = size

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not bytes:
            raise _FallbackError
        if self.size < 0:
            _write_long(out, len(value))
        elif len(value) != self.size:
            raise _FallbackError
        out.append(value)


@final
class _Enum(_Node):
    def __init__(self, symbols: list[str]) -> None:
        self.index: dict[str, int] = {s: i for i, s in enumerate(symbols)}

    def write(self, out: list[bytes], value: object) -> None:
        if not isinstance(value, str):
            raise _FallbackError
        index = self.index.get(value, -1)
        if index < 0:
            raise _FallbackError
        _write_long(out, index)


@final
class _TimestampMillis(_Node):
    """``long`` with logical type timestamp-millis: an aware datetime or an int of millis."""

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is datetime and value.tzinfo is not None:
            delta = value - _EPOCH
            millis: int = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
            _write_long(out, millis)
        elif type(value) is int and _LONG_MIN <= value <= _LONG_MAX:
            _write_long(out, value)
        else:  # naive datetimes (fastavro reads them as local time) and anything else
            raise _FallbackError


@final
class _Array(_Node):
    def __init__(self, items: _Node) -> None:
        self.items = items

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not list:
            raise _FallbackError
        if value:
            _write_long(out, len(value))
            items = self.items
            for item in value:
                items.write(out, item)
        out.append(b"\x00")


@final
class _Map(_Node):
    def __init__(self, values: _Node) -> None:
        self.values = values

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not dict:
            raise _FallbackError
        if value:
            _write_long(out, len(value))
            values = self.values
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _FallbackError
                _write_text(out, key)
                values.write(out, item)
        out.append(b"\x00")


@final
class _Optional(_Node):
    """A two-branch union with ``null``: None takes the null branch, anything else the other."""

    def __init__(self, null_index: int, node: _Node) -> None:
        self.null_tag: bytes = _BYTE[null_index << 1]
        self.value_tag: bytes = _BYTE[(1 - null_index) << 1]
        self.node = node

    def write(self, out: list[bytes], value: object) -> None:
        if value is None:
            out.append(self.null_tag)
        else:
            out.append(self.value_tag)
            self.node.write(out, value)


@final
class _Record(_Node):
    """Fields in order; a missing field takes its default, or fastavro decides."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[_Node] = []
        self.defaults: list[object] = []

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not dict or "-type" in value:
            raise _FallbackError  # fastavro picks union branches by a "-type" key
        names = self.names
        nodes = self.nodes
        for i in range(len(names)):
            item = value.get(names[i], _MISSING)
            if item is _MISSING:
                item = self.defaults[i]
                if item is _MISSING:
                    raise _FallbackError
            nodes[i].write(out, item)


@final
class AvroWriter:
    """Encodes records of one schema to Avro binary bodies, byte for byte as fastavro does."""

    def __init__(self, schema: object, parsed: Any) -> None:
        self.root: _Node = _Builder().node(schema, "")
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
    """Turns a schema into nodes, resolving named types by full name."""

    def __init__(self) -> None:
        self.named: dict[str, _Node] = {}

    def node(self, schema: object, namespace: str) -> _Node:
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
            node: _Node = _TimestampMillis()
        elif kind in _PRIMITIVES:
            node = self.named_or_primitive(str(kind), namespace)
        elif kind == "array":
            node = _Array(self.node(schema["items"], namespace))
        elif kind == "map":
            node = _Map(self.node(schema["values"], namespace))
        elif kind in ("record", "enum", "fixed"):
            node = self.named_type(schema, str(kind), namespace)
        else:
            raise UnsupportedSchemaError(f"type {kind!r}")
        return node

    def named_or_primitive(self, name: str, namespace: str) -> _Node:
        if name in ("int", "long"):
            return _Integer(_INT_MIN, _INT_MAX) if name == "int" else _Integer(_LONG_MIN, _LONG_MAX)
        if name in ("float", "double"):
            return _Real(_FLOAT if name == "float" else _DOUBLE)
        if name == "string":
            return _String()
        if name in ("null", "boolean", "bytes"):
            return _Null() if name == "null" else _Boolean() if name == "boolean" else _Bytes(-1)
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        found = self.named.get(full, self.named.get(name))
        if found is None:
            raise UnsupportedSchemaError(f"unknown type name {name!r}")
        return found

    def union(self, branches: list[Any], namespace: str) -> _Node:
        if len(branches) != 2 or branches.count("null") != 1:
            raise UnsupportedSchemaError(f"union {branches!r}: only [null, X] is covered")
        null_index = branches.index("null")
        other = branches[1 - null_index]
        if isinstance(other, list):
            raise UnsupportedSchemaError("nested union")
        return _Optional(null_index, self.node(other, namespace))

    def named_type(self, schema: dict[str, Any], kind: str, namespace: str) -> _Node:
        name = str(schema["name"])
        if "." in name:
            full = name
            namespace = name.rsplit(".", 1)[0]
        else:
            namespace = str(schema.get("namespace") or namespace)
            full = f"{namespace}.{name}" if namespace else name
        if kind == "enum":
            node: _Node = _Enum([str(s) for s in schema["symbols"]])
        elif kind == "fixed":
            node = _Bytes(int(schema["size"]))
        else:
            record = _Record()
            self.named[full] = record  # before the fields: a field may refer back to it
            for field in schema["fields"]:
                record.names.append(str(field["name"]))
                record.nodes.append(self.node(field["type"], namespace))
                record.defaults.append(field.get("default", _MISSING))
            return record
        self.named[full] = node
        return node
