"""Case topics are created a county at a time: the first case of a county creates its county's
topic and every township's, in one request, and nothing is created twice. Records for topics
being created go out once they exist, in order, without holding up records for other topics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from fusionhub.bus.topics import TopicNames
from fusionhub.core.cases import Case
from fusionhub.core.events import Platform
from fusionhub.streams.routing import CaseRouter

pytestmark = pytest.mark.unit

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
TOWNSHIPS = {"330681": ["330681001", "330681002", "330681003"], "331082": ["331082100"]}


def a_case(case_id: str, county: str | None, township: str | None) -> Case:
    return Case(
        case_id, county, township, None, "noise", Platform.SOCIAL_GOVERNANCE, 3,
        T0, T0, T0 + timedelta(hours=4), [f"GRID:{case_id}"], [],
    )  # fmt: skip


class RecordingMaker:
    def __init__(self) -> None:
        self.requests: list[list[str]] = []

    def __call__(self, names: list[str]) -> list[str]:
        self.requests.append(names)
        return names


class RecordingOutput:
    """Stands in for the producer: records what was handed over, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def submit_all(self, records: list[tuple[str, bytes | None, bytes]]) -> Any:
        self.sent.extend(records)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def route(router: CaseRouter, *cases: Case, output: RecordingOutput | None = None) -> None:
    async def go() -> None:
        records = [r for case in cases for r in router.records_for(case, case.case_id.encode())]
        await (await router.submit(records, cast(Any, output or RecordingOutput())))

    asyncio.run(go())


def test_the_first_case_of_a_county_creates_every_case_topic_of_that_county_at_once() -> None:
    topics = TopicNames("t")
    maker = RecordingMaker()
    router = CaseRouter(topics, maker, townships=TOWNSHIPS)
    route(router, a_case("C1", "330681", "330681002"))
    assert maker.requests == [
        sorted(
            [
                topics.cases_county("330681"),
                *(topics.cases_township(t) for t in TOWNSHIPS["330681"]),
            ]
        )
    ]


def test_later_cases_of_a_county_already_met_create_nothing() -> None:
    maker = RecordingMaker()
    router = CaseRouter(TopicNames("t"), maker, townships=TOWNSHIPS)
    route(router, a_case("C1", "330681", "330681002"))
    route(router, a_case("C2", "330681", "330681003"), a_case("C3", "330681", None))
    assert len(maker.requests) == 1


def test_a_township_missing_from_the_packaged_list_still_gets_its_topic() -> None:
    topics = TopicNames("t")
    maker = RecordingMaker()
    router = CaseRouter(topics, maker, townships=TOWNSHIPS)
    route(router, a_case("C1", "331082", "331082999"))
    assert topics.cases_township("331082999") in maker.requests[0]
    assert topics.cases_township("331082100") in maker.requests[0]


def test_two_counties_met_in_one_batch_are_created_in_one_request() -> None:
    maker = RecordingMaker()
    router = CaseRouter(TopicNames("t"), maker, townships=TOWNSHIPS)
    route(router, a_case("C1", "330681", "330681001"), a_case("C2", "331082", "331082100"))
    assert len(maker.requests) == 1
    assert len(maker.requests[0]) == 4 + 2


def test_records_for_a_county_being_created_wait_while_others_go_out_at_once() -> None:
    topics = TopicNames("t")
    output = RecordingOutput()

    async def scenario() -> list[str]:
        router = CaseRouter(topics, RecordingMaker(), townships=TOWNSHIPS)
        known = a_case("C1", "330681", "330681001")
        await (await router.submit(router.records_for(known, b"1"), cast(Any, output)))
        output.sent.clear()
        new_county = a_case("C2", "331082", "331082100")
        batch = router.records_for(known, b"2") + router.records_for(new_county, b"3")
        delivery = await router.submit(batch, cast(Any, output))
        at_once = [topic for topic, _, _ in output.sent]
        await delivery
        return at_once

    at_once = asyncio.run(scenario())
    assert topics.cases_township("331082100") not in at_once
    assert topics.cases_township("330681001") in at_once
    assert topics.cases_all in at_once


def test_a_case_s_states_reach_a_topic_being_created_in_the_order_they_were_made() -> None:
    topics = TopicNames("t")
    output = RecordingOutput()
    township = topics.cases_township("331082100")

    async def scenario() -> list[bytes]:
        router = CaseRouter(topics, RecordingMaker(), townships=TOWNSHIPS)
        case = a_case("C1", "331082", "331082100")
        first = await router.submit(router.records_for(case, b"v1"), cast(Any, output))
        # The next batch comes while the topic is still being created.
        second = await router.submit(router.records_for(case, b"v2"), cast(Any, output))
        await first
        await second
        third = await router.submit(router.records_for(case, b"v3"), cast(Any, output))
        await third
        return [value for topic, _, value in output.sent if topic == township]

    assert asyncio.run(scenario()) == [b"v1", b"v2", b"v3"]
