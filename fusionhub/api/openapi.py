"""The OpenAPI 3.1 description of the read API, written by hand next to the code it describes.

The integration tests check every answer of the running service against these schemas, and
the schemas forbid properties they do not list, so the description cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from fusionhub.api.params import DEFAULT_LIMIT, PLATFORMS, PRIORITIES, SORT_ORDERS, STATUSES

Schema = dict[str, Any]

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
_INTEGER: Schema = {"type": "integer"}
_MOMENT: Schema = {"type": "string", "format": "date-time"}


def _ref(name: str) -> Schema:
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
}

_EVENT_FIELDS: dict[str, Schema] = {
    "event_ref": _STRING,
    "source": {"type": "string", "enum": ["grid", "hotline", "petition", "video"]},
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
    "parties": {"type": "array", "items": _ref("Party")},
    "refs": {"type": "array", "items": _STRING},
    "fingerprint": _STRING,
    "attributes": {"type": "object", "additionalProperties": _STRING},
}

_PARTY_FIELDS = ("role", "name_masked", "phone_masked", "phone_token", "id_masked", "id_token")
_SIGNALS = ("total", "ref", "person", "distance", "place", "address", "time", "category", "text")


def _schemas() -> dict[str, Schema]:
    return {
        "CaseSummary": _closed(_CASE_FIELDS),
        "Case": _closed(
            {
                **_CASE_FIELDS,
                "history": {"type": "array", "items": _ref("Transition")},
                "events": {"type": "array", "items": _ref("LinkedEvent")},
            }
        ),
        "CasePage": _closed(
            {
                "total": {"type": "integer", "minimum": 0, "description": "matches in all"},
                "limit": _INTEGER,
                "offset": _INTEGER,
                "items": {"type": "array", "items": _ref("CaseSummary")},
            }
        ),
        "Transition": _closed(
            {"seq": _INTEGER, "at": _MOMENT, "status": _STRING, "actor": _STRING, "note": _STRING}
        ),
        "LinkedEvent": _closed(
            {
                "event_ref": _STRING,
                "score": {
                    "oneOf": [_ref("Score"), {"type": "null"}],
                    "description": "how the report matched the case; null for the first report",
                },
                "event": {
                    "oneOf": [_ref("Event"), {"type": "null"}],
                    "description": "null until the sink has stored the report itself",
                },
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
                "townships": {"type": "array", "items": _ref("TownshipCount")},
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


def _query(name: str, schema: Schema, description: str, repeatable: bool = False) -> Schema:
    if repeatable:
        schema = {"type": "array", "items": schema}
        description += " Repeat the parameter for alternatives (OR)."
    param: Schema = {"name": name, "in": "query", "schema": schema, "description": description}
    if repeatable:
        param |= {"style": "form", "explode": True}
    return param


def _list_parameters(max_limit: int) -> list[Schema]:
    moment_note = " A date means its midnight; no offset means China time (UTC+8)."
    return [
        _query("county", {"type": "string", "pattern": r"^\d{6}$"}, "County code.", True),
        _query("township", {"type": "string", "pattern": r"^\d{9}$"}, "Township code.", True),
        _query("status", {"type": "string", "enum": list(STATUSES)}, "Case status.", True),
        _query("platform", {"type": "string", "enum": list(PLATFORMS)}, "Platform line.", True),
        _query("priority", {"type": "integer", "minimum": 1, "maximum": 4}, "1 is highest.", True),
        _query("opened_from", _STRING, "Opened at or after (ISO 8601)." + moment_note),
        _query("opened_to", _STRING, "Opened before (ISO 8601)." + moment_note),
        _query(
            "sort",
            {"type": "string", "enum": list(SORT_ORDERS), "default": "opened"},
            "Newest first by opening time, or by last change.",
        ),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": DEFAULT_LIMIT},
            "Page size.",
        ),
        _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "Cases to skip."),
    ]


def _ok(schema: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*statuses: str) -> dict[str, Schema]:
    return {status: {"$ref": f"#/components/responses/{status}"} for status in statuses}


def _paths(max_limit: int) -> dict[str, Schema]:
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": _STRING}
    county = _query("county", {"type": "string", "pattern": r"^\d{6}$"}, "Only this county.")
    return {
        "/v1/cases": {
            "get": {
                "operationId": "listCases",
                "summary": "Cases matching the filters, newest first, one page at a time",
                "parameters": _list_parameters(max_limit),
                "responses": {"200": _ok("CasePage", "A page"), **_errors("400", "401", "503")},
            }
        },
        "/v1/cases/{case_id}": {
            "get": {
                "operationId": "getCase",
                "summary": "One case with its timeline and its reports with match scores",
                "parameters": [case_id],
                "responses": {"200": _ok("Case", "The case"), **_errors("401", "404", "503")},
            }
        },
        "/v1/stats/townships": {
            "get": {
                "operationId": "townshipCounts",
                "summary": "How many cases each township has in each status",
                "parameters": [county],
                "responses": {
                    "200": _ok("TownshipCounts", "Counts by township code"),
                    **_errors("400", "401", "503"),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {
                    "200": {"description": "OpenAPI 3.1 document"},
                    **_errors("401"),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "The process answers (no token needed)",
                "security": [],
                "responses": {"200": {"description": "Alive"}},
            }
        },
    }


def openapi_document(max_limit: int) -> dict[str, Any]:
    """The OpenAPI 3.1 document served at ``/openapi.json``; ``max_limit`` is the page cap."""
    error = _ref("Error")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fusionhub command-centre read API",
            "version": "1",
            "description": "Cases fused from grid, hotline, petition and video reports.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(max_limit),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
            "responses": {
                status: {"description": text, "content": {"application/json": {"schema": error}}}
                for status, text in (
                    ("400", "Invalid parameters, one message per field"),
                    ("401", "Missing or wrong bearer token"),
                    ("404", "No such case"),
                    ("503", "The case store cannot answer; try again"),
                )
            },
        },
    }
