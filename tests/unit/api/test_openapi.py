from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusionhub.api.openapi import openapi_document
from fusionhub.api.params import ParamError, parse_case_list, parse_corrections

pytestmark = pytest.mark.unit

ROUTES = {
    "/v1/cases",
    "/v1/cases/{case_id}",
    "/v1/stats/townships",
    "/v1/corrections",
    "/openapi.json",
    "/asyncapi.json",
    "/healthz",
}


def list_parameters(document: dict[str, Any], path: str = "/v1/cases") -> dict[str, dict[str, Any]]:
    operation = document["paths"][path]["get"]
    return {p["name"]: p for p in operation["parameters"]}


def test_the_document_is_valid_openapi_3_1() -> None:
    import openapi_spec_validator as validator

    document = openapi_document(500)
    validator.validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_route_is_described_and_all_but_health_need_the_bearer_token() -> None:
    document = openapi_document(500)
    assert set(document["paths"]) == ROUTES
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert document["security"] == [{"bearer": []}]
    open_routes = {p for p, item in document["paths"].items() if item["get"].get("security") == []}
    assert open_routes == {"/healthz"}
    protected = [item["get"] for p, item in document["paths"].items() if p not in open_routes]
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
