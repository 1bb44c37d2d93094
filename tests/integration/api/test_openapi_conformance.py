"""Every kind of answer the running service gives matches the schema its OpenAPI document names."""

from __future__ import annotations

from typing import Any

import jsonschema
import openapi_schema_validator
import pytest

from tests.integration.api.conftest import SHOWN_CASE, RunningApi
from tests.integration.api.test_service import fetch

pytestmark = pytest.mark.integration


def check(document: dict[str, Any], schema_name: str, body: Any) -> None:
    # The whole document is the root, so the schema's $refs into components resolve.
    schema = {**document, "$ref": f"#/components/schemas/{schema_name}"}
    openapi_schema_validator.validate(body, schema, cls=openapi_schema_validator.OAS31Validator)


@pytest.fixture(scope="module")
def document(running_api: RunningApi) -> dict[str, Any]:
    status, _, body = fetch(running_api.url + "/openapi.json", running_api.token)
    assert status == 200
    return dict(body)


@pytest.mark.parametrize(
    ("path", "status", "schema_name"),
    [
        ("/v1/cases?limit=25", 200, "CasePage"),
        ("/v1/cases?status=new&status=closed&sort=updated", 200, "CasePage"),
        (f"/v1/cases/{SHOWN_CASE}", 200, "Case"),
        ("/v1/cases/C007", 200, "Case"),
        ("/v1/stats/townships", 200, "TownshipCounts"),
        ("/v1/stats/townships?county=330681", 200, "TownshipCounts"),
        ("/v1/cases?priority=9&county=1", 400, "Error"),
        ("/v1/cases/unknown", 404, "Error"),
    ],
)
def test_each_answer_has_the_shape_the_document_gives_it(
    running_api: RunningApi, document: dict[str, Any], path: str, status: int, schema_name: str
) -> None:
    got_status, _, body = fetch(running_api.url + path, running_api.token)
    assert got_status == status
    check(document, schema_name, body)


def test_a_refused_request_has_the_error_shape(
    running_api: RunningApi, document: dict[str, Any]
) -> None:
    status, _, body = fetch(running_api.url + "/v1/cases")
    assert status == 401
    check(document, "Error", body)


def test_an_answer_with_an_undocumented_field_would_be_caught(document: dict[str, Any]) -> None:
    error = {"error": "x", "fields": [{"field": "a", "message": "b"}], "hint": "undocumented"}
    with pytest.raises(jsonschema.ValidationError, match="hint"):
        check(document, "Error", error)


def test_the_asyncapi_document_of_the_topics_is_served_beside_the_openapi_one(
    running_api: RunningApi, document: dict[str, Any]
) -> None:
    from tests.unit.api.test_asyncapi import validator

    status, _, body = fetch(running_api.url + "/asyncapi.json", running_api.token)
    refused, _, _ = fetch(running_api.url + "/asyncapi.json")

    assert status == 200
    assert list(validator().iter_errors(body)) == []
    assert body["channels"]["events"]["address"] == "fusionhub.events"
    assert "/asyncapi.json" in document["paths"]
    assert refused == 401


@pytest.fixture(scope="module")
def console_api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The API as ``fusionhub api`` builds it (console routes included), with no broker."""
    from pydantic import SecretStr

    from fusionhub.bootstrap import Hub
    from fusionhub.bootstrap.api import build_api_service
    from fusionhub.settings import ApiSettings, CentreSettings, DatabaseSettings, Settings
    from fusionhub.sinks import SqlCaseStore
    from tests.integration.api.conftest import shown_case, varied_cases
    from tests.support import serve_in_thread

    folder = tmp_path_factory.mktemp("console-api")
    url = f"sqlite:///{folder / 'cases.db'}"
    detailed, events = shown_case()
    store = SqlCaseStore.from_url(url)
    store.write_batch([*varied_cases(20), detailed], events)
    store.dispose()
    township = CentreSettings(name="枫桥镇", token="f" * 16, township="330681109")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=folder,
        database=DatabaseSettings(url=url),
        api=ApiSettings(token=SecretStr("p" * 16), centres={"fengqiao": township}),
    )
    with serve_in_thread(build_api_service(Hub(settings), live=False).service.app()) as base:
        yield base


@pytest.mark.parametrize(
    "call",
    [
        ("GET", "/v1/console", "p", 200, "ConsoleConfig"),
        ("GET", "/v1/console", "f", 200, "ConsoleConfig"),
        ("GET", "/v1/cases?open=true&sort=urgency&limit=3", "f", 200, "CasePage"),
        ("GET", "/v1/stats/report?opened_from=2026-11-01", "p", 200, "StatsReport"),
        ("GET", "/v1/stats/report?days=3", "p", 400, "Error"),
        ("GET", "/v1/map/outlines", "f", 200, "Outlines"),
        ("GET", "/v1/stream", "f", 503, "Error"),
        ("GET", "/v1/commands/console-1", "f", 404, "Error"),
        ("GET", "/v1/exports/cases.csv?lang=fr", "p", 400, "Error"),
        ("POST", f"/v1/cases/{SHOWN_CASE}/actions", "f", 400, "Error"),
        ("POST", "/v1/cases/C001/actions", "f", 403, "Error"),
        ("POST", "/v1/cases/nope/actions", "f", 404, "Error"),
        ("POST", f"/v1/cases/{SHOWN_CASE}/actions#ok", "f", 503, "Error"),
    ],
)
def test_each_console_answer_has_the_shape_the_document_gives_it(
    console_api: str, document: dict[str, Any], call: tuple[str, str, str, int, str]
) -> None:
    import httpx

    method, path, who, status, schema_name = call
    headers = {"Authorization": f"Bearer {who * 16}"}
    body = {"action": "accept"} if path.endswith("#ok") or "C001" in path or "nope" in path else {}
    url = console_api + path.split("#", maxsplit=1)[0]
    answer = httpx.request(method, url, headers=headers, json=body, timeout=10)
    assert answer.status_code == status, answer.text
    check(document, schema_name, answer.json())
