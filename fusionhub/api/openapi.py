"""The OpenAPI 3.1 description of the read API, written by hand next to the code it describes.

The integration tests check every answer of the running service against these schemas, and
the schemas forbid properties they do not list, so the description cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from fusionhub.api.openapi_console import console_paths, console_schemas
from fusionhub.api.openapi_schemas import Schema, component_schemas, ref
from fusionhub.api.params import (
    DEFAULT_LIMIT,
    MAX_SEARCH_CHARS,
    PLATFORMS,
    SORT_ORDERS,
    SOURCES,
    STATUSES,
)

_STRING: Schema = {"type": "string"}


def _query(name: str, schema: Schema, description: str, repeatable: bool = False) -> Schema:
    if repeatable:
        schema = {"type": "array", "items": schema}
        description += " Repeat the parameter for alternatives (OR)."
    param: Schema = {"name": name, "in": "query", "schema": schema, "description": description}
    if repeatable:
        param |= {"style": "form", "explode": True}
    return param


def filter_parameters() -> list[Schema]:
    """The case list's filters (shared by the list and its exports)."""
    moment_note = " A date means its midnight; no offset means China time (UTC+8)."
    return [
        _query("county", {"type": "string", "pattern": r"^\d{6}$"}, "County code.", True),
        _query("township", {"type": "string", "pattern": r"^\d{9}$"}, "Township code.", True),
        _query("status", {"type": "string", "enum": list(STATUSES)}, "Case status.", True),
        _query("platform", {"type": "string", "enum": list(PLATFORMS)}, "Platform line.", True),
        _query("priority", {"type": "integer", "minimum": 1, "maximum": 4}, "1 is highest.", True),
        _query(
            "category",
            {"type": "string", "pattern": r"^[a-z][a-z_.]*$"},
            "Unified category code (dispute.neighbour).",
            True,
        ),
        _query("source", {"type": "string", "enum": list(SOURCES)}, "Reported by.", True),
        _query(
            "open",
            {"type": "boolean", "default": False},
            "Only cases not resolved, closed or merged (true/false).",
        ),
        _query(
            "q",
            {"type": "string", "maxLength": MAX_SEARCH_CHARS},
            "A case id, a report's ref (hotline:12345-…) or source id, or words of a report's "
            "text, title or address.",
        ),
        _query("opened_from", _STRING, "Opened at or after (ISO 8601)." + moment_note),
        _query("opened_to", _STRING, "Opened before (ISO 8601)." + moment_note),
        _query(
            "sort",
            {"type": "string", "enum": list(SORT_ORDERS), "default": "opened"},
            "opened: newest opened first; updated: latest change first; urgency: highest "
            "priority, then nearest deadline, first.",
        ),
    ]


def _list_parameters(max_limit: int) -> list[Schema]:
    return [
        *filter_parameters(),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": DEFAULT_LIMIT},
            "Page size.",
        ),
        _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "Cases to skip."),
        _query(
            "after",
            _STRING,
            "The `next` of the page before: keyset paging, as fast on page 1,000 as on page 1 "
            "(give it or offset, not both; same sort).",
        ),
    ]


def _correction_parameters(max_limit: int) -> list[Schema]:
    moment_note = " A date means its midnight; no offset means China time (UTC+8)."
    return [
        _query("county", {"type": "string", "pattern": r"^\d{6}$"}, "Only this county."),
        _query("at_from", _STRING, "Issued at or after (ISO 8601)." + moment_note),
        _query("at_to", _STRING, "Issued before (ISO 8601)." + moment_note),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": DEFAULT_LIMIT},
            "Page size.",
        ),
        _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "Corrections to skip."),
    ]


def _ok(schema: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


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
        "/v1/corrections": {
            "get": {
                "operationId": "listCorrections",
                "summary": "Dispatchers' merges and splits, oldest first (labels for tuning)",
                "parameters": _correction_parameters(max_limit),
                "responses": {
                    "200": _ok("CorrectionPage", "A page"),
                    **_errors("400", "401", "503"),
                },
            }
        },
        **console_paths(max_limit, filter_parameters()),
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
        "/asyncapi.json": {
            "get": {
                "operationId": "asyncapi",
                "summary": "The AsyncAPI 3.0 document of the hub's Kafka topics",
                "responses": {
                    "200": {"description": "AsyncAPI 3.0 document"},
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
    error = ref("Error")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fusionhub command-centre API",
            "version": "1",
            "description": "Cases fused from grid, hotline, petition and video reports, "
            "within the reach of the token's command centre.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(max_limit),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": component_schemas() | console_schemas(),
            "responses": {
                status: {"description": text, "content": {"application/json": {"schema": error}}}
                for status, text in (
                    ("400", "Invalid parameters, one message per field"),
                    ("401", "Missing or wrong bearer token"),
                    (
                        "403",
                        "The case is outside the token's reach, or the action not the "
                        "centre's to give (logged)",
                    ),
                    ("404", "No such case (or none the token reaches)"),
                    ("503", "The case store cannot answer; try again"),
                )
            },
        },
    }
