"""Online petitions (网上信访), JSON object or array: docs/sources.md §3.

The source in one module: the connector, its category and severity rules, its declaration.

The petitioner's home address is personal data: it helps find the jurisdiction when the
incident address is missing, and is never stored on the Event.
"""

from __future__ import annotations

import re
from datetime import datetime

from fusionhub.connectors.base import ParsedRecord, check_received_at
from fusionhub.connectors.categories import (
    OTHER,
    CategoryMatch,
    CategoryTable,
    apply_rule,
    first_keyword,
)
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
from fusionhub.connectors.shared import JsonConnector, issuer_county
from fusionhub.core.events import Event, Party, Source, event_ref
from fusionhub.core.jurisdiction import LocationHints, resolve_jurisdiction

PETITION = Source.of("petition")
CHANNELS = ("web", "app", "letter", "visit")
PURPOSES = ("投诉", "求决", "建议", "申诉", "揭发控告", "其他")
REGION_CODE_LENGTHS = (6, 9, 12)
# Petition numbers name the county of the letters-and-visits office: XF330681-2026-004512.
ISSUER_PATTERN = re.compile(r"XF(\d{6})-")
MAX_CO_SIGNERS = 100_000
# Attributes that cannot hold a phone or ID number (see ConfiguredConnector.scrubbed): two
# enums, a count of at most six digits, a flag and a category rule name.
_CLOSED_ATTRIBUTES = frozenset(
    {"channel", "purpose", "co_signers", "previously_petitioned", "category_rule"}
)


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class _Petition:
    def __init__(
        self,
        *,
        petition_no: str,
        submitted_at: datetime,
        channel: str,
        petitioner: Party | None,
        petitioner_address: str | None,
        co_signers: int | None,
        title: str,
        content: str,
        purpose: str,
        problem_category: str | None,
        incident_address: str | None,
        region_code: str | None,
        previously_petitioned: bool | None,
        refs: tuple[str, ...],
    ) -> None:
        self.petition_no = petition_no
        self.submitted_at = submitted_at
        self.channel = channel
        self.petitioner = petitioner
        self.petitioner_address = petitioner_address
        self.co_signers = co_signers
        self.title = title
        self.content = content
        self.purpose = purpose
        self.problem_category = problem_category
        self.incident_address = incident_address
        self.region_code = region_code
        self.previously_petitioned = previously_petitioned
        self.refs = refs


class PetitionConnector(JsonConnector):
    """Online petitions -> Events. Jurisdiction from region_code, incident, then home address.

    Build once with ``PetitionConnector(gazetteer=..., categories=..., pii=...)``.
    """

    source = PETITION
    id_field = "petition_no"

    def normalise(self, record: ParsedRecord, received_at: datetime) -> Event:
        """Validate one petition and build its Event; raises ConnectorError when refused."""
        check_received_at(received_at)
        petition = self._read(self.reader(record))
        scrub = self._pii.scrub_text
        incident_address = scrub(petition.incident_address) if petition.incident_address else None
        addresses = (incident_address, petition.petitioner_address)
        hints = LocationHints(
            region_code=petition.region_code,
            address_texts=tuple(scrub(a) for a in addresses if a),
            issuer_code=issuer_county(petition.petition_no, ISSUER_PATTERN),
        )
        jurisdiction, point = resolve_jurisdiction(hints, self._gazetteer)
        text = f"{petition.title}\n{petition.content}"
        category = petition_category(self._categories, petition.problem_category, text)
        return Event(
            event_ref=event_ref(self.source, petition.petition_no),
            source=self.source,
            source_id=petition.petition_no,
            occurred_at=petition.submitted_at,
            received_at=received_at,
            category=category.code,
            platform=category.platform,
            severity=petition_severity(petition.co_signers, petition.previously_petitioned),
            text=scrub(text),
            jurisdiction=jurisdiction,
            point=point,
            source_category=scrub(petition.problem_category) if petition.problem_category else None,
            title=scrub(petition.title),
            address=incident_address,
            parties=(petition.petitioner,) if petition.petitioner else (),
            refs=self.merge_refs(petition.refs, (petition.title, petition.content)),
            fingerprint=record.fingerprint,
            attributes=self.attributes(_attributes(petition, category.rule), _CLOSED_ATTRIBUTES),
        )

    def _read(self, r: FieldReader) -> _Petition:
        petition_no = r.text(
            "petition_no", required=True, max_len=ID_MAX, pattern=SOURCE_ID_PATTERN, hint="an id"
        )
        submitted_at = r.time("submitted_at", required=True)
        channel = r.enum("channel", CHANNELS, required=True)
        petitioner, petitioner_address = self._petitioner(r)
        co_signers = r.integer("co_signers", 0, MAX_CO_SIGNERS)
        title = r.text("title", required=True, max_len=500)
        content = r.text("content", required=True, max_len=LONG_TEXT_MAX)
        purpose = r.enum("purpose", PURPOSES, required=True)
        problem_category = r.text("problem_category", max_len=100)
        incident_address = r.text("incident_address", max_len=ADDRESS_MAX)
        region_code = r.digits("region_code", REGION_CODE_LENGTHS)
        previously_petitioned = r.boolean("previously_petitioned")
        refs = r.strings("refs")
        r.raise_if_invalid("validate", petition_no)
        return _Petition(
            petition_no=known(petition_no),
            submitted_at=known(submitted_at),
            channel=known(channel),
            petitioner=petitioner,
            petitioner_address=petitioner_address,
            co_signers=co_signers,
            title=known(title),
            content=known(content),
            purpose=known(purpose),
            problem_category=problem_category,
            incident_address=incident_address,
            region_code=region_code,
            previously_petitioned=previously_petitioned,
            refs=refs,
        )

    def _petitioner(self, r: FieldReader) -> tuple[Party | None, str | None]:
        petitioner = r.mapping("petitioner", required=True)
        if petitioner is None:
            return None, None
        name = petitioner.text("name", required=True, max_len=50)
        id_number = petitioner.text("id_number", max_len=32)
        phone = petitioner.text("phone", max_len=32, pattern=PHONE_PATTERN, hint="a phone number")
        address = petitioner.text("address", max_len=ADDRESS_MAX)
        party = self._pii.party("petitioner", name=name, phone=phone, id_number=id_number)
        return party, address


def _attributes(petition: _Petition, category_rule: str) -> dict[str, object]:
    return {
        "channel": petition.channel,
        "purpose": petition.purpose,
        "co_signers": petition.co_signers,
        "previously_petitioned": petition.previously_petitioned,
        "region_code": petition.region_code,
        "category_rule": category_rule,
    }


def petition_category(
    table: CategoryTable, problem_category: str | None, text: str
) -> CategoryMatch:
    """Category of a petition: ``[petition.problem_category]`` refined by title and content,
    then the general keywords over them, else other."""
    rule = table.rules("petition", "problem_category").get(problem_category or "")
    if rule is not None and (code := apply_rule(rule, text)):
        return table.match(code, "petition.problem_category")
    if code := first_keyword(table.keywords(), text):
        return table.match(code, "keywords")
    return table.match(OTHER, "default")


COLLECTIVE_PETITION_SIGNERS = 5  # 集体访
MASS_PETITION_SIGNERS = 50


def petition_severity(co_signers: int | None, previously_petitioned: bool | None) -> int:
    """Severity of a petition: 3; 5+ co-signers (a collective petition) 2; 50+ co-signers 1;
    ``previously_petitioned`` (a repeat petition) one step more serious, never above 1."""
    signers = co_signers or 0
    if signers >= MASS_PETITION_SIGNERS:
        severity = 1
    elif signers >= COLLECTIVE_PETITION_SIGNERS:
        severity = 2
    else:
        severity = DEFAULT
    if previously_petitioned:
        severity = max(MOST_SERIOUS, severity - 1)
    return severity


SOURCE = SourceSpec(
    name="petition",
    label_zh="网上信访",
    label_en="Online petition",
    summary="online petitions (网上信访) from the letters-and-visits offices",
    connector=PetitionConnector,
    raw_subject="fusionhub.raw.Petition",
    categories="petition",
    quoted_id=r"XF\d{6}-\d{4}-\d{6}",
    id_example="XF330681-2026-004512",
    time_field="submitted_at",
    simulator="fusionhub.sim.hooks:petition_reports",
    colour="#a855f7",
    sim_order=3,
)
