"""Turning decoded ``fusionhub.Case`` and ``fusionhub.Event`` records into table rows.

Input dicts are what ``AvroCodec.decode`` returns: timestamps are timezone-aware datetimes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fusionhub.sinks.schema import SCORE_FIELDS

Row = dict[str, Any]

# Only these party fields reach the database, whatever a producer put in the record: the schema
# already carries nothing else, and this keeps it so if someone widens the schema carelessly.
FINISHED = frozenset({"resolved", "closed", "merged"})
SAFE_PARTY_FIELDS = ("role", "name_masked", "phone_masked", "phone_token", "id_masked", "id_token")


def case_row(case: dict[str, Any]) -> Row:
    """The ``cases`` row of one case record."""
    return {
        "case_id": case["case_id"],
        "version": case["version"],
        "county_code": case.get("county_code"),
        "township_code": case.get("township_code"),
        "village_code": case.get("village_code"),
        "category": case["category"],
        "platform": case["platform"],
        "priority": case["priority"],
        "status": case["status"],
        "level": case["level"],
        "opened_at": case["opened_at"],
        "updated_at": case["updated_at"],
        "deadline": case["deadline"],
        "repeat_of": case.get("repeat_of"),
        "department": case.get("department"),
        "evaluation": case.get("evaluation"),
        "sources": ",".join(case.get("sources", ())),
        "report_count": len(member_refs(case)),
        "person_token_count": case.get("person_token_count", 0),
        "last_change": case.get("change"),
        "merged_into": case.get("merged_into"),
        "is_open": case["status"] not in FINISHED,
        "resolved_at": resolved_at(case),
    }


def resolved_at(case: dict[str, Any]) -> datetime | None:
    """When a resolved or closed case was last resolved (None for any other status)."""
    if case["status"] not in ("resolved", "closed"):
        return None
    moments = [step["at"] for step in case.get("history", ()) if step["status"] == "resolved"]
    return max(moments, default=None)


def correction_rows(case: dict[str, Any]) -> list[Row]:
    """The ``case_corrections`` rows of the merges and splits a case record carries."""
    return [
        {
            "command_id": c["command_id"],
            "action": c["action"],
            "case_id": c["case_id"],
            "other_case_id": c["other_case_id"],
            "county_code": case.get("county_code"),
            "moved_refs": _json(list(c["moved"])),
            "kept_refs": _json(list(c["kept"])),
            "reason": c["reason"],
            "actor": c["actor"],
            "at": c["at"],
        }
        for c in case.get("corrections", ())
    ]


def member_refs(case: dict[str, Any]) -> list[str]:
    """Every report of a case, in order: ``event_refs`` plus any scored member not listed there."""
    refs = list(dict.fromkeys(case.get("event_refs", ())))
    listed = set(refs)
    refs.extend(m["event_ref"] for m in case.get("members", ()) if m["event_ref"] not in listed)
    return refs


def member_rows(case: dict[str, Any]) -> list[Row]:
    """The ``case_members`` rows of a case: one per report, with its score when it has one."""
    scores = {m["event_ref"]: m["score"] for m in case.get("members", ())}
    claimed_at: datetime = case["updated_at"]
    rows = []
    for position, ref in enumerate(member_refs(case)):
        score = scores.get(ref)
        row: Row = {
            "event_ref": ref,
            "case_id": case["case_id"],
            "claimed_at": claimed_at,
            "position": position,
        }
        for name in SCORE_FIELDS:
            row[f"score_{name}"] = None if score is None else score.get(name)
        rows.append(row)
    return rows


def history_rows(case: dict[str, Any]) -> list[Row]:
    """The ``case_history`` rows of a case, numbered from 1 in the order of the record."""
    return [
        {
            "case_id": case["case_id"],
            "seq": seq,
            "at": step["at"],
            "status": step["status"],
            "actor": step["actor"],
            "note": step.get("note", ""),
        }
        for seq, step in enumerate(case.get("history", ()), start=1)
    ]


def event_row(event: dict[str, Any]) -> Row:
    """The ``events`` row of one event record."""
    where = event.get("jurisdiction") or {}
    point = event.get("point") or {}
    return {
        "event_ref": event["event_ref"],
        "source": event["source"],
        "source_id": event["source_id"],
        "occurred_at": event["occurred_at"],
        "received_at": event["received_at"],
        "category": event["category"],
        "platform": event["platform"],
        "severity": event["severity"],
        "county_code": where.get("county_code"),
        "township_code": where.get("township_code"),
        "village_code": where.get("village_code"),
        "grid_code": where.get("grid_code"),
        "county_rule": where.get("county_rule"),
        "township_rule": where.get("township_rule"),
        "village_rule": where.get("village_rule"),
        "lon": point.get("lon"),
        "lat": point.get("lat"),
        "title": event.get("title"),
        "text": event["text"],
        "address": event.get("address"),
        "parties": _json([_safe_party(p) for p in event.get("parties", ())]),
        "refs": _json(list(event.get("refs", ()))),
        "fingerprint": event["fingerprint"],
        "attributes": _json(dict(event.get("attributes", {}))),
    }


def _safe_party(party: dict[str, Any]) -> dict[str, Any]:
    return {name: party.get(name) for name in SAFE_PARTY_FIELDS}


def _json(value: Any) -> str:
    # Chinese text stays readable in the column; keys sorted so equal values are equal text.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
