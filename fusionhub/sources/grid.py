"""Grid reports (网格事件) from the 全科网格 system, JSON object or array: docs/sources.md §1.

The source in one module: the connector, its category and severity rules, its declaration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fusionhub.connectors.base import ParsedRecord, check_received_at
from fusionhub.connectors.categories import (
    OTHER,
    CategoryMatch,
    CategoryTable,
    apply_rule,
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
from fusionhub.connectors.severity import DEFAULT, MOST_SERIOUS
from fusionhub.connectors.shared import (
    JsonConnector,
    RawPoint,
    raise_normalise_errors,
    read_point,
)
from fusionhub.core.events import Event, Party, Source, event_ref
from fusionhub.core.jurisdiction import LocationHints, resolve_jurisdiction

GRID = Source.of("grid")
TYPE_1_VALUES = ("矛盾纠纷", "问题隐患")
PARTY_ROLES = ("appellant", "respondent", "involved")
FLAGS = ("is_petition", "is_group_incident", "is_emergency", "self_resolved")
# Clocks of handheld terminals drift; an incident "occurring" a little after the report is not
# worth refusing, one occurring hours later is a data error.
OCCURRED_AFTER_REPORT_TOLERANCE = timedelta(hours=1)
# Attributes that cannot hold a phone or ID number (see ConfiguredConnector.scrubbed): an enum,
# counts of at most seven digits, flags, an ISO time and a category rule name. The grid code and
# type_2 are scrubbed.
_CLOSED_ATTRIBUTES = frozenset(
    (
        "type_1",
        "level",
        "involved_count",
        *FLAGS,
        "reported_at",
        "attachment_count",
        "category_rule",
    )
)


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class _GridReport:
    def __init__(
        self,
        *,
        event_code: str,
        grid_code: str,
        reported_at: datetime,
        occurred_at: datetime | None,
        type_1: str,
        type_2: str,
        level: int | None,
        raw_point: RawPoint | None,
        address: str | None,
        description: str,
        parties: tuple[Party, ...],
        involved_count: int | None,
        flags: dict[str, bool | None],
        refs: tuple[str, ...],
        attachment_count: int,
    ) -> None:
        self.event_code = event_code
        self.grid_code = grid_code
        self.reported_at = reported_at
        self.occurred_at = occurred_at
        self.type_1 = type_1
        self.type_2 = type_2
        self.level = level
        self.raw_point = raw_point
        self.address = address
        self.description = description
        self.parties = parties
        self.involved_count = involved_count
        self.flags = flags
        self.refs = refs
        self.attachment_count = attachment_count


class GridConnector(JsonConnector):
    """Grid-worker reports -> Events. Jurisdiction comes from ``grid_code`` first.

    Build once with ``GridConnector(gazetteer=..., categories=..., pii=...)`` and call
    ``convert`` per payload (per line for JSONL files).
    """

    source = GRID
    id_field = "event_code"

    def normalise(self, record: ParsedRecord, received_at: datetime) -> Event:
        """Validate one grid report and build its Event; raises ConnectorError when refused."""
        check_received_at(received_at)
        report = self._read(self.reader(record))
        point, errors = self.to_wgs84_point(report.raw_point)
        raise_normalise_errors(errors, report.event_code)
        address = self._pii.scrub_text(report.address) if report.address else None
        hints = LocationHints(
            grid_code=report.grid_code, address_texts=(address,) if address else (), point=point
        )
        jurisdiction, point = resolve_jurisdiction(hints, self._gazetteer)
        category = grid_category(self._categories, report.type_1, report.type_2, report.description)
        return Event(
            event_ref=event_ref(self.source, report.event_code),
            source=self.source,
            source_id=report.event_code,
            occurred_at=report.occurred_at or report.reported_at,
            received_at=received_at,
            category=category.code,
            platform=category.platform,
            severity=grid_severity(
                report.level, report.flags["is_emergency"], report.flags["is_group_incident"]
            ),
            text=self._pii.scrub_text(report.description),
            jurisdiction=jurisdiction,
            point=point,
            point_crs=(report.raw_point.crs or "WGS84") if report.raw_point and point else None,
            source_category=self._pii.scrub_text(f"{report.type_1}/{report.type_2}"),
            title=self._pii.scrub_text(report.type_2),
            address=address,
            parties=report.parties,
            refs=self.merge_refs(report.refs, (report.description,)),
            fingerprint=record.fingerprint,
            attributes=self.attributes(self._attributes(report, category.rule), _CLOSED_ATTRIBUTES),
        )

    def _read(self, r: FieldReader) -> _GridReport:
        event_code = r.text(
            "event_code", required=True, max_len=ID_MAX, pattern=SOURCE_ID_PATTERN, hint="an id"
        )
        grid_code = r.digits("grid_code", (15,), required=True)
        reporter = self._reporter(r)
        reported_at = r.time("reported_at", required=True)
        occurred_at = r.time("occurred_at")
        type_1 = r.enum("type_1", TYPE_1_VALUES, required=True)
        type_2 = r.text("type_2", required=True, max_len=50)
        level = r.integer("level", 1, 5, enum_like=True)
        raw_point, address = _location(r)
        description = r.text("description", required=True, max_len=LONG_TEXT_MAX)
        parties = [self._party(p) for p in r.mappings("parties")]
        involved_count = r.integer("involved_count", 0, 1_000_000)
        flags = {name: r.boolean(name) for name in FLAGS}
        refs = r.strings("refs")
        attachments = r.strings("attachments", max_len=2048)
        _check_occurred_before_report(r, reported_at, occurred_at)
        r.raise_if_invalid("validate", event_code)
        return _GridReport(
            event_code=known(event_code),
            grid_code=known(grid_code),
            reported_at=known(reported_at),
            occurred_at=occurred_at,
            type_1=known(type_1),
            type_2=known(type_2),
            level=level,
            raw_point=raw_point,
            address=address,
            description=known(description),
            parties=tuple(p for p in (reporter, *parties) if p is not None),
            involved_count=involved_count,
            flags=flags,
            refs=refs,
            attachment_count=len(attachments),
        )

    def _reporter(self, r: FieldReader) -> Party | None:
        reporter = r.mapping("reporter", required=True)
        if reporter is None:
            return None
        reporter.text("id", required=True, max_len=ID_MAX)
        name = reporter.text("name", max_len=50)
        phone = reporter.text("phone", max_len=32, pattern=PHONE_PATTERN, hint="a phone number")
        return self._pii.party("reporter", name=name, phone=phone)

    def _party(self, p: FieldReader) -> Party | None:
        role = p.enum("role", PARTY_ROLES, required=True)
        name = p.text("name", max_len=50)
        phone = p.text("phone", max_len=32, pattern=PHONE_PATTERN, hint="a phone number")
        id_number = p.text("id_number", max_len=32)
        return self._pii.party(role, name=name, phone=phone, id_number=id_number) if role else None

    @staticmethod
    def _attributes(report: _GridReport, category_rule: str) -> dict[str, object]:
        return {
            "grid_code": report.grid_code,
            "type_1": report.type_1,
            "type_2": report.type_2,
            "level": report.level,
            "involved_count": report.involved_count,
            **report.flags,
            "reported_at": report.reported_at.isoformat(),
            "attachment_count": report.attachment_count or None,
            "category_rule": category_rule,
        }


def _location(r: FieldReader) -> tuple[RawPoint | None, str | None]:
    location = r.mapping("location")
    if location is None:
        return None, None
    return read_point(location), location.text("address", max_len=ADDRESS_MAX)


def _check_occurred_before_report(
    r: FieldReader, reported_at: datetime | None, occurred_at: datetime | None
) -> None:
    if reported_at and occurred_at and occurred_at > reported_at + OCCURRED_AFTER_REPORT_TOLERANCE:
        r.add("occurred_at", "is later than reported_at", Reason.IMPOSSIBLE_DATE)


def grid_category(
    table: CategoryTable, type_1: str, type_2: str, description: str
) -> CategoryMatch:
    """Category of a grid report: ``[grid.pairs]`` (type_1, type_2), then the general keywords
    over type_2 and over the description, then ``[grid.type_1_default]``, else other."""
    rule = table.rules("grid", "pairs", type_1).get(type_2)
    if rule is not None and (code := apply_rule(rule, description)):
        return table.match(code, "grid.pairs")
    for text in (type_2, description):
        if code := first_keyword(table.keywords(), text):
            return table.match(code, "keywords")
    default = table.rules("grid", "type_1_default").get(type_1)
    return table.match(default if isinstance(default, str) else OTHER, "grid.type_1_default")


def grid_severity(level: int | None, is_emergency: bool | None, is_group: bool | None) -> int:
    """Severity of a grid report: ``level`` when given (1..5), else 3; ``is_emergency`` makes
    it 1 and ``is_group_incident`` at least 2 (a flag only ever makes a report more serious)."""
    severity = level if level is not None else DEFAULT
    if is_group:
        severity = min(severity, 2)
    if is_emergency:
        severity = MOST_SERIOUS
    return severity


SOURCE = SourceSpec(
    name="grid",
    label_zh="网格上报",
    label_en="Grid report",
    summary="grid workers' reports (网格事件) from the 全科网格 system",
    connector=GridConnector,
    raw_subject="fusionhub.raw.GridReport",
    categories="grid",
    quoted_id=r"WG-\d{9}-\d{8}-\d{5}",
    id_example="WG-330681109-20261125-00017",
    time_field="reported_at",
    simulator="fusionhub.sim.hooks:grid_reports",
    colour="#3b82f6",
    sim_order=2,
)
