"""Payload checks shared by all connectors: size, emptiness, media type, and JSON splitting.

JSON must be UTF-8 (a UTF-8 byte-order mark is tolerated). A top-level array is split into its
elements, each keeping its exact bytes, so one bad element is rejected alone and a record's
fingerprint is the same whether it arrived alone or inside an array.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from fusionhub.connectors.errors import Reason, fail

UTF8_BOM = b"\xef\xbb\xbf"
_JSON_WHITESPACE = " \t\n\r"
JSON_MEDIA_TYPES = frozenset(
    {"application/json", "text/json", "application/x-ndjson", "text/plain"}
)
XML_MEDIA_TYPES = frozenset(
    {"application/xml", "text/xml", "application/manscdp+xml", "application/octet-stream"}
)


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class JsonItem:
    """One JSON value of a payload and its exact bytes (the whole payload for a single document)."""

    def __init__(self, value: Any, original: bytes, position: int | None) -> None:
        self.value = value
        self.original = original
        self.position = position


def check_envelope(
    payload: bytes, content_type: str | None, media_types: frozenset[str], max_bytes: int
) -> None:
    """Refuse, before any decoding, payloads that are too large, empty, or of another media type."""
    if len(payload) > max_bytes:
        raise fail(
            "parse", Reason.TOO_LARGE, "$", f"payload is {len(payload)} bytes, at most {max_bytes}"
        )
    if not payload.strip():
        raise fail("parse", Reason.EMPTY_PAYLOAD, "$", "payload is empty")
    if content_type is None:
        return
    media_type, _, params = content_type.partition(";")
    if media_type.strip().lower() not in media_types:
        wanted = ", ".join(sorted(media_types))
        raise fail(
            "parse",
            Reason.UNSUPPORTED_MEDIA_TYPE,
            "$",
            f"content type {media_type!r}; use {wanted}",
        )
    charset = _charset(params)
    if "json" in media_type.lower() and charset not in (None, "utf-8", "utf8"):
        raise fail(
            "parse", Reason.BAD_ENCODING, "$", f"JSON must be UTF-8, content type says {charset}"
        )


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def decode_json_text(payload: bytes) -> str:
    """The payload as text; anything but UTF-8 (such as GBK bytes) is ``bad_encoding``."""
    body = payload[len(UTF8_BOM) :] if payload.startswith(UTF8_BOM) else payload
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("parse", Reason.BAD_ENCODING, "$", "JSON must be UTF-8, not UTF-16")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            "parse",
            Reason.BAD_ENCODING,
            "$",
            f"JSON must be UTF-8; byte {exc.start} (0x{body[exc.start]:02x}) is not"
            " (GBK or GB2312 text must be re-encoded as UTF-8)",
        ) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def split_json(payload: bytes) -> list[JsonItem]:
    """The JSON values in a payload: one for an object, one per element for an array.

    Raises ConnectorError with ``malformed_json`` (syntax, NaN, absurd nesting), ``empty_batch``
    (``[]``) or ``wrong_type`` (a bare string or number at the top).
    """
    single = _single_object(payload)
    if single is not None:
        return [JsonItem(single, payload, None)]
    text = decode_json_text(payload)
    try:
        found = _split(text)
    except (ValueError, RecursionError) as exc:
        raise fail("parse", Reason.MALFORMED_JSON, "$", _describe(exc)) from exc
    if not isinstance(found, list):
        if not isinstance(found.value, dict):
            raise fail(
                "parse", Reason.WRONG_TYPE, "$", "must be a JSON object or an array of objects"
            )
        return [JsonItem(found.value, payload, None)]
    if not found:
        raise fail("parse", Reason.EMPTY_BATCH, "$", "the array holds no records")
    return found


# orjson reads integers beyond 64 bits as floats where json keeps them exact: any float that
# large sends the payload the careful way (a genuine 1e20 merely takes the slower path).
_HUGE = 2.0**63


def _single_object(payload: bytes) -> dict[str, Any] | None:
    """A payload that is one JSON object, parsed by orjson (a file line, most HTTP bodies).

    None for anything else, including everything orjson refuses: arrays need each element's
    bytes, and errors, NaN, lone surrogates, byte-order marks and huge numbers get the exact
    answers of the json-module path below. What orjson accepts, json parses the same way.
    """
    if payload[:1] != b"{":
        return None
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict) or _has_huge_number(value):
        return None
    return value


def _has_huge_number(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_huge_number(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_huge_number(v) for v in value)
    return isinstance(value, float) and abs(value) >= _HUGE


def _split(text: str) -> list[JsonItem] | JsonItem:
    """Elements of a top-level array with their exact bytes, or the single top-level value."""
    index = _skip(text, 0)
    if index >= len(text) or text[index] != "[":
        value, end = _DECODER.raw_decode(text, index)
        _expect_end(text, end)
        return JsonItem(value, b"", None)
    items: list[JsonItem] = []
    index = _skip(text, index + 1)
    if index < len(text) and text[index] == "]":
        _expect_end(text, index + 1)
        return items
    while True:
        value, end = _DECODER.raw_decode(text, index)
        items.append(JsonItem(value, text[index:end].encode("utf-8"), len(items)))
        index = _skip(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
            continue
        if index < len(text) and text[index] == "]":
            _expect_end(text, index + 1)
            return items
        raise json.JSONDecodeError("expected ',' or ']' after an array element", text, index)


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _JSON_WHITESPACE:
        index += 1
    return index


def _expect_end(text: str, index: int) -> None:
    end = _skip(text, index)
    if end != len(text):
        raise json.JSONDecodeError("extra data after the JSON value", text, end)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)[:200]
