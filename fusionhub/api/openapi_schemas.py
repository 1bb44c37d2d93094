"""The component schemas of the read API's OpenAPI document: cases, events, corrections.

Closed objects (``additionalProperties: false``), so the conformance tests catch any field the
service answers with that is not described here.
"""

from __future__ import annotations

from typing import Any

from fusionhub.api.params import PRIORITIES, STATUSES
from fusionhub.connectors.registry import load_sources

Schema = dict[str, Any]

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
_INTEGER: Schema = {"type": "integer"}
_MOMENT: Schema = {"type": "string", "format": "date-time"}


def ref(name: str) -> Schema:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _closed(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    required = [name for name in properties if name not in optional]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


_CASE_FIELDS: dict[str, Schema] = {
    "case_id": _STRING,
    "version": {"type": "integer", "minimum": 1},
    "county_code": _TEXT_OR_NULL,
    "county_name": _TEXT_OR_NULL,
    "township_code": _TEXT_OR_NULL,
    "township_name": _TEXT_OR_NULL,
    "village_code": _TEXT_OR_NULL,
    "category": _STRING,
    "platform": _STRING,
    "priority": {"type": "integer", "enum": list(PRIORITIES), "description": "1 is the highest"},
    "status": {"type": "string", "enum": list(STATUSES)},
    "level": {"type": "string", "enum": ["township", "county"]},
    "opened_at": _MOMENT,
    "updated_at": _MOMENT,
    "deadline": _MOMENT,
    "repeat_of": _TEXT_OR_NULL,
    "department": _TEXT_OR_NULL,
    "evaluation": _TEXT_OR_NULL,
    "sources": {"type": "array", "items": _STRING},
    "report_count": _INTEGER,
    "person_token_count": _INTEGER,
    "last_change": _TEXT_OR_NULL,
    "merged_into": {
        "type": ["string", "null"],
        "description": "set once the case is merged away: the case its reports went into",
    },
    "is_open": {"type": "boolean", "description": "not resolved, closed or merged"},
    "resolved_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "when it was last resolved, while it is resolved or closed",
    },
}
# What a list item adds: enough to show a case on a board and a map without its details.
_CARD_FIELDS: dict[str, Schema] = {
    "headline": {
        **_TEXT_OR_NULL,
        "description": "the title, or the start of the text, of its first stored report",
    },
    "lon": {**_NUMBER_OR_NULL, "description": "WGS-84 point of its first located report"},
    "lat": _NUMBER_OR_NULL,
}

_EVENT_FIELDS: dict[str, Schema] = {
    "event_ref": _STRING,
    "source": {"type": "string", "enum": list(load_sources().names)},
    "source_id": _STRING,
    "occurred_at": _MOMENT,
    "received_at": _MOMENT,
    "category": _STRING,
    "platform": _STRING,
    "severity": _INTEGER,
    **{
        f"{level}_{kind}": _TEXT_OR_NULL
        for level in ("county", "township", "village")
        for kind in ("code", "rule")
    },
    "grid_code": _TEXT_OR_NULL,
    "lon": _NUMBER_OR_NULL,
    "lat": _NUMBER_OR_NULL,
    "title": _TEXT_OR_NULL,
    "text": _STRING,
    "address": _TEXT_OR_NULL,
    "parties": {"type": "array", "items": ref("Party")},
    "refs": {"type": "array", "items": _STRING},
    "fingerprint": _STRING,
    "attributes": {"type": "object", "additionalProperties": _STRING},
}

_REFS: Schema = {"type": "array", "items": _STRING}
_CORRECTION_FIELDS: dict[str, Schema] = {
    "reason": _STRING,
    "at": {**_MOMENT, "description": "when the dispatcher issued the command"},
    "command_id": _STRING,
    "actor": _STRING,
    "county_code": _TEXT_OR_NULL,
}

_PARTY_FIELDS = ("role", "name_masked", "phone_masked", "phone_token", "id_masked", "id_token")
_SIGNALS = ("total", "ref", "person", "distance", "place", "address", "time", "category", "text")


def component_schemas() -> dict[str, Schema]:
    """Every schema of ``components.schemas``, by name."""
    return {
        "CaseSummary": _closed(_CASE_FIELDS | _CARD_FIELDS),
        "Case": _closed(
            {
                **_CASE_FIELDS,
                "history": {"type": "array", "items": ref("Transition")},
                "events": {"type": "array", "items": ref("LinkedEvent")},
            }
        ),
        "CasePage": _closed(
            {
                "total": {"type": "integer", "minimum": 0, "description": "matches in all"},
                "limit": _INTEGER,
                "offset": _INTEGER,
                "next": {
                    **_TEXT_OR_NULL,
                    "description": "pass as `after` for the next page; null on the last page",
                },
                "items": {"type": "array", "items": ref("CaseSummary")},
            }
        ),
        "Transition": _closed(
            {"seq": _INTEGER, "at": _MOMENT, "status": _STRING, "actor": _STRING, "note": _STRING}
        ),
        "LinkedEvent": _closed(
            {
                "event_ref": _STRING,
                "score": {
                    "oneOf": [ref("Score"), {"type": "null"}],
                    "description": "how the report matched the case; null for the report that "
                    "opened it and for reports a dispatcher split out into it",
                },
                "event": {
                    "oneOf": [ref("Event"), {"type": "null"}],
                    "description": "null until the sink has stored the report itself",
                },
            }
        ),
        "CorrectionPage": _closed(
            {
                "total": {"type": "integer", "minimum": 0, "description": "matches in all"},
                "limit": _INTEGER,
                "offset": _INTEGER,
                "items": {
                    "type": "array",
                    "items": {"oneOf": [ref("MergeCorrection"), ref("SplitCorrection")]},
                },
            }
        ),
        "MergeCorrection": _closed(
            {
                "action": {"const": "merge"},
                "case_id": {**_STRING, "description": "the case merged away"},
                "into": {**_STRING, "description": "the case it was merged into"},
                "event_refs": {**_REFS, "description": "the reports of the case merged away"},
                "into_event_refs": {
                    **_REFS,
                    "description": "the reports of the surviving case before the merge",
                },
                **_CORRECTION_FIELDS,
            }
        ),
        "SplitCorrection": _closed(
            {
                "action": {"const": "split"},
                "case_id": {**_STRING, "description": "the case split"},
                "new_case_id": {**_STRING, "description": "the case the split opened"},
                "event_refs_moved": {**_REFS, "description": "the reports moved to the new case"},
                "event_refs_kept": {**_REFS, "description": "the reports that stayed"},
                **_CORRECTION_FIELDS,
            }
        ),
        "Score": _closed({**dict.fromkeys(_SIGNALS, _NUMBER_OR_NULL), "veto": _TEXT_OR_NULL}),
        "Event": _closed(_EVENT_FIELDS),
        "Party": _closed(
            {name: (_STRING if name == "role" else _TEXT_OR_NULL) for name in _PARTY_FIELDS}
        ),
        "TownshipCounts": _closed(
            {
                "county": _TEXT_OR_NULL,
                "total": _INTEGER,
                "townships": {"type": "array", "items": ref("TownshipCount")},
            }
        ),
        "TownshipCount": _closed(
            {
                "county_code": _TEXT_OR_NULL,
                "county_name": _TEXT_OR_NULL,
                "township_code": _TEXT_OR_NULL,
                "township_name": _TEXT_OR_NULL,
                "total": _INTEGER,
                "by_status": {"type": "object", "additionalProperties": _INTEGER},
            }
        ),
        "Error": _closed(
            {
                "error": _STRING,
                "fields": {
                    "type": "array",
                    "items": _closed({"field": _STRING, "message": _STRING}),
                },
            },
            optional=("fields",),
        ),
    }
