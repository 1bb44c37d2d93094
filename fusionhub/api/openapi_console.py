"""The console's routes in the OpenAPI document: its settings, the live stream, actions and
their outcomes, exports, the statistics view and the map's outlines."""

from __future__ import annotations

from fusionhub.api.actions import MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_SPLIT_REFS
from fusionhub.api.openapi_schemas import Schema, ref
from fusionhub.core.casebook import ACTIONS

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_INTEGER: Schema = {"type": "integer"}
_NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
_MOMENT: Schema = {"type": "string", "format": "date-time"}
_CODE_NAME: Schema = {
    "type": "object",
    "properties": {"code": _STRING, "name": _STRING, "county_code": _STRING},
    "required": ["code", "name"],
    "additionalProperties": False,
}


def _closed(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    required = [name for name in properties if name not in optional]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _json(schema: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _errors(*statuses: str) -> dict[str, Schema]:
    return {status: {"$ref": f"#/components/responses/{status}"} for status in statuses}


def _get(operation: str, summary: str, responses: dict[str, Schema], **more: object) -> Schema:
    return {"get": {"operationId": operation, "summary": summary, **more, "responses": responses}}


def _path(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": _STRING}


def console_paths(max_limit: int, filters: list[Schema]) -> dict[str, Schema]:
    """The console's paths; ``filters`` are the case list's filter parameters."""
    outcome = "CommandOutcome"
    language = {
        "name": "lang",
        "in": "query",
        "schema": {"type": "string", "enum": ["zh-CN", "en"], "default": "zh-CN"},
        "description": "Language of the headings and names.",
    }
    stats_params = [
        {"name": n, "in": "query", "schema": s, "description": d}
        for n, s, d in (
            ("county", {"type": "string", "pattern": r"^\d{6}$"}, "Only this county."),
            ("township", {"type": "string", "pattern": r"^\d{9}$"}, "Only this township."),
            ("opened_from", _STRING, "Opened at or after (default: 30 days before the end)."),
            ("opened_to", _STRING, "Opened before (default: now). At most 366 days in all."),
        )
    ]
    paths: dict[str, Schema] = {
        "/v1/console": _get(
            "consoleConfig",
            "The token's centre and what its page needs: names, townships, allowed actions",
            {"200": _json("ConsoleConfig", "The centre's settings"), **_errors("401")},
        ),
        "/v1/stream": _get(
            "liveStream",
            "Server-Sent Events: `hello` once, then one `case` event (data: a CaseSummary) per "
            "change of a case in reach; `reset` when the reader fell behind (reload)",
            {
                "200": {
                    "description": "An event stream that stays open",
                    "content": {"text/event-stream": {"schema": _STRING}},
                },
                **_errors("401", "503"),
            },
        ),
        "/v1/cases/{case_id}/actions": {
            "post": {
                "operationId": "actOnCase",
                "summary": "Publish an action to the command topic and wait for the worker's "
                "answer (applied 200, refused 409 with the reason, still pending 202)",
                "parameters": [_path("case_id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ActionRequest")}},
                },
                "responses": {
                    "200": _json(outcome, "Applied: the case's new state"),
                    "202": _json(outcome, "Published, no answer yet: ask /v1/commands/{id}"),
                    "409": _json(outcome, "Refused by the worker, with its reason"),
                    **_errors("400", "401", "403", "404", "503"),
                },
            }
        },
        "/v1/commands/{command_id}": _get(
            "commandOutcome",
            "What became of an action this centre issued through this process",
            {"200": _json(outcome, "Its outcome"), **_errors("401", "404")},
            parameters=[_path("command_id")],
        ),
        "/v1/stats/report": _get(
            "statisticsReport",
            "Per township and day: cases by source, overdue rate, median time to resolve, "
            "repeat complaints",
            {"200": _json("StatsReport", "The view"), **_errors("400", "401", "503")},
            parameters=stats_params,
        ),
        "/v1/map/outlines": _get(
            "mapOutlines",
            "GeoJSON of the counties and townships in reach (townships approximate unless "
            "configured)",
            {"200": _json("Outlines", "A FeatureCollection"), **_errors("401", "503")},
        ),
    }
    for kind, media in (
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        paths[f"/v1/exports/cases.{kind}"] = _get(
            f"exportCases{kind.capitalize()}",
            f"The filtered case list as {kind.upper()} (at most 50,000 cases, in the sort given)",
            {
                "200": {
                    "description": "The file (X-Total-Count: the matches in all)",
                    "content": {media: {"schema": {"type": "string", "format": "binary"}}},
                },
                **_errors("400", "401", "503"),
            },
            parameters=[*filters, language],
        )
    return paths


def console_schemas() -> dict[str, Schema]:
    """The component schemas the console's routes answer with."""
    measures: dict[str, Schema] = {
        "cases": _INTEGER,
        "overdue": _INTEGER,
        "overdue_rate": _NUMBER_OR_NULL,
        "resolved": _INTEGER,
        "median_resolve_hours": _NUMBER_OR_NULL,
        "repeats": _INTEGER,
    }
    names = {
        f"{lvl}_{k}": _TEXT_OR_NULL for lvl in ("county", "township") for k in ("code", "name")
    }
    return {
        "ActionRequest": _closed(
            {
                "action": {"type": "string", "enum": list(ACTIONS)},
                "department": {"type": "string", "maxLength": MAX_NAME_CHARS},
                "note": {"type": "string", "maxLength": MAX_NOTE_CHARS},
                "evaluation": {"type": "string", "maxLength": MAX_NAME_CHARS},
                "into_case_id": _STRING,
                "event_refs": {"type": "array", "items": _STRING, "maxItems": MAX_SPLIT_REFS},
            },
            optional=("department", "note", "evaluation", "into_case_id", "event_refs"),
        ),
        "CommandOutcome": _closed(
            {
                "command_id": _STRING,
                "outcome": {"type": "string", "enum": ["pending", "applied", "refused"]},
                "reason": _TEXT_OR_NULL,
                "case": {"oneOf": [ref("CaseSummary"), {"type": "null"}]},
            }
        ),
        "Centre": _closed(
            {
                "key": _STRING,
                "name": _STRING,
                "kind": {
                    "type": "string",
                    "enum": ["province", "county", "township", "department"],
                },
                "county_code": _TEXT_OR_NULL,
                "township_code": _TEXT_OR_NULL,
                "department": _TEXT_OR_NULL,
            }
        ),
        "ConsoleConfig": _closed(
            {
                "centre": ref("Centre"),
                "labels": {"type": "object"},
                "languages": {"type": "array", "items": _STRING},
                "counties": {"type": "array", "items": _CODE_NAME},
                "townships": {"type": "array", "items": _CODE_NAME},
                "departments": {"type": "array", "items": _STRING},
                "evaluations": {"type": "array", "items": _STRING},
                "actions": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": _STRING},
                    "description": "by status: the actions this centre may give",
                },
                "tiles": {"type": ["object", "null"]},
                "match_threshold": {"type": "number"},
                "max_cases": _INTEGER,
                "source_colours": {
                    "type": "object",
                    "additionalProperties": _STRING,
                    "description": "each source's colour on the page, as its module declares it",
                },
                "live": {"type": "boolean", "description": "the live feed reads the broker"},
            }
        ),
        "StatsReport": _closed(
            {
                "opened_from": _MOMENT,
                "opened_to": _MOMENT,
                "per_day": {
                    "type": "array",
                    "items": _closed(
                        {
                            "day": {"type": "string", "format": "date"},
                            "total": _INTEGER,
                            "by_source": {"type": "object", "additionalProperties": _INTEGER},
                        }
                    ),
                },
                "townships": {"type": "array", "items": _closed(names | measures)},
                "totals": _closed(measures),
            }
        ),
        "Outlines": {
            "type": "object",
            "properties": {
                "type": {"const": "FeatureCollection"},
                "features": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["type", "features"],
        },
    }
