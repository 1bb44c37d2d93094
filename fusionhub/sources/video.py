"""GB/T 28181 video alarms (MANSCDP ``<Notify>``, CmdType Alarm): docs/sources.md §4.

One alarm per XML document. Device-fault alarms become ``DeviceHealthRecord``s, never Events:
AlarmMethod containing 6 (device fault), or AlarmMethod exactly 2 (device) with Info/AlarmType
1-5 (video loss, tampering, storage full, over- and under-temperature). A combined method such as
``25`` is video analytics, where types 1-5 mean manual, motion, left object... (incidents).

The source in one module: the connector, its category and severity rules, its declaration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from fusionhub.connectors.base import ParsedRecord, check_received_at
from fusionhub.connectors.categories import (
    OTHER,
    CategoryMatch,
    CategoryTable,
    first_keyword,
)
from fusionhub.connectors.errors import Reason, fail
from fusionhub.connectors.fields import FieldReader, known
from fusionhub.connectors.payload import XML_MEDIA_TYPES, check_envelope
from fusionhub.connectors.registry import SourceSpec
from fusionhub.connectors.safexml import decode_xml, element_to_dict, local_name, parse_safe_xml
from fusionhub.connectors.severity import clamp
from fusionhub.connectors.shared import (
    ConfiguredConnector,
    RawPoint,
    raise_normalise_errors,
)
from fusionhub.core.events import DeviceHealthRecord, Event, Source, event_ref
from fusionhub.core.jurisdiction import CameraInfo, LocationHints, resolve_jurisdiction

VIDEO = Source.of("video")
ALARM_METHOD_DIGITS = frozenset("1234567")
DEVICE_FAULT_METHOD = "6"
DEVICE_METHOD = "2"
DEVICE_FAULT_TYPES = frozenset({1, 2, 3, 4, 5})
ANALYTICS_METHOD = "5"
ALARM_TYPE_NAMES = {
    1: "人工视频报警",
    2: "运动目标检测",
    3: "遗留物检测",
    4: "物体移除检测",
    5: "绊线检测",
    6: "入侵检测",
    7: "逆行检测",
    8: "徘徊检测",
    9: "流量统计",
    10: "密度检测",
    11: "视频异常检测",
    12: "快速移动",
}
_SERIAL = re.compile(r"\d{1,10}", re.ASCII)


@dataclass(frozen=True, slots=True)
class _Alarm:
    sn: str
    device_id: str
    priority: int
    method: str
    alarm_time: datetime
    description: str | None
    raw_point: RawPoint | None
    alarm_type: int | None
    event_type: int | None

    @property
    def source_id(self) -> str:
        return f"{self.device_id}-{self.sn}"

    @property
    def is_device_fault(self) -> bool:
        if DEVICE_FAULT_METHOD in self.method:
            return True
        return self.method == DEVICE_METHOD and self.alarm_type in DEVICE_FAULT_TYPES


class VideoConnector(ConfiguredConnector):
    """Video alarms -> Events (or DeviceHealthRecords). Location from the camera registry.

    Build once with ``VideoConnector(gazetteer=..., categories=..., pii=..., cameras=...)``;
    ``cameras`` is ``fusionhub.regions.load_camera_registry(...)`` (may be empty) and gives
    the place of an alarm without coordinates.
    """

    source = VIDEO

    def parse(self, payload: bytes, content_type: str | None = None) -> list[ParsedRecord]:
        """One ``<Notify>`` document -> one record. Raises ConnectorError (stage ``parse``):
        ``too_large``, ``empty_payload``, ``unsupported_media_type``, ``bad_encoding``,
        ``xml_forbidden``, ``malformed_xml``, ``wrong_document``."""
        check_envelope(payload, content_type, XML_MEDIA_TYPES, self._max_payload_bytes)
        root = parse_safe_xml(decode_xml(payload))
        if local_name(root) != "Notify":
            raise fail(
                "parse", Reason.WRONG_DOCUMENT, "$", f"root is <{local_name(root)}>, not <Notify>"
            )
        return [ParsedRecord(self.source, element_to_dict(root), payload)]

    def source_id_of(self, record: ParsedRecord) -> str | None:
        """``DeviceID-SN`` when both are well-formed, else ``None``."""
        device_id, sn = record.fields.get("DeviceID"), record.fields.get("SN")
        if isinstance(device_id, str) and isinstance(sn, str):
            device_id, sn = device_id.strip(), sn.strip()
            if len(device_id) == 20 and device_id.isdigit() and _SERIAL.fullmatch(sn):
                return f"{device_id}-{sn}"
        return None

    def normalise(self, record: ParsedRecord, received_at: datetime) -> Event | DeviceHealthRecord:
        """Validate one alarm; a device fault gives a DeviceHealthRecord, anything else an Event.

        Raises ConnectorError when refused."""
        check_received_at(received_at)
        alarm = self._read(FieldReader(record.fields))
        if alarm.is_device_fault:
            return self._device_health(alarm, record, received_at)
        point, errors = self.to_wgs84_point(alarm.raw_point)
        raise_normalise_errors(errors, alarm.source_id)
        hints = LocationHints(device_id=alarm.device_id, point=point)
        jurisdiction, point = resolve_jurisdiction(hints, self._gazetteer, self._cameras)
        analytics_type = alarm.alarm_type if ANALYTICS_METHOD in alarm.method else None
        category = video_category(
            self._categories, alarm.description, _text_or_none(analytics_type)
        )
        camera = self._cameras.get(alarm.device_id)
        point_source = ("alarm" if alarm.raw_point else "camera_registry") if point else None
        description = self._pii.scrub_text(alarm.description) if alarm.description else None
        return Event(
            event_ref=event_ref(self.source, alarm.source_id),
            source=self.source,
            source_id=alarm.source_id,
            occurred_at=alarm.alarm_time,
            received_at=received_at,
            category=category.code,
            platform=category.platform,
            severity=clamp(alarm.priority),  # GB/T 28181 level 1 is the most serious
            text=description or ALARM_TYPE_NAMES.get(analytics_type or 0, "视频报警"),
            jurisdiction=jurisdiction,
            point=point,
            point_crs="WGS84" if alarm.raw_point else None,
            source_category=description or _text_or_none(analytics_type),
            title=description,
            address=camera.name if camera and camera.name else None,
            fingerprint=record.fingerprint,
            attributes=self.attributes(_attributes(alarm, camera, category.rule, point_source)),
        )

    def _device_health(
        self, alarm: _Alarm, record: ParsedRecord, received_at: datetime
    ) -> DeviceHealthRecord:
        hints = LocationHints(device_id=alarm.device_id)
        jurisdiction, _ = resolve_jurisdiction(hints, self._gazetteer, self._cameras)
        description = self._pii.scrub_text(alarm.description) if alarm.description else None
        return DeviceHealthRecord(
            event_ref=event_ref(self.source, alarm.source_id),
            device_id=alarm.device_id,
            occurred_at=alarm.alarm_time,
            received_at=received_at,
            alarm_method=alarm.method,
            alarm_type=_text_or_none(alarm.alarm_type),
            description=description,
            county_code=jurisdiction.county_code,
            fingerprint=record.fingerprint,
        )

    def _read(self, r: FieldReader) -> _Alarm:
        r.enum("CmdType", ("Alarm",), required=True)
        sn = r.text("SN", required=True, max_len=10, pattern=_SERIAL, hint="a whole number")
        device_id = r.digits("DeviceID", (20,), required=True)
        priority = r.integer_text("AlarmPriority", 1, 4, required=True, enum_like=True)
        method = _alarm_method(r)
        alarm_time = r.time("AlarmTime", required=True)
        description = r.text("AlarmDescription", max_len=500)
        raw_point = _read_point(r)
        info = r.mapping("Info") if _nonempty(r, "Info") else None
        alarm_type = info.integer_text("AlarmType", 1, 99) if info else None
        param = (
            info.mapping("AlarmTypeParam") if info and _nonempty(info, "AlarmTypeParam") else None
        )
        event_type = param.integer_text("EventType", 1, 2, enum_like=True) if param else None
        r.raise_if_invalid("validate", f"{device_id}-{sn}" if device_id and sn else None)
        return _Alarm(
            sn=known(sn),
            device_id=known(device_id),
            priority=known(priority),
            method=known(method),
            alarm_time=known(alarm_time),
            description=description,
            raw_point=raw_point,
            alarm_type=alarm_type,
            event_type=event_type,
        )


def _alarm_method(r: FieldReader) -> str | None:
    method = r.text("AlarmMethod", required=True, max_len=7)
    if method is not None and not (set(method) <= ALARM_METHOD_DIGITS):
        r.add("AlarmMethod", f"{method!r} must be digits 1-7 (e.g. 5 or 25)", Reason.UNKNOWN_ENUM)
        return None
    return method


def _read_point(r: FieldReader) -> RawPoint | None:
    lon = r.number_text("Longitude", -180.0, 180.0)
    lat = r.number_text("Latitude", -90.0, 90.0)
    if (lon is None) != (lat is None):
        absent = "Latitude" if lon is not None else "Longitude"
        if not any(e.field == r.path(absent) for e in r.errors):
            r.add(absent, "is required when the other coordinate is given", Reason.MISSING_FIELD)
    if lon is None or lat is None:
        return None
    # GB/T 28181 coordinates are WGS-84.
    return RawPoint(lon, lat, "WGS84", r.path("Longitude"), r.path("Longitude"))


def _nonempty(r: FieldReader, name: str) -> bool:
    """XML gives an empty element (``<Info/>``) as ``""``: treat it as absent, not wrong."""
    value: Any = r.get_raw(name)
    return value not in (None, "")


def _text_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def _attributes(
    alarm: _Alarm, camera: CameraInfo | None, category_rule: str, point_source: str | None
) -> dict[str, object]:
    return {
        "device_id": alarm.device_id,
        "sn": alarm.sn,
        "alarm_method": alarm.method,
        "alarm_priority": alarm.priority,
        "alarm_type": alarm.alarm_type,
        "alarm_type_name": ALARM_TYPE_NAMES.get(alarm.alarm_type or 0),
        "event_type": alarm.event_type,
        "camera_name": camera.name if camera else None,
        "point_source": point_source,
        "category_rule": category_rule,
    }


def video_category(
    table: CategoryTable, description: str | None, alarm_type: str | None
) -> CategoryMatch:
    """Category of a video alarm: ``[video.description]`` over AlarmDescription, then
    ``[video.alarm_type]`` (the analytics type), then the general keywords, else other."""
    if code := first_keyword(table.keywords("video", "description"), description or ""):
        return table.match(code, "video.description")
    by_type = table.rules("video", "alarm_type").get(alarm_type or "")
    if isinstance(by_type, str):
        return table.match(by_type, "video.alarm_type")
    if code := first_keyword(table.keywords(), description or ""):
        return table.match(code, "keywords")
    return table.match(OTHER, "default")


_NOTIFY_TOP = (
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


def notify_document(record: Mapping[str, Any]) -> tuple[bytes, str]:
    """A raw-topic alarm record as the MANSCDP ``<Notify>`` document a camera platform sends
    (``extras`` become elements of their own), for the same rules as HTTP and files."""
    fields = dict(record)
    extras = fields.pop("extras", None) or {}
    return _notify_xml(fields, extras), "application/xml"


def _notify_xml(fields: dict[str, Any], extras: dict[str, str]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<Notify>"]
    for name in _NOTIFY_TOP:
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


SOURCE = SourceSpec(
    name="video",
    label_zh="视频告警",
    label_en="Video alarm",
    summary="GB/T 28181 camera alarms (MANSCDP Notify, CmdType Alarm) from video platforms",
    connector=VideoConnector,
    raw_subject="fusionhub.raw.VideoAlarm",
    categories="video",
    quoted_id=r"\d{20}-\d{1,10}",
    id_example="33068110001320000012-17430",
    time_field="AlarmTime",
    simulator="fusionhub.sim.hooks:video_reports",
    colour="#10b981",
    sim_order=0,
    file_kind="xml",
    raw_document=notify_document,
)
