"""平安浙江 app reports (随手拍) and 平安通 handset reports, JSON object or array (sources.md §5).

The source in one module: the connector, its category and severity rules, its simulator hook
and its declaration. Citizens report from the app with a phone's GPS point (WGS-84 or GCJ-02)
and photos; grid workers report from the 平安通 handset and quote their grid code. Photos travel
as metadata and a content hash only: links and image bytes in a record are cut off before
anything else reads it, so they reach neither the event log nor a dead letter.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fusionhub.connectors.base import ParsedRecord, check_received_at
from fusionhub.connectors.categories import OTHER, CategoryMatch, CategoryTable, first_keyword
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
    attribute_text,
    issuer_county,
    raise_normalise_errors,
    read_point,
)
from fusionhub.core.events import Event, Party, Source, event_ref
from fusionhub.core.jurisdiction import LocationHints, resolve_jurisdiction

if TYPE_CHECKING:
    from fusionhub.sim.generator import Generator, Record
    from fusionhub.sim.records import Incident

PINGAN = Source.of("pingan")
CHANNELS = ("citizen_app", "handset")
KINDS = ("随手拍", "隐患举报", "矛盾纠纷", "求助", "建议", "巡查上报")
PHOTO_FIELDS = frozenset({"sha256", "size", "width", "height", "taken_at", "mime"})
MIME_TYPES = ("image/jpeg", "image/png", "image/heic", "image/webp")
MAX_PHOTOS = 9  # what the app lets a citizen attach
# Report numbers name the county whose platform took the report: PA-330681-20261125-000123.
ISSUER_PATTERN = re.compile(r"PA-(\d{6})-")
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
# A phone's fix coarser than this (cell towers, not GPS) says the district, not the place.
COARSE_FIX_M = 1000.0
_CLOSED = frozenset({"channel", "kind", "verified", "anonymous", "urgent", "accuracy_m"})
_CLOSED |= {"photo_count", "photo_sha256", "photos_stripped", "point_dropped", "category_rule"}


class PinganConnector(JsonConnector):
    """平安浙江 and 平安通 reports -> Events. Jurisdiction from the grid code (handsets), the
    point, the address, the county in the report number, then villages named in the words.

    Built once by ``connectors.factory.build_connectors``; ``convert`` per payload.
    """

    source = PINGAN
    id_field = "report_no"

    def parse(self, payload: bytes, content_type: str | None = None) -> list[ParsedRecord]:
        """As every JSON source (see ``JsonConnector.parse``), with photo links and image bytes
        cut off each record first: its original bytes, and so its fingerprint and any dead
        letter of it, are the record without them."""
        return [_without_photo_content(r) for r in super().parse(payload, content_type)]

    def normalise(self, record: ParsedRecord, received_at: datetime) -> Event:
        """Validate one report and build its Event; raises ConnectorError when refused."""
        check_received_at(received_at)
        r = self._read(self.reader(record))
        point, errors = self.to_wgs84_point(r["raw_point"])
        raise_normalise_errors(errors, r["report_no"])
        accuracy = r["accuracy_m"]
        dropped = point is not None and accuracy is not None and accuracy > COARSE_FIX_M
        address = self._pii.scrub_text(r["address"]) if r["address"] else None
        hints = LocationHints(
            grid_code=r["grid_code"],
            address_texts=(address,) if address else (),
            point=None if dropped else point,
            issuer_code=issuer_county(r["report_no"], ISSUER_PATTERN),
            mention_texts=(r["description"],),
        )
        jurisdiction, point = resolve_jurisdiction(hints, self._gazetteer)
        category = pingan_category(self._categories, r["kind"], r["category"], r["description"])
        raw_point = r["raw_point"]
        attributes = _attributes(r, category.rule, "accuracy" if dropped else None, record)
        return Event(
            event_ref=event_ref(self.source, r["report_no"]),
            source=self.source,
            source_id=r["report_no"],
            occurred_at=r["occurred_at"] or r["submitted_at"],
            received_at=received_at,
            category=category.code,
            platform=category.platform,
            severity=pingan_severity(r["kind"], r["urgent"]),
            text=self._pii.scrub_text(r["description"]),
            jurisdiction=jurisdiction,
            point=point,
            point_crs=(raw_point.crs or "WGS84") if raw_point and point else None,
            source_category=self._pii.scrub_text(r["category"] or r["kind"]),
            title=self._pii.scrub_text((r["category"] or r["kind"]).split("/")[-1]),
            address=address,
            parties=(r["reporter"],) if r["reporter"] else (),
            refs=self.merge_refs(r["refs"], (r["description"],)),
            fingerprint=record.fingerprint,
            attributes=self.attributes(attributes, _CLOSED),
        )

    def _read(self, r: FieldReader) -> dict[str, Any]:
        report_no = r.text("report_no", required=True, max_len=ID_MAX, pattern=SOURCE_ID_PATTERN)
        submitted_at = r.time("submitted_at", required=True)
        occurred_at = r.time("occurred_at")
        channel = r.enum("channel", CHANNELS, required=True)
        handset = channel == "handset"
        reporter, flags = self._reporter(r, handset)
        grid_code = r.digits("grid_code", (15,), required=handset)
        location = r.mapping("location", required=channel == "citizen_app")
        raw_point = read_point(location) if location else None
        accuracy = location.number("accuracy_m", 0.0, 100_000.0) if location else None
        address = location.text("address", max_len=ADDRESS_MAX) if location else None
        if location is not None and raw_point is None and address is None:
            location.add(
                "lon", "a report from the app needs a point or an address", Reason.MISSING_FIELD
            )
        photos = [_photo(p) for p in r.mappings("photos")]
        if len(photos) > MAX_PHOTOS:
            r.add("photos", f"has {len(photos)} photos, at most {MAX_PHOTOS}", Reason.TOO_LONG)
        fields: dict[str, Any] = {
            "report_no": report_no,
            "submitted_at": submitted_at,
            "occurred_at": occurred_at,
            "channel": channel,
            "reporter": reporter,
            "grid_code": grid_code,
            "raw_point": raw_point,
            "accuracy_m": accuracy,
            "address": address,
            "kind": r.enum("kind", KINDS, required=True),
            "category": r.text("category", max_len=200),
            "description": r.text("description", required=True, max_len=LONG_TEXT_MAX),
            "photos": [p for p in photos if p],
            "urgent": r.boolean("urgent"),
            "refs": r.strings("refs"),
            **flags,
        }
        if submitted_at and occurred_at and occurred_at > submitted_at + timedelta(hours=1):
            r.add("occurred_at", "is later than submitted_at", Reason.IMPOSSIBLE_DATE)
        r.raise_if_invalid("validate", report_no)
        for name in ("report_no", "submitted_at", "channel", "kind", "description"):
            fields[name] = known(fields[name])
        return fields

    def _reporter(self, r: FieldReader, handset: bool) -> tuple[Party | None, dict[str, Any]]:
        """The reporter: a grid worker on a handset (``reporter``, whose reports are about
        other people), or a citizen (``citizen``, the same person when the token repeats).
        An anonymous citizen keeps a token (it links their reports) but no name."""
        given = r.mapping("reporter", required=True)
        if given is None:
            return None, {"verified": None, "anonymous": None}
        given.text("id", required=True, max_len=ID_MAX)  # an account id: checked, not kept
        name = given.text("name", max_len=50)
        phone = given.text("phone", max_len=32, pattern=PHONE_PATTERN, hint="a phone number")
        flags = {"verified": given.boolean("verified"), "anonymous": given.boolean("anonymous")}
        role = "reporter" if handset else "citizen"
        shown = None if flags["anonymous"] else name
        return self._pii.party(role, name=shown, phone=phone), flags


def _photo(p: FieldReader) -> dict[str, Any] | None:
    sha = p.text("sha256", required=True, max_len=64)
    if sha is not None and not _SHA256.fullmatch(sha):
        p.add("sha256", "must be 64 lowercase hex digits (SHA-256 of the image)", Reason.BAD_FORMAT)
    p.integer("size", 1, 50 * 1024 * 1024)
    p.integer("width", 1, 20_000)
    p.integer("height", 1, 20_000)
    p.time("taken_at")
    p.enum("mime", MIME_TYPES)
    return {"sha256": sha} if sha else None


def _without_photo_content(record: ParsedRecord) -> ParsedRecord:
    """``record`` without what a photo may carry besides its metadata (a link, base64 bytes):
    the paths cut off go to the ``photos_stripped`` attribute."""
    photos = record.fields.get("photos")
    if not isinstance(photos, list):
        return record
    cut: list[str] = []
    kept: list[Any] = []
    for i, photo in enumerate(photos):
        if isinstance(photo, dict):  # keys in the order sent: the bytes must not vary by run
            cut += [f"photos[{i}].{k}" for k in photo if k not in PHOTO_FIELDS]
            photo = {k: v for k, v in photo.items() if k in PHOTO_FIELDS}  # noqa: PLW2901
        kept.append(photo)
    if not cut:
        return record
    fields = {**record.fields, "photos": kept, "photos_stripped": ", ".join(cut)}
    kept_doc = {k: v for k, v in fields.items() if k != "photos_stripped"}
    original = json.dumps(kept_doc, ensure_ascii=False).encode()
    return ParsedRecord(record.source, fields, original, record.position, record.shape_error)


def _attributes(
    r: dict[str, Any], rule: str, dropped: str | None, record: ParsedRecord
) -> dict[str, object]:
    return {
        "channel": r["channel"],
        "kind": r["kind"],
        "grid_code": r["grid_code"],
        "verified": r["verified"],
        "anonymous": r["anonymous"],
        "urgent": r["urgent"],
        "accuracy_m": attribute_text(r["accuracy_m"]),
        "point_dropped": dropped,
        "photo_count": len(r["photos"]) or None,
        "photo_sha256": [p["sha256"] for p in r["photos"]],
        "photos_stripped": record.fields.get("photos_stripped"),
        "category_rule": rule,
    }


def pingan_category(
    table: CategoryTable, kind: str, category: str | None, description: str
) -> CategoryMatch:
    """Category of a report: ``[pingan.categories]`` on each segment of the app's category
    path, most specific first; the general keywords over the description;
    ``[pingan.kind_default]``; other."""
    by_segment = table.rules("pingan", "categories")
    for segment in reversed([s.strip() for s in (category or "").split("/") if s.strip()]):
        code = by_segment.get(segment)
        if isinstance(code, str):
            return table.match(code, "pingan.categories")
    if code := first_keyword(table.keywords(), description):
        return table.match(code, "keywords")
    default = table.rules("pingan", "kind_default").get(kind)
    return table.match(default if isinstance(default, str) else OTHER, "pingan.kind_default")


def pingan_severity(kind: str, urgent: bool | None) -> int:
    """Severity: 2 when the reporter marked it urgent (紧急), 4 for a 建议 (suggestion), else 3."""
    if urgent:
        return 2
    return 4 if kind == "建议" else DEFAULT


# The simulator: per unified category, the app's kind and category path, the chance citizens
# report an incident of it from the app and how many at most. Visible nuisances are reported
# most, a family quarrel least; our assumptions, as docs/simulator.md says of every rate.
_SIM: dict[str, tuple[str, str, float, int]] = {
    "fire": ("随手拍", "消防安全/火情", 0.5, 2),
    "crowding": ("随手拍", "社会治安/人员聚集", 0.4, 2),
    "dispute.neighbour": ("矛盾纠纷", "矛盾纠纷/邻里纠纷", 0.3, 1),
    "dispute.land": ("矛盾纠纷", "矛盾纠纷/土地纠纷", 0.2, 1),
    "dispute.family": ("矛盾纠纷", "矛盾纠纷/婚姻家庭", 0.1, 1),
    "wage_arrears": ("求助", "劳动保障/拖欠工资", 0.3, 2),
    "pollution": ("随手拍", "生态环境/环境污染", 0.5, 2),
    "street_vending": ("随手拍", "城市管理/占道经营", 0.5, 1),
    "illegal_construction": ("随手拍", "城市管理/违章搭建", 0.4, 1),
    "sanitation": ("随手拍", "城市管理/环境卫生", 0.6, 2),
    "food_safety": ("隐患举报", "市场监管/食品安全", 0.3, 1),
    "roads": ("随手拍", "公共设施/道路设施", 0.6, 2),
    "utilities": ("求助", "公共服务/水电气", 0.3, 1),
    "public_security": ("随手拍", "社会治安/治安问题", 0.3, 1),
    "safety_hazard": ("隐患举报", "安全生产/安全隐患", 0.4, 1),
}
_HANDSET_CHANCE = 0.25  # a grid worker on patrol also reports it from the 平安通 handset


def simulated_reports(
    gen: Generator, inc: Incident, count: int, earlier: list[Record]
) -> list[Record]:
    """The simulator hook: citizens' app reports and a grid worker's handset report of
    ``inc``, drawn from a random stream of the source's own (so the other sources' reports of
    a seed stay as they were). ``count`` is unused: the catalog names no rate for this source.
    """
    rng = gen.source_rng("pingan")
    kind, path, chance, most = _SIM.get(inc.spec.code, ("随手拍", "其他/其他", 0.2, 1))
    citizens = rng.randint(1, most) if rng.random() < chance else 0
    handsets = int(rng.random() < _HANDSET_CHANCE)
    return [_simulated(gen, inc, kind, path, None) for _ in range(citizens)] + [
        _simulated(gen, inc, "巡查上报", path, earlier) for _ in range(handsets)
    ]


def _simulated(
    gen: Generator, inc: Incident, kind: str, path: str, earlier: list[Record] | None
) -> Record:
    """One report: a citizen's (``earlier`` None), or a grid worker's handset report that may
    quote a 12345 order of ``earlier``."""
    from fusionhub.sim.generator import Record
    from fusionhub.sim.people import jitter, person, wgs84_to_gcj02
    from fusionhub.sim.records import iso

    rng, v = gen.source_rng("pingan"), inc.village
    at = inc.start + timedelta(minutes=rng.uniform(0, inc.spec.spread_minutes))
    number = f"PA-{v.county_code}-{at:%Y%m%d}-{gen.ids.next(f'pa{v.county_code}{at:%Y%m%d}'):06d}"
    # A dispute is mostly reported by one of its parties, as 12345 calls are (sim/generator).
    who = inc.parties[0] if inc.parties and rng.random() < 0.8 else person(rng, v.county_code)
    anonymous = earlier is None and rng.random() < 0.2
    lon, lat = jitter(rng, inc.lon, inc.lat, 60.0 if earlier is None else 30.0)
    crs = "GCJ02" if earlier is None and rng.random() < 0.7 else "WGS84"
    lon, lat = wgs84_to_gcj02(lon, lat) if crs == "GCJ02" else (lon, lat)
    # One citizen's fix in twenty comes from the cell network, kilometres off.
    coarse = earlier is None and rng.random() < 0.05
    doc: dict[str, object] = {
        "report_no": number,
        "channel": "citizen_app" if earlier is None else "handset",
        "submitted_at": iso(at),
        "reporter": {"id": f"U{rng.randrange(10**10):010d}", "verified": rng.random() < 0.7}
        | ({"anonymous": True} if anonymous else {"name": who.name, "anonymous": False})
        | {"phone": who.phone},
        "kind": kind,
        "category": path,
        "description": f"{v.name}{inc.place}{inc.fact(rng, gen.noise)}",
        "location": {
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "crs": crs,
            "accuracy_m": 1500.0 if coarse else float(rng.choice((5, 10, 20, 40))),
            # The app looks the fix up: a door number half the time, the road or place always.
            "address": f"浙江省{v.county_name}{v.township_name}{v.name}{inc.place}"
            + (f"{inc.house}号" if rng.random() < 0.5 else ""),
        },
        "photos": [
            {"sha256": f"{rng.getrandbits(256):064x}", "size": rng.randint(300_000, 4_000_000)}
            | {"width": 4032, "height": 3024, "taken_at": iso(at), "mime": "image/jpeg"}
            for _ in range(rng.randint(0, 3))
        ],
    }
    if earlier is not None:
        orders = [r.source_id for r in earlier if r.source == "hotline" and r.at < at][:1]
        quoted = f"（关联工单{orders[0]}）" if orders and rng.random() < 0.3 else ""
        doc["grid_code"] = f"{v.code}{rng.randint(1, 6):03d}"
        doc["description"] = f"巡查发现{doc['description']}{quoted}"
        doc["reporter"] = {"id": f"W{v.township_code}{rng.randint(1, 60):03d}", "name": "网格员"}
    return Record(at, "pingan", number, doc, inc.incident_id)


SOURCE = SourceSpec(
    name="pingan",
    label_zh="平安浙江",
    label_en="Ping'an Zhejiang app",
    summary="平安浙江 app reports (随手拍) by citizens and 平安通 handset reports by grid workers",
    connector=PinganConnector,
    raw_subject="fusionhub.raw.PinganReport",
    categories="pingan",
    quoted_id=r"PA-\d{6}-\d{8}-\d{6}",
    id_example="PA-330681-20261125-000123",
    time_field="submitted_at",
    simulator="fusionhub.sources.pingan:simulated_reports",
    colour="#ef4444",
    sim_order=4,
)
