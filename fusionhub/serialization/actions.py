"""Case actions as ``fusionhub.CaseCommand`` records: the one mapping every publisher of
actions and the correlator's decoder share.

Kept apart from ``records`` (compiled for the ingest hot path, which sends no actions).
"""

from __future__ import annotations

from typing import Any

from fusionhub.core.casebook import CaseAction


def action_to_record(action: CaseAction) -> dict[str, Any]:
    """The Avro record of a case action (subject ``fusionhub.CaseCommand``), as every
    publisher of actions sends it: the command line, the demo's duty officer, the tests."""
    return {
        "command_id": action.command_id,
        "case_id": action.case_id,
        "county_code": action.county_code,
        "action": action.action,
        "actor": action.actor,
        "issued_at": action.issued_at,
        "department": action.department,
        "note": action.note,
        "evaluation": action.evaluation,
        "into_case_id": action.into_case_id,
        "event_refs": list(action.event_refs),
    }


def action_from_record(rec: dict[str, Any]) -> CaseAction:
    """The core action of a decoded ``fusionhub.CaseCommand`` (of any version: v1 records come
    without the merge and split fields, which the reader's defaults fill in)."""
    return CaseAction(
        command_id=rec["command_id"],
        case_id=rec["case_id"],
        action=rec["action"],
        actor=rec["actor"],
        issued_at=rec["issued_at"],
        department=rec.get("department"),
        note=rec.get("note"),
        evaluation=rec.get("evaluation"),
        county_code=rec.get("county_code"),
        into_case_id=rec.get("into_case_id"),
        event_refs=tuple(rec.get("event_refs", ())),
    )
