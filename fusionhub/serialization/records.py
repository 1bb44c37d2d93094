"""Mapping between core dataclasses and the dicts their Avro schemas describe."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fusionhub.core.cases import Case, Correction
from fusionhub.core.events import (
    DeviceHealthRecord,
    Event,
    GeoPoint,
    Jurisdiction,
    Party,
    Platform,
    Source,
)
from fusionhub.core.scoring_types import ScoreBreakdown

EVENT_SUBJECT = "fusionhub.Event"
DEVICE_HEALTH_SUBJECT = "fusionhub.DeviceHealth"
DEAD_LETTER_SUBJECT = "fusionhub.DeadLetter"


def event_to_record(event: Event) -> dict[str, Any]:
    """The Avro record of ``event`` (subject ``fusionhub.Event``)."""
    return {
        "event_ref": event.event_ref,
        "source": event.source.value,
        "source_id": event.source_id,
        "occurred_at": event.occurred_at,
        "received_at": event.received_at,
        "category": event.category,
        "platform": event.platform.value,
        "severity": event.severity,
        "text": event.text,
        "jurisdiction": _jurisdiction_record(event.jurisdiction),
        "point": None if event.point is None else {"lon": event.point.lon, "lat": event.point.lat},
        "point_crs": event.point_crs,
        "source_category": event.source_category,
        "title": event.title,
        "address": event.address,
        "parties": [_party_record(p) for p in event.parties],
        "refs": list(event.refs),
        "fingerprint": event.fingerprint,
        "attributes": dict(event.attributes),
    }


# Written out rather than dataclasses.asdict: asdict deep-copies, and was a fifth of the
# connector path's time in the ingest profile.
def _jurisdiction_record(j: Jurisdiction) -> dict[str, Any]:
    return {
        "county_code": j.county_code,
        "township_code": j.township_code,
        "village_code": j.village_code,
        "grid_code": j.grid_code,
        "county_rule": j.county_rule,
        "township_rule": j.township_rule,
        "village_rule": j.village_rule,
        "grid_rule": j.grid_rule,
    }


def _party_record(p: Party) -> dict[str, Any]:
    return {
        "role": p.role,
        "name_masked": p.name_masked,
        "phone_masked": p.phone_masked,
        "phone_token": p.phone_token,
        "id_masked": p.id_masked,
        "id_token": p.id_token,
    }


def event_from_record(rec: dict[str, Any]) -> Event:
    """The core ``Event`` of a decoded Avro record."""
    point = rec.get("point")
    return Event(
        event_ref=rec["event_ref"],
        source=Source.of(rec["source"]),
        source_id=rec["source_id"],
        occurred_at=_aware(rec["occurred_at"]),
        received_at=_aware(rec["received_at"]),
        category=rec["category"],
        platform=Platform(rec["platform"]),
        severity=rec["severity"],
        text=rec["text"],
        jurisdiction=Jurisdiction(**rec["jurisdiction"]),
        point=None if point is None else GeoPoint(point["lon"], point["lat"]),
        point_crs=rec.get("point_crs"),
        source_category=rec.get("source_category"),
        title=rec.get("title"),
        address=rec.get("address"),
        parties=tuple(Party(**p) for p in rec.get("parties", ())),
        refs=tuple(rec.get("refs", ())),
        fingerprint=rec["fingerprint"],
        attributes=dict(rec.get("attributes", {})),
    )


def device_health_to_record(record: DeviceHealthRecord) -> dict[str, Any]:
    """The Avro record of a device-fault alarm (subject ``fusionhub.DeviceHealth``)."""
    return asdict(record)


def device_health_from_record(rec: dict[str, Any]) -> DeviceHealthRecord:
    """The core record of a decoded ``fusionhub.DeviceHealth``."""
    fields = dict(rec)
    fields["occurred_at"] = _aware(fields["occurred_at"])
    fields["received_at"] = _aware(fields["received_at"])
    return DeviceHealthRecord(**fields)


def _aware(value: datetime) -> datetime:
    # fastavro returns UTC-aware datetimes for timestamp-millis; keep that guarantee explicit.
    if value.tzinfo is None:
        raise ValueError("timestamp without timezone")
    return value


CASE_SUBJECT = "fusionhub.Case"
COMMAND_SUBJECT = "fusionhub.CaseCommand"
TICK_SUBJECT = "fusionhub.Tick"


def case_to_record(
    case: Case, change: str | None = None, command_id: str | None = None
) -> dict[str, Any]:
    """The Avro record of a case's whole state (subject ``fusionhub.Case``); ``command_id``
    names the case action that made this version, if one did."""
    return {
        "case_id": case.case_id,
        "version": case.version,
        "county_code": case.county_code,
        "township_code": case.township_code,
        "village_code": case.village_code,
        "category": case.category,
        "platform": case.platform.value,
        "priority": case.priority,
        "status": case.status.value,
        "level": case.level.value,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "deadline": case.deadline,
        "event_refs": list(case.event_refs),
        "sources": [s.value for s in case.sources],
        "person_token_count": case.person_token_count,
        "repeat_of": case.repeat_of,
        "department": case.department,
        "evaluation": case.evaluation,
        "history": [
            {"at": t.at, "status": t.status.value, "actor": t.actor, "note": t.note}
            for t in case.history
        ],
        "members": [
            {"event_ref": ref, "score": _score_record(score)} for ref, score in case.scores
        ],
        "change": change,
        "merged_into": case.merged_into,
        "corrections": [_correction_record(c) for c in case.corrections],
        "command_id": command_id,
    }


def _correction_record(c: Correction) -> dict[str, Any]:
    return {
        "command_id": c.command_id,
        "action": c.action,
        "case_id": c.case_id,
        "other_case_id": c.other_case_id,
        "moved": list(c.moved),
        "kept": list(c.kept),
        "reason": c.reason,
        "actor": c.actor,
        "at": c.at,
    }


def _score_record(score: ScoreBreakdown) -> dict[str, Any]:
    return {
        "total": score.total,
        "ref": score.ref,
        "person": score.person,
        "distance": score.distance,
        "place": score.place,
        "address": score.address,
        "time": score.time,
        "category": score.category,
        "text": score.text,
        "veto": score.veto,
    }
