"""12345 hotline work orders (工单), JSON object or array: docs/sources.md §2."""

from __future__ import annotations

import re
from datetime import datetime

from fusionhub.connectors.base import ParsedRecord, check_received_at
from fusionhub.connectors.errors import Reason
from fusionhub.connectors.fields import (
    ADDRESS_MAX,
    ID_MAX,
    LONG_TEXT_MAX,
    PHONE_PATTERN,
    SOURCE_ID_PATTERN,
    FieldReader,
    known,
)
from fusionhub.connectors.severity import hotline_severity
from fusionhub.connectors.shared import (
    JsonConnector,
    RawPoint,
    issuer_county,
    merge_refs,
    raise_normalise_errors,
    read_point,
)
from fusionhub.core.events import Event, Party, Source, event_ref
from fusionhub.core.jurisdiction import LocationHints, resolve_jurisdiction

CHANNELS = ("phone", "app", "wechat", "web", "sms")
CHANNELS_NEEDING_PHONE = frozenset({"phone", "sms"})
APPEAL_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")
URGENCIES = ("normal", "urgent", "emergency")
REGION_CODE_LENGTHS = (6, 9, 12)
# Order numbers name the county whose call centre took the call: 12345-330681-20261125-000123.
ISSUER_PATTERN = re.compile(r"12345-(\d{6})-")
# Attributes that cannot hold a phone or ID number (see ConfiguredConnector.scrubbed): three
# enums, an ISO time and a category rule name.
_CLOSED_ATTRIBUTES = frozenset({"channel", "appeal_type", "urgency", "deadline", "category_rule"})


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class _WorkOrder:
    def __init__(
        self,
        *,
        order_no: str,
        call_time: datetime,
        channel: str,
        caller: Party | None,
        appeal_type: str,
        category: str | None,
        content: str,
        address: str | None,
        raw_point: RawPoint | None,
        region_code: str | None,
        urgency: str,
        deadline: datetime | None,
        refs: tuple[str, ...],
    ) -> None:
        self.order_no = order_no
        self.call_time = call_time
        self.channel = channel
        self.caller = caller
        self.appeal_type = appeal_type
        self.category = category
        self.content = content
        self.address = address
        self.raw_point = raw_point
        self.region_code = region_code
        self.urgency = urgency
        self.deadline = deadline
        self.refs = refs


class HotlineConnector(JsonConnector):
    """12345 work orders -> Events. Jurisdiction from region_code, the address, the point.

    Build once with ``HotlineConnector(gazetteer=..., categories=..., pii=...)``.
    """

    source = Source.HOTLINE
    id_field = "order_no"

    def normalise(self, record: ParsedRecord, received_at: datetime) -> Event:
        """Validate one work order and build its Event; raises ConnectorError when refused."""
        check_received_at(received_at)
        order = self._read(self.reader(record))
        point, errors = self.to_wgs84_point(order.raw_point)
        raise_normalise_errors(errors, order.order_no)
        address = self._pii.scrub_text(order.address) if order.address else None
        hints = LocationHints(
            region_code=order.region_code,
            address_texts=(address,) if address else (),
            point=point,
            issuer_code=issuer_county(order.order_no, ISSUER_PATTERN),
            mention_texts=(order.content,),
        )
        jurisdiction, point = resolve_jurisdiction(hints, self._gazetteer)
        category = self._categories.hotline(order.category, order.appeal_type, order.content)
        return Event(
            event_ref=event_ref(self.source, order.order_no),
            source=self.source,
            source_id=order.order_no,
            occurred_at=order.call_time,
            received_at=received_at,
            category=category.code,
            platform=category.platform,
            severity=hotline_severity(order.urgency, order.appeal_type),
            text=self._pii.scrub_text(order.content),
            jurisdiction=jurisdiction,
            point=point,
            point_crs=(order.raw_point.crs or "WGS84") if order.raw_point and point else None,
            source_category=self._pii.scrub_text(order.category) if order.category else None,
            title=self._pii.scrub_text(_title(order)),
            address=address,
            parties=(order.caller,) if order.caller else (),
            refs=merge_refs(order.refs, (order.content,)),
            fingerprint=record.fingerprint,
            attributes=self.attributes(_attributes(order, category.rule), _CLOSED_ATTRIBUTES),
        )

    def _read(self, r: FieldReader) -> _WorkOrder:
        order_no = r.text(
            "order_no", required=True, max_len=ID_MAX, pattern=SOURCE_ID_PATTERN, hint="an id"
        )
        call_time = r.time("call_time", required=True)
        channel = r.enum("channel", CHANNELS, required=True)
        caller = self._caller(r, channel)
        appeal_type = r.enum("appeal_type", APPEAL_TYPES, required=True)
        category = r.text("category", max_len=200)
        content = r.text("content", required=True, max_len=LONG_TEXT_MAX)
        address = r.text("address", max_len=ADDRESS_MAX)
        raw_point = read_point(r)
        region_code = r.digits("region_code", REGION_CODE_LENGTHS)
        urgency = r.enum("urgency", URGENCIES, required=True)
        deadline = r.time("deadline")
        refs = r.strings("refs")
        if call_time and deadline and deadline < call_time:
            r.add("deadline", "is earlier than call_time", Reason.IMPOSSIBLE_DATE)
        r.raise_if_invalid("validate", order_no)
        return _WorkOrder(
            order_no=known(order_no),
            call_time=known(call_time),
            channel=known(channel),
            caller=caller,
            appeal_type=known(appeal_type),
            category=category,
            content=known(content),
            address=address,
            raw_point=raw_point,
            region_code=region_code,
            urgency=known(urgency),
            deadline=deadline,
            refs=refs,
        )

    def _caller(self, r: FieldReader, channel: str | None) -> Party | None:
        caller = r.mapping("caller", required=True)
        if caller is None:
            return None
        needs_phone = channel in CHANNELS_NEEDING_PHONE
        name = caller.text("name", max_len=50)
        phone = caller.text("phone", max_len=32, pattern=PHONE_PATTERN, hint="a phone number")
        if needs_phone and phone is None and not _has_error(caller, "phone"):
            caller.add("phone", f"is required when channel is {channel!r}", Reason.MISSING_FIELD)
        return self._pii.party("caller", name=name, phone=phone)


def _has_error(reader: FieldReader, name: str) -> bool:
    return any(e.field == reader.path(name) for e in reader.errors)


def _attributes(order: _WorkOrder, category_rule: str) -> dict[str, object]:
    return {
        "channel": order.channel,
        "appeal_type": order.appeal_type,
        "urgency": order.urgency,
        "region_code": order.region_code,
        "deadline": order.deadline.isoformat() if order.deadline else None,
        "category_rule": category_rule,
    }


def _title(order: _WorkOrder) -> str:
    """The most specific class of the order, else its appeal type."""
    leaf = order.category.split("/")[-1].strip() if order.category else ""
    return leaf or order.appeal_type
