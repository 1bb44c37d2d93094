"""12345 hotline work orders (工单), JSON object or array: docs/sources.md §2.

The source in one module: the connector, its category and severity rules, its declaration.
"""

from __future__ import annotations

import re
from datetime import datetime

from fusionhub.connectors.base import ParsedRecord, check_received_at
from fusionhub.connectors.categories import (
    OTHER,
    CategoryMatch,
    CategoryTable,
    Keywords,
    first_keyword,
)
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
from fusionhub.connectors.registry import SourceSpec
from fusionhub.connectors.severity import DEFAULT
from fusionhub.connectors.shared import (
    JsonConnector,
    RawPoint,
    issuer_county,
    raise_normalise_errors,
    read_point,
)
from fusionhub.core.events import Event, Party, Source, event_ref
from fusionhub.core.jurisdiction import LocationHints, resolve_jurisdiction

HOTLINE = Source.of("hotline")
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

    source = HOTLINE
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
        category = hotline_category(
            self._categories, order.category, order.appeal_type, order.content
        )
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
            refs=self.merge_refs(order.refs, (order.content,)),
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


def hotline_category(
    table: CategoryTable, path: str | None, appeal_type: str, content: str
) -> CategoryMatch:
    """Category of a 12345 order: ``[hotline.segments]`` on each segment of its classification
    path, most specific first; the general keywords over the segments; ``[hotline.prefixes]``,
    longest first; the keywords over the content; ``[hotline.appeal_type_default]``; other."""
    segments = [s.strip() for s in (path or "").split("/") if s.strip()]
    by_segment = table.rules("hotline", "segments")
    for segment in reversed(segments):
        code = by_segment.get(segment)
        if isinstance(code, str):
            return table.match(code, "hotline.segments")
    for segment in reversed(segments):
        if code := first_keyword(table.keywords(), segment):
            return table.match(code, "keywords")
    joined = "/".join(segments)
    for prefix, code in table.derived("hotline.prefixes", _longest_first):
        if joined == prefix or joined.startswith(prefix + "/"):
            return table.match(code, "hotline.prefixes")
    if code := first_keyword(table.keywords(), content):
        return table.match(code, "keywords")
    default = table.rules("hotline", "appeal_type_default").get(appeal_type)
    return table.match(default if isinstance(default, str) else OTHER, "hotline.appeal_type")


def _longest_first(table: CategoryTable) -> Keywords:
    return tuple(sorted(table.keywords("hotline", "prefixes"), key=lambda kv: -len(kv[0])))


_URGENCY_SEVERITY = {"emergency": 1, "urgent": 2, "normal": 3}
_MINOR_APPEALS = frozenset({"咨询", "建议", "表扬"})


def hotline_severity(urgency: str, appeal_type: str) -> int:
    """Severity of a 12345 order: ``urgency`` emergency 1, urgent 2, normal 3; a normal 咨询,
    建议 or 表扬 (question, suggestion, praise) is 4."""
    severity = _URGENCY_SEVERITY.get(urgency, DEFAULT)
    if severity == DEFAULT and appeal_type in _MINOR_APPEALS:
        return 4
    return severity


SOURCE = SourceSpec(
    name="hotline",
    label_zh="12345热线",
    label_en="12345 hotline",
    summary="12345 hotline work orders (工单) from the call centres",
    connector=HotlineConnector,
    raw_subject="fusionhub.raw.HotlineOrder",
    categories="hotline",
    quoted_id=r"12345-\d{6}-\d{8}-\d{6}",
    id_example="12345-330681-20261125-000123",
    time_field="call_time",
    simulator="fusionhub.sim.hooks:hotline_reports",
    colour="#f59e0b",
    sim_order=1,
)
