from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from fusionhub.api import ApiClient, ApiError, ApiService, CaseReader
from fusionhub.api.centres import PROVINCE, Centre
from fusionhub.api.params import CaseListQuery, parse_moment
from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.api import build_api_service
from fusionhub.settings import ApiSettings, ConfigurationError, DatabaseSettings, Settings
from fusionhub.sinks import open_engine
from tests.integration.api.conftest import MAX_LIMIT, SHOWN_CASE, RunningApi, empty_database
from tests.support import serve_in_thread

pytestmark = pytest.mark.integration

Params = list[tuple[str, str]]


def fetch(url: str, token: str | None = None) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of a GET, whatever the status."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def matches(record: dict[str, Any], params: Params) -> bool:
    """Whether a case record meets the filters, worked out without SQL."""
    wanted: dict[str, set[str]] = {}
    for name, value in params:
        wanted.setdefault(name, set()).add(value)
    fields = {
        "county": record["county_code"],
        "township": record["township_code"],
        "status": record["status"],
        "platform": record["platform"],
        "priority": str(record["priority"]),
    }
    if any(fields[name] not in values for name, values in wanted.items() if name in fields):
        return False
    opened: datetime = record["opened_at"]
    after = [parse_moment(v) <= opened for v in wanted.get("opened_from", ())]
    before = [opened < parse_moment(v) for v in wanted.get("opened_to", ())]
    return all(after + before)


def expected_ids(
    records: list[dict[str, Any]], params: Params, key: str = "opened_at"
) -> list[str]:
    chosen = [r for r in records if matches(r, params)]
    chosen.sort(key=lambda r: (r[key], r["case_id"]), reverse=True)
    return [r["case_id"] for r in chosen]


def all_pages(client: ApiClient, params: Params, limit: int) -> tuple[list[str], set[int]]:
    ids: list[str] = []
    totals: set[int] = set()
    while True:
        page = client.list_cases([*params, ("limit", str(limit)), ("offset", str(len(ids)))])
        totals.add(page["total"])
        ids += [item["case_id"] for item in page["items"]]
        if len(page["items"]) < limit:
            return ids, totals


def test_paging_through_every_case_gives_each_once_newest_opened_first(api: RunningApi) -> None:
    ids, totals = all_pages(api.client, [], limit=7)
    assert ids == expected_ids(api.records, [])
    assert totals == {len(api.records)}


@pytest.mark.parametrize(
    "params",
    [
        [("county", "330681")],
        [("township", "330782001"), ("status", "new")],
        [("status", "new"), ("status", "dispatched")],
        [("platform", "市场监管")],
        [("priority", "1"), ("priority", "4"), ("county", "330102")],
        [("opened_from", "2026-11-25T12:00:00+08:00"), ("opened_to", "2026-11-26")],
        [("opened_from", "2026-11-25T05:30:00Z"), ("opened_to", "2026-11-25T20:00")],
        [("county", "330681"), ("county", "330782"), ("status", "closed")],
        [("status", "escalated"), ("township", "330102001"), ("platform", "便民服务")],
    ],
)
def test_filters_narrow_the_list_and_the_total_to_exactly_the_matching_cases(
    api: RunningApi, params: Params
) -> None:
    page = api.client.list_cases([*params, ("limit", str(MAX_LIMIT))])
    expected = expected_ids(api.records, params)
    assert page["total"] == len(expected)
    assert [item["case_id"] for item in page["items"]] == expected[:MAX_LIMIT]


def test_sorting_by_last_change_puts_the_most_recently_changed_case_first(
    api: RunningApi,
) -> None:
    page = api.client.list_cases([("sort", "updated"), ("limit", "5")])
    assert [i["case_id"] for i in page["items"]] == expected_ids(api.records, [], "updated_at")[:5]
    assert page["items"][0]["case_id"] == "C000"


def test_list_items_carry_division_names_and_sources_as_a_list(api: RunningApi) -> None:
    page = api.client.list_cases([("township", "330681109"), ("limit", "1")])
    item = page["items"][0]
    assert (item["county_name"], item["township_name"]) == ("诸暨市", "枫桥镇")
    assert item["sources"] == ["grid", "hotline"]
    assert datetime.fromisoformat(item["opened_at"]).tzinfo is not None


def test_every_route_but_health_refuses_a_request_without_the_right_token(
    api: RunningApi,
) -> None:
    for path in ("/v1/cases", f"/v1/cases/{SHOWN_CASE}", "/v1/stats/townships", "/openapi.json"):
        for token in (None, "wrong", api.token + "x"):
            status, headers, body = fetch(api.url + path, token)
            assert status == 401, (path, token)
            assert headers["WWW-Authenticate"].startswith("Bearer")
            assert body == {"error": "missing or wrong token"}
    status, _, body = fetch(api.url + "/healthz")
    assert (status, body) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("opened_from=2026-13-01", "opened_from", "not an ISO 8601"),
        ("opened_to=yesterday", "opened_to", "not an ISO 8601"),
        ("priority=5", "priority", "1..4"),
        ("priority=high", "priority", "1..4"),
        ("county=33068", "county", "6-digit"),
        ("township=330681", "township", "9-digit"),
        ("status=lost", "status", "new, dispatched"),
        (f"limit={MAX_LIMIT + 1}", "limit", f"1..{MAX_LIMIT}"),
        ("offset=-1", "offset", "0"),
        ("limit=5&limit=6", "limit", "at most once"),
        ("sort=oldest", "sort", "opened, updated"),
        ("stauts=new", "stauts", "unknown parameter"),
        ("opened_from=2026-11-26&opened_to=2026-11-25", "opened_to", "later than"),
    ],
)
def test_a_wrong_parameter_is_refused_with_a_message_naming_it(
    api: RunningApi, query: str, field: str, fragment: str
) -> None:
    status, _, body = fetch(f"{api.url}/v1/cases?{query}", api.token)
    assert status == 400
    assert body["error"] == "invalid parameters"
    assert [f["field"] for f in body["fields"]] == [field]
    assert fragment in body["fields"][0]["message"]


def test_every_wrong_parameter_of_a_request_is_reported_at_once(api: RunningApi) -> None:
    with pytest.raises(ApiError) as caught:
        api.client.list_cases([("county", "x"), ("priority", "0"), ("limit", "0")])
    assert caught.value.status == 400
    assert sorted(f["field"] for f in caught.value.fields) == ["county", "limit", "priority"]


def test_an_unknown_case_or_path_answers_404_in_json(api: RunningApi) -> None:
    with pytest.raises(ApiError) as caught:
        api.client.get_case("C-DOES-NOT-EXIST")
    assert caught.value.status == 404
    assert "C-DOES-NOT-EXIST" in caught.value.message
    status, _, body = fetch(api.url + "/v1/nothing", api.token)
    assert (status, body["error"]) == (404, "Not Found")
    status, _, _ = fetch(f"{api.url}/v1/cases/{'x' * 5000}", api.token)
    assert status == 404


def test_a_case_comes_with_its_timeline_and_reports_scored_as_they_joined(
    api: RunningApi,
) -> None:
    case = api.client.get_case(SHOWN_CASE)
    assert (case["version"], case["status"], case["report_count"]) == (3, "dispatched", 3)
    assert (case["county_name"], case["township_name"]) == ("诸暨市", "枫桥镇")
    assert [(s["seq"], s["actor"]) for s in case["history"]] == [(1, "a1"), (2, "a2"), (3, "a3")]
    assert [e["event_ref"] for e in case["events"]] == ["grid:S-1", "hotline:S-2", "petition:S-3"]
    opener, joined, missing = case["events"]
    assert opener["score"] is None
    assert opener["event"]["text"] == "楼道堆物"
    assert joined["score"]["total"] == 0.82
    assert (joined["score"]["person"], joined["score"]["distance"]) == (0.4, 0.3)
    assert joined["event"]["parties"] == [
        {
            "role": "appellant",
            "name_masked": "何**",
            "phone_masked": "138****2345",
            "phone_token": None,
            "id_masked": None,
            "id_token": None,
        }
    ]
    assert missing["score"]["ref"] == 0.5
    assert missing["event"] is None


def test_a_case_id_with_reserved_characters_is_looked_up_as_given(api: RunningApi) -> None:
    with pytest.raises(ApiError) as caught:
        api.client.get_case("C 1/../../v1/cases?x=1")
    assert caught.value.status == 404


def test_township_counts_add_up_the_cases_per_township_and_status(api: RunningApi) -> None:
    for county in (None, "330681", "339999"):
        counts = api.client.township_counts(county)
        chosen = [r for r in api.records if county is None or r["county_code"] == county]
        expected = Counter((r["township_code"], r["status"]) for r in chosen)
        got = {
            (row["township_code"], status): n
            for row in counts["townships"]
            for status, n in row["by_status"].items()
        }
        assert got == dict(expected)
        assert counts["total"] == len(chosen)
        assert [row["township_code"] for row in counts["townships"]] == sorted(
            {r["township_code"] for r in chosen}
        )
    named = {
        r["township_code"]: r["township_name"] for r in api.client.township_counts()["townships"]
    }
    assert named["330782001"] == "稠城街道"


def test_township_counts_refuse_a_malformed_county(api: RunningApi) -> None:
    status, _, body = fetch(f"{api.url}/v1/stats/townships?county=zhuji", api.token)
    assert (status, body["fields"][0]["field"]) == (400, "county")


def test_a_store_that_cannot_answer_gives_503_while_health_still_answers(tmp_path: Path) -> None:
    service = ApiService(CaseReader(open_engine(empty_database(tmp_path))), "t0ken", 10)
    with serve_in_thread(service.app()) as url:
        status, _, body = fetch(url + "/v1/cases", "t0ken")
        assert status == 503
        assert "unavailable" in body["error"]
        assert fetch(url + "/healthz")[0] == 200


class HeldReader(CaseReader):
    """A reader whose list query waits until released, like a slow database."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.entered = threading.Event()
        self.release = threading.Event()

    def list_page(
        self, query: CaseListQuery, centre: Centre = PROVINCE
    ) -> tuple[int, list[dict[str, Any]], str | None]:
        self.entered.set()
        self.release.wait(10)
        return super().list_page(query, centre)


def test_a_slow_query_does_not_hold_up_other_requests(api: RunningApi) -> None:
    reader = HeldReader(open_engine(api.database_url))
    with (
        serve_in_thread(ApiService(reader, "t0ken", 10).app()) as url,
        ThreadPoolExecutor(1) as pool,
    ):
        slow = pool.submit(fetch, url + "/v1/cases?limit=1", "t0ken")
        assert reader.entered.wait(5)
        started = time.monotonic()
        assert fetch(url + f"/v1/cases/{SHOWN_CASE}", "t0ken")[0] == 200
        assert time.monotonic() - started < 2
        assert not slow.done()
        reader.release.set()
        assert slow.result(10)[2]["total"] == len(api.records)


def test_the_service_built_from_settings_migrates_an_empty_store_and_serves_it(
    tmp_path: Path,
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database=DatabaseSettings(url=None),
        api=ApiSettings(token=SecretStr("s3cret"), max_limit=3),
    )
    with serve_in_thread(build_api_service(Hub(settings), live=False).service.app()) as url:
        page = ApiClient(url, "s3cret").list_cases()
        assert page == {"total": 0, "limit": 3, "offset": 0, "next": None, "items": []}
    assert (tmp_path / "fusionhub.db").is_file()


def test_a_service_without_a_token_is_refused_at_start(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="FUSIONHUB_API__TOKEN"):
        build_api_service(Hub(settings))
