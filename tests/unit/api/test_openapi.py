from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.api.openapi import openapi_document
from fusionhub.api.params import ParamError, parse_case_list, parse_corrections

pytestmark = pytest.mark.unit

# Served on every port but not part of the JSON API: Prometheus text, for scrapers.
NOT_JSON = {("GET", "/metrics"), ("HEAD", "/metrics")}


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the API's app registers, console routes included."""
    from sqlalchemy import create_engine

    from fusionhub.api.console_routes import ConsoleParts, ConsoleRoutes
    from fusionhub.api.divisions import DivisionMap
    from fusionhub.api.reads import CaseReader
    from fusionhub.api.service import ApiService
    from fusionhub.api.stats import StatsReader

    engine = create_engine("sqlite://")
    service = ApiService(CaseReader(engine), "t" * 16, 500, asyncapi={})
    ConsoleRoutes(service, ConsoleParts(StatsReader(engine), DivisionMap(engine), lambda c: {}))
    routes = set()
    for route in service.app().router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        # aiohttp names a regex variable {kind:csv|xlsx}; the document lists each file type.
        for concrete in (path.replace("{kind}", kind) for kind in ("csv", "xlsx")):
            routes.add((route.method, concrete))
    return {r for r in routes if r[0] != "HEAD"} - NOT_JSON


def described_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, item in document["paths"].items() for m in item}


def list_parameters(document: dict[str, Any], path: str = "/v1/cases") -> dict[str, dict[str, Any]]:
    operation = document["paths"][path]["get"]
    return {p["name"]: p for p in operation["parameters"]}


def test_the_document_is_valid_openapi_3_1() -> None:
    import openapi_spec_validator as validator

    document = openapi_document(500)
    validator.validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_route_the_service_serves_is_described_and_nothing_else() -> None:
    assert described_routes(openapi_document(500)) == served_routes()


def test_all_but_health_need_the_bearer_token() -> None:
    document = openapi_document(500)
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert document["security"] == [{"bearer": []}]
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    open_routes = {key for key, op in operations.items() if op.get("security") == []}
    assert open_routes == {("get", "/healthz")}
    protected = [op for key, op in operations.items() if key not in open_routes]
    assert all("401" in operation["responses"] for operation in protected)


def test_the_described_list_parameters_are_exactly_those_the_service_accepts() -> None:
    described = set(list_parameters(openapi_document(500)))
    # The service names the parameters it knows when refusing an unknown one.
    with pytest.raises(ParamError) as refused:
        parse_case_list([("?", "")], 500)
    accepted = set(refused.value.problems[0].message.split("known are ")[1].split(", "))
    assert described == accepted


def test_the_described_correction_parameters_are_exactly_those_the_service_accepts() -> None:
    described = set(list_parameters(openapi_document(500), "/v1/corrections"))
    with pytest.raises(ParamError) as refused:
        parse_corrections([("?", "")], 500)
    accepted = set(refused.value.problems[0].message.split("known are ")[1].split(", "))
    assert described == accepted
    assert (
        list_parameters(openapi_document(77), "/v1/corrections")["limit"]["schema"]["maximum"] == 77
    )


@given(st.integers(min_value=1, max_value=10_000))
def test_the_documented_page_cap_is_the_one_the_service_enforces(max_limit: int) -> None:
    limit = list_parameters(openapi_document(max_limit))["limit"]["schema"]
    assert limit["maximum"] == max_limit
    assert parse_case_list([("limit", str(max_limit))], max_limit).limit == max_limit
    with pytest.raises(ValueError, match="limit"):
        parse_case_list([("limit", str(max_limit + 1))], max_limit)
