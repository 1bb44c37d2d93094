"""What each centre's token reads through the API on SQLite and PostgreSQL: only its reach, in
keyset pages that neither skip nor repeat a case, with the board's filters and search, the
statistics view and the exports. Expected answers are worked out from the records in Python."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from fusionhub.api.centres import PROVINCE, Centre
from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.api import build_api_service
from fusionhub.settings import (
    ApiSettings,
    CentreSettings,
    ConsoleSettings,
    DatabaseSettings,
    Settings,
)
from fusionhub.sinks import SqlCaseStore
from tests.support import serve_in_thread
from tests.unit.sinks.builders import T0, case_record, event_record

pytestmark = pytest.mark.integration

TOWNSHIPS = ("330681109", "330681001", "330782001")
STATUSES = ("new", "dispatched", "in_progress", "resolved", "closed", "escalated")
CATEGORIES = ("noise", "dispute.neighbour", "sanitation")
SOURCE_SETS = (["grid"], ["hotline"], ["grid", "video"], ["hotline", "petition"])
CENTRES = {
    "zhuji": Centre("zhuji", "诸暨市", county="330681"),
    "fengqiao": Centre("fengqiao", "枫桥镇", township="330681109"),
    "market": Centre("market", "市场监管所", county="330681", department="市场监管所"),
}
NOW = datetime.now(UTC)


def records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """60 cases over three townships, six statuses, three categories and four source mixes,
    each with one stored report; every third resolved or closed case was resolved late."""
    cases, events = [], []
    for i in range(60):
        township = TOWNSHIPS[i % 3]
        status = STATUSES[(i // 3) % 6]
        opened = T0 + timedelta(hours=7 * i)
        record = case_record(
            f"C{i:03d}",
            2,
            township=township,
            status=status,
            priority=1 + i % 4,
            opened_at=opened,
            event_refs=[f"grid:R-{i:03d}"],
        )
        record["category"] = CATEGORIES[i % 3]
        record["sources"] = SOURCE_SETS[i % 4]
        record["department"] = "市场监管所" if i % 5 == 0 else "镇综治中心"
        record["repeat_of"] = "C000" if i % 7 == 0 and i else None
        record["deadline"] = opened + timedelta(hours=24)
        if status in ("resolved", "closed"):
            hours = 30 if i % 3 == 0 else 3 + i % 10
            record["history"].append(
                {
                    "at": opened + timedelta(hours=hours),
                    "status": "resolved",
                    "actor": "d",
                    "note": "",
                }
            )
        cases.append(record)
        words = f"第{i}号 楼道堆物 {'噪声' if i % 3 == 0 else '垃圾'}"
        events.append(event_record(f"grid:R-{i:03d}", township=township, text=words))
    return cases, events


@dataclass
class Served:
    url: str
    cases: list[dict[str, Any]]
    tokens: dict[str, str]

    def get(self, path: str, who: str = "province", **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.get(self.url + path, params=params, headers=headers, timeout=20)

    def expected(self, who: str, keep: Any = lambda c: True) -> list[dict[str, Any]]:
        centre = CENTRES.get(who, PROVINCE)
        return [c for c in self.cases if centre.sees_case(c) and keep(c)]


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    cases, events = records()
    store = SqlCaseStore.from_url(database_url)
    store.write_batch(cases, events)
    store.dispose()
    tokens = {key: f"{key}-token-{'x' * 16}" for key in (*CENTRES, "province")}
    centres = {
        key: CentreSettings(
            name=c.name,
            token=tokens[key],
            county=c.county if c.township is None else None,
            township=c.township,
            department=c.department,
        )
        for key, c in CENTRES.items()
    }
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database=DatabaseSettings(url=database_url),
        api=ApiSettings(token=SecretStr(tokens["province"]), centres=centres, max_limit=500),
        console=ConsoleSettings(),
    )
    built = build_api_service(Hub(settings), live=False)
    with serve_in_thread(built.service.app()) as url:
        yield Served(url, cases, tokens)


def all_pages(served: Served, who: str, sort: str, limit: int, **params: Any) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        extra = {"after": after} if after else {}
        page = served.get("/v1/cases", who, sort=sort, limit=limit, **params, **extra).json()
        seen += [item["case_id"] for item in page["items"]]
        after = page["next"]
        if after is None:
            return seen


@pytest.mark.parametrize("who", ["province", "zhuji", "fengqiao", "market"])
def test_each_token_lists_exactly_the_cases_in_its_reach(served: Served, who: str) -> None:
    page = served.get("/v1/cases", who, limit=500).json()
    assert {item["case_id"] for item in page["items"]} == {
        c["case_id"] for c in served.expected(who)
    }
    assert page["total"] == len(served.expected(who))


def test_a_case_outside_the_reach_is_not_found_and_its_counts_are_not_shown(
    served: Served,
) -> None:
    assert served.get("/v1/cases/C001", "fengqiao").status_code == 404
    assert served.get("/v1/cases/C000", "fengqiao").status_code == 200
    counts = served.get("/v1/stats/townships", "fengqiao").json()
    assert [t["township_code"] for t in counts["townships"]] == ["330681109"]
    assert counts["total"] == len(served.expected("fengqiao"))


@pytest.mark.parametrize("sort", ["opened", "updated", "urgency"])
def test_keyset_pages_give_every_case_once_in_the_order_of_one_big_page(
    served: Served, sort: str
) -> None:
    whole = [i["case_id"] for i in served.get("/v1/cases", sort=sort, limit=500).json()["items"]]
    assert all_pages(served, "province", sort, limit=7) == whole
    assert all_pages(served, "zhuji", sort, limit=4, open="true") == [
        c
        for c in whole
        if c
        in {
            x["case_id"]
            for x in served.expected("zhuji", lambda x: x["status"] not in ("resolved", "closed"))
        }
    ]


def test_the_board_order_is_priority_then_deadline(served: Served) -> None:
    items = served.get("/v1/cases", sort="urgency", open="true", limit=500).json()["items"]
    keys = [(i["priority"], i["deadline"], i["case_id"]) for i in items]
    assert keys == sorted(keys)
    assert {i["status"] for i in items} <= {"new", "dispatched", "in_progress", "escalated"}


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"category": "noise"}, lambda c: c["category"] == "noise"),
        ({"source": "video"}, lambda c: "video" in c["sources"]),
        ({"source": ["video", "petition"]}, lambda c: {"video", "petition"} & set(c["sources"])),
        ({"q": "C017"}, lambda c: c["case_id"] == "C017"),
        ({"q": "grid:R-023"}, lambda c: c["case_id"] == "C023"),
        ({"q": "噪声"}, lambda c: int(c["case_id"][1:]) % 3 == 0),
        ({"q": "100%_"}, lambda c: False),
    ],
)
def test_filters_and_search_match_what_the_records_say(
    served: Served, params: dict[str, Any], keep: Any
) -> None:
    page = served.get("/v1/cases", "province", limit=500, **params).json()
    assert {i["case_id"] for i in page["items"]} == {
        c["case_id"] for c in served.expected("province", keep)
    }


def test_list_items_carry_the_headline_and_place_of_their_report(served: Served) -> None:
    [item] = served.get("/v1/cases", q="C004").json()["items"]
    assert item["headline"] == "第4号 楼道堆物 垃圾"
    assert (item["lon"], item["lat"]) == (120.4139, 29.6247)


def expected_report(cases: list[dict[str, Any]]) -> dict[str, Any]:
    overdue = 0
    waits = []
    for c in cases:
        resolved = [h["at"] for h in c["history"] if h["status"] == "resolved"]
        done = max(resolved) if resolved and c["status"] in ("resolved", "closed") else None
        overdue += c["deadline"] < (done or NOW)
        if done is not None:
            waits.append((done - c["opened_at"]).total_seconds() / 3600)
    return {
        "cases": len(cases),
        "overdue": overdue,
        "repeats": sum(1 for c in cases if c["repeat_of"]),
        "resolved": len(waits),
        "median_resolve_hours": round(statistics.median(waits), 2) if waits else None,
    }


@pytest.mark.parametrize("who", ["province", "zhuji", "fengqiao"])
def test_the_statistics_view_counts_what_the_records_hold(served: Served, who: str) -> None:
    window = {"opened_from": "2026-11-01", "opened_to": "2026-12-31"}
    report = served.get("/v1/stats/report", who, **window).json()
    mine = served.expected(who)
    want = expected_report(mine)
    assert {k: report["totals"][k] for k in want} == want
    assert report["totals"]["overdue_rate"] == round(want["overdue"] / want["cases"], 4)
    by_township = {t["township_code"]: t for t in report["townships"]}
    for code in {c["township_code"] for c in mine}:
        part = expected_report([c for c in mine if c["township_code"] == code])
        assert {k: by_township[code][k] for k in part} == part
    per_source: dict[str, int] = {}
    for c in mine:
        for source in c["sources"]:
            per_source[source] = per_source.get(source, 0) + 1
    summed: dict[str, int] = {}
    for day in report["per_day"]:
        for source, n in day["by_source"].items():
            summed[source] = summed.get(source, 0) + n
    assert summed == per_source
    assert sum(d["total"] for d in report["per_day"]) == len(mine)


def test_days_are_china_calendar_days(served: Served) -> None:
    report = served.get("/v1/stats/report", opened_from="2026-11-25", opened_to="2026-11-26").json()
    # T0 is 08:00 China time on 25 November; cases open every 7 hours: 08:00, 15:00, 22:00.
    assert [(d["day"], d["total"]) for d in report["per_day"]] == [("2026-11-25", 3)]


def test_the_csv_export_holds_the_filtered_list_of_the_reach(served: Served) -> None:
    answer = served.get("/v1/exports/cases.csv", "zhuji", open="true", sort="urgency")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    open_in_county = served.expected("zhuji", lambda c: c["status"] not in ("resolved", "closed"))
    assert [r[0] for r in rows[1:]] == [
        i["case_id"]
        for i in served.get("/v1/cases", "zhuji", open="true", sort="urgency", limit=500).json()[
            "items"
        ]
    ]
    assert len(rows) - 1 == len(open_in_county) == int(answer.headers["x-total-count"])


def test_map_outlines_are_the_reach_s_county_and_its_townships(served: Served) -> None:
    outlines = served.get("/v1/map/outlines", "fengqiao").json()
    levels = [(f["properties"]["level"], f["properties"]["code"]) for f in outlines["features"]]
    assert levels[0] == ("county", "330681")
    assert all(code == "330681109" for level, code in levels[1:] if level == "township")
