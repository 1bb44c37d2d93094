"""The typed nodes ``AvroWriter`` builds from a schema, one class per Avro kind.

Each node's ``write`` appends the encoding of a value, byte for byte as fastavro would write it,
or raises ``FallbackError`` for any value whose encoding is not certain (the writer then hands
the whole record to fastavro). Plain, fully annotated Python so that mypyc can compile it.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Final, final

DOUBLE: Final = struct.Struct("<d")
FLOAT: Final = struct.Struct("<f")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1
LONG_MIN: Final = -(2**63)
LONG_MAX: Final = 2**63 - 1
MISSING: Final = object()
PRIMITIVES: Final = ("null", "boolean", "int", "long", "float", "double", "string", "bytes")


class UnsupportedSchemaError(ValueError):
    """A schema feature the writer does not cover; the codec keeps fastavro for that subject."""


class FallbackError(Exception):
    """A value the fast path does not take: the record goes to fastavro instead."""


_BYTE: Final = [bytes((i,)) for i in range(256)]


def _write_long(out: list[bytes], n: int) -> None:
    """Zigzag varint of ``n``, which the caller has checked is within the 64-bit range."""
    z = (n << 1) ^ (n >> 63)
    # One shared single-byte object per varint byte: list appends, where a bytearray would
    # cost generic method calls once compiled. The join copies them out.
    while z > 0x7F:
        out.append(_BYTE[(z & 0x7F) | 0x80])
        z >>= 7
    out.append(_BYTE[z])


def _write_text(out: list[bytes], value: str) -> None:
    data = value.encode()
    size = len(data)
    if size < 64:
        out.append(_BYTE[size << 1])
    else:
        _write_long(out, size)
    out.append(data)


class Node:
    """One schema node; ``write`` appends the encoding of ``value`` or raises ``FallbackError``."""

    def write(self, out: list[bytes], value: object) -> None:
        raise NotImplementedError


@final
class NullNode(Node):
    def write(self, out: list[bytes], value: object) -> None:
        if value is not None:
            raise FallbackError


@final
class BooleanNode(Node):
    def write(self, out: list[bytes], value: object) -> None:
        if value is True:
            out.append(b"\x01")
        elif value is False:
            out.append(b"\x00")
        else:
            raise FallbackError


@final
class IntegerNode(Node):
    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not int or value < self.low or value > self.high:
            raise FallbackError
        if 0 <= value < 64:
            out.append(_BYTE[value << 1])
        else:
            _write_long(out, value)


@final
class RealNode(Node):
    """``double`` (8 bytes) or ``float`` (4 bytes); ints go through ``float()`` as in fastavro."""

    def __init__(self, packer: struct.Struct) -> None:
        self.packer = packer

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is float:
            out.append(self.packer.pack(value))
        elif type(value) is int:
            out.append(self.packer.pack(float(value)))
        else:
            raise FallbackError


@final
class StringNode(Node):
    def write(self, out: list[bytes], value: object) -> None:
        if not isinstance(value, str):
            raise FallbackError
        _write_text(out, value)


@final
class BytesNode(Node):
    """``bytes`` (length first) when ``size`` is -1, else ``fixed`` of that size."""

    def __init__(self, size: int) -> None:
        self.size = size

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not bytes:
            raise FallbackError
        if self.size < 0:
            _write_long(out, len(value))
        elif len(value) != self.size:
            raise FallbackError
        out.append(value)


@final
class EnumNode(Node):
    def __init__(self, symbols: list[str]) -> None:
        self.index: dict[str, int] = {s: i for i, s in enumerate(symbols)}

    def write(self, out: list[bytes], value: object) -> None:
        if not isinstance(value, str):
            raise FallbackError
        index = self.index.get(value, -1)
        if index < 0:
            raise FallbackError
        _write_long(out, index)


@final
class TimestampMillisNode(Node):
    """``long`` with logical type timestamp-millis: an aware datetime or an int of millis."""

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is datetime and value.tzinfo is not None:
            delta = value - _EPOCH
            millis: int = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
            _write_long(out, millis)
        elif type(value) is int and LONG_MIN <= value <= LONG_MAX:
            _write_long(out, value)
        else:  # naive datetimes (fastavro reads them as local time) and anything else
            raise FallbackError


@final
class ArrayNode(Node):
    def __init__(self, items: Node) -> None:
        self.items = items

    def write(self, out: list[bytes], value: object) -> None:
        # fastavro writes any sequence; a tuple (as value objects hold) the same as a list.
        if type(value) is not list and type(value) is not tuple:
            raise FallbackError
        if value:
            _write_long(out, len(value))
            items = self.items
            for item in value:
                items.write(out, item)
        out.append(b"\x00")


@final
class MapNode(Node):
    def __init__(self, values: Node) -> None:
        self.values = values

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not dict:
            raise FallbackError
        if value:
            _write_long(out, len(value))
            values = self.values
            for key, item in value.items():
                if not isinstance(key, str):
                    raise FallbackError
                _write_text(out, key)
                values.write(out, item)
        out.append(b"\x00")


@final
class OptionalNode(Node):
    """A two-branch union with ``null``: None takes the null branch, anything else the other."""

    def __init__(self, null_index: int, node: Node) -> None:
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
class RecordNode(Node):
    """Fields in order; a missing field takes its default, or fastavro decides."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[Node] = []
        self.defaults: list[object] = []

    def write(self, out: list[bytes], value: object) -> None:
        if type(value) is not dict or "-type" in value:
            raise FallbackError  # fastavro picks union branches by a "-type" key
        names = self.names
        nodes = self.nodes
        for i in range(len(names)):
            item = value.get(names[i], MISSING)
            if item is MISSING:
                item = self.defaults[i]
                if item is MISSING:
                    raise FallbackError
            nodes[i].write(out, item)


@final
class AttributeRecordNode(Node):
    """A record read from an object's attributes, named as the schema's fields.

    Lets a value object (``Event``) be written without first building its dict: the caller
    keeps the dict mapping as the fallback, and fastavro is given that dict when this refuses.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[Node] = []
        self.defaults: list[object] = []

    def write(self, out: list[bytes], value: object) -> None:
        if isinstance(value, dict):
            raise FallbackError  # a dict is written by RecordNode, never by attribute
        names = self.names
        nodes = self.nodes
        for i in range(len(names)):
            item = getattr(value, names[i], MISSING)
            if item is MISSING:
                item = self.defaults[i]
                if item is MISSING:
                    raise FallbackError
            nodes[i].write(out, item)
