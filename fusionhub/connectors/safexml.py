"""Safe decoding of GB/T 28181 XML documents: declared encoding checked, no DTD, no entities.

Cameras and platforms declare ``GB2312``, ``GBK`` or ``UTF-8``. GB2312 and GBK are decoded as
GB18030 (their superset, so no valid document is refused). A document whose bytes do not match
its declaration is ``bad_encoding``: UTF-8 Chinese bytes also decode as GB18030 into nonsense,
so a "GB" document that is valid UTF-8 with non-ASCII bytes is refused rather than misread.
Any DOCTYPE, entity declaration or external reference is ``xml_forbidden`` (defusedxml).
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from fusionhub.connectors.errors import Reason, fail

_DECLARED_ENCODING = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._\-]{1,40})["']"""
)
_CODEC_OF = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
}
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_MAX_DEPTH = 8
_FORBIDDEN_WHAT = {
    "DTDForbidden": "DOCTYPE declarations (DTDs)",
    "EntitiesForbidden": "entity declarations",
    "ExternalReferenceForbidden": "external references",
}


def decode_xml(payload: bytes) -> str:
    """The document as text, decoded per its XML declaration (UTF-8 when none is given)."""
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("parse", Reason.BAD_ENCODING, "$", "UTF-16 documents are not accepted")
    match = _DECLARED_ENCODING.match(payload)
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    codec = _CODEC_OF.get(declared)
    if codec is None:
        raise fail(
            "parse", Reason.BAD_ENCODING, "$", f"encoding {declared!r}; use GB2312, GBK or UTF-8"
        )
    has_bom = payload.startswith(b"\xef\xbb\xbf")
    if codec == "gb18030" and (has_bom or _is_non_ascii_utf8(payload)):
        raise fail(
            "parse",
            Reason.BAD_ENCODING,
            "$",
            f"declared {declared.upper()} but the bytes are UTF-8: fix the declaration",
        )
    body = payload[3:] if has_bom else payload
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise fail(
            "parse",
            Reason.BAD_ENCODING,
            "$",
            f"byte {exc.start} is not valid {declared.upper()}; is the declaration right?",
        ) from exc
    if codec == "gb18030" and _PRIVATE_USE.search(text):
        raise fail("parse", Reason.BAD_ENCODING, "$", f"bytes are not real {declared.upper()} text")
    return text


def _is_non_ascii_utf8(payload: bytes) -> bool:
    if payload.isascii():
        return False
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def parse_safe_xml(text: str) -> Element:
    """The root element; DTDs and entities are ``xml_forbidden``, bad syntax ``malformed_xml``."""
    try:
        root: Element = SafeElementTree.fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        what = _FORBIDDEN_WHAT.get(type(exc).__name__, "DTDs, entities and external references")
        raise fail("parse", Reason.XML_FORBIDDEN, "$", f"{what} are not allowed") from exc
    except ParseError as exc:
        raise fail("parse", Reason.MALFORMED_XML, "$", f"not well-formed XML ({exc})") from exc
    return root


def element_to_dict(element: Element, depth: int = 0) -> dict[str, Any]:
    """Child elements as a dict (text for leaves, dicts for parents, lists when repeated).

    Attributes are kept as ``@name``; unknown elements are kept too: extras are never an error.
    """
    if depth > _MAX_DEPTH:
        raise fail("parse", Reason.MALFORMED_XML, "$", f"nested deeper than {_MAX_DEPTH} levels")
    result: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    for child in element:
        value: Any = element_to_dict(child, depth + 1) if len(child) else (child.text or "").strip()
        name = _local_name(child.tag)
        if name in result:
            previous = result[name]
            result[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[name] = value
    return result


def local_name(element: Element) -> str:
    """The tag without an XML namespace, e.g. ``Notify``."""
    return _local_name(element.tag)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
