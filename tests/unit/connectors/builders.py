"""Payload builders for the connector tests: the examples, changed one field at a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fusionhub.core.events import Source
from fusionhub.sources.video import VIDEO

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"
VIDEO_EXAMPLE = EXAMPLES / "video" / "alarm-33068110001320000012-17430.xml"
TEST_KEY = b"connector-tests-key-0123456789ab"
RECEIVED_AT = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
DROP = object()


def example_bytes(source: Source) -> bytes:
    if source is VIDEO:
        return VIDEO_EXAMPLE.read_bytes()
    return (EXAMPLES / f"{source.value}.json").read_bytes()


def example_doc(source: Source) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(example_bytes(source))
    return doc


def changed(source: Source, **changes: Any) -> bytes:
    """The JSON example with fields replaced (``DROP`` removes one); ``__`` means a nested key."""
    doc = example_doc(source)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is DROP:
            del target[last]
        else:
            target[last] = value
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def video_xml(encoding: str = "GB2312", **elements: str | None) -> bytes:
    """A video alarm document; ``None`` leaves an element out, other values replace it."""
    values: dict[str, str | None] = {
        "CmdType": "Alarm",
        "SN": "17430",
        "DeviceID": "33068110001320000012",
        "AlarmPriority": "2",
        "AlarmMethod": "5",
        "AlarmTime": "2026-11-25T21:14:05",
        "AlarmDescription": "人员聚集",
        "Longitude": "120.41032",
        "Latitude": "29.62604",
    }
    info = elements.pop("Info", "<AlarmType>10</AlarmType>")
    values.update(elements)
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items() if v is not None)
    info_xml = f"<Info>{info}</Info>" if info is not None else ""
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<Notify>{body}{info_xml}</Notify>\n'
    codec = "gb18030" if encoding.upper().startswith("GB") else "utf-8"
    return text.encode(codec)
