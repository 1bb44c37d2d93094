"""The third way in: departments publish source-native Avro records to ``{prefix}.raw.SOURCE``.

Each record is turned back into the document its source system would have sent (JSON for grid,
hotline and petition; a MANSCDP Notify for video) and goes through the same connectors and
pipeline as HTTP and file input, so one set of rules decides what is accepted.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from fusionhub.bus.topics import TOPICS
from fusionhub.core.events import Source

RAW_SUBJECTS = {source: TOPICS[f"raw.{source.value}"].subjects[0] for source in Source}
_VIDEO_TOP = (
    "CmdType",
    "SN",
    "DeviceID",
    "AlarmPriority",
    "AlarmMethod",
    "AlarmTime",
    "AlarmDescription",
    "Longitude",
    "Latitude",
)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def native_document(source: Source, record: dict[str, Any]) -> tuple[bytes, str]:
    """The bytes and content type the source system would have sent for ``record``.

    Optional fields the record leaves null are left out, and ``extras`` (JSON text per field)
    are put back as the fields they were, so a record says the same thing in either form.
    """
    fields = dict(record)
    extras = fields.pop("extras", None) or {}
    if source is Source.VIDEO:
        return _notify_xml(fields, extras), "application/xml"
    doc = _without_nulls(fields)
    for name, text in extras.items():
        doc.setdefault(name, json.loads(text))
    return json.dumps(doc, ensure_ascii=False).encode(), "application/json"


def _notify_xml(fields: dict[str, Any], extras: dict[str, str]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<Notify>"]
    for name in _VIDEO_TOP:
        if fields.get(name) is not None:
            parts.append(f"<{name}>{escape(str(fields[name]))}</{name}>")
    info = []
    if fields.get("AlarmType") is not None:
        info.append(f"<AlarmType>{escape(str(fields['AlarmType']))}</AlarmType>")
    if fields.get("EventType") is not None:
        info.append(
            "<AlarmTypeParam><EventType>"
            f"{escape(str(fields['EventType']))}</EventType></AlarmTypeParam>"
        )
    if info:
        parts.append("<Info>" + "".join(info) + "</Info>")
    for name, text in extras.items():
        if name.isidentifier():
            parts.append(f"<{name}>{escape(str(json.loads(text)))}</{name}>")
    parts.append("</Notify>")
    return "".join(parts).encode()
