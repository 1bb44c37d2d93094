"""The engine on the reference examples and on the hard cases of the brief."""

from __future__ import annotations

import pytest

from fusionhub.core.case_events import CaseOpened, EventAttached
from fusionhub.core.correlation import correlate
from fusionhub.core.events import Event
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO
from tests.unit.core.corr_factory import POLICY, at, make_event, moved

pytestmark = pytest.mark.unit

HE_PHONE = "tok-13857512345"
HE_ID = "tok-330681197304152316"
LUO_PHONE = "tok-15958501234"
ORDER_NO = "12345-330681-20261125-000123"


def fixture_examples() -> list[Event]:
    """tests/fixtures/examples as the connectors would normalise them."""
    grid = make_event(
        GRID,
        "WG-330681109-20261125-00017",
        at(25, 8, 40),
        "dispute.neighbour",
        "枫源村下宅18号与20号两户因宅基地界址及排水沟走向发生争执，双方情绪激动，已初步劝开，"
        "需镇调委会介入调解。",
        point=(120.41403, 29.62452),
        address="诸暨市枫桥镇枫源村下宅18号",
        tokens=(HE_PHONE, HE_ID, LUO_PHONE),
    )
    hotline = make_event(
        HOTLINE,
        ORDER_NO,
        at(25, 10, 2, 11),
        "dispute.land",
        "来电人反映：枫桥镇枫源村下宅，邻居家翻建房屋把排水沟改到他家门口，下雨就淹，今天早上两家"
        "吵起来了，村里调解不了，希望镇里尽快派人处理。",
        address="诸暨市枫桥镇枫源村下宅",
        tokens=(HE_PHONE,),
    )
    petition = make_event(
        PETITION,
        "XF330681-2026-004512",
        at(2, 20, 45, month=12),
        "dispute.land",
        "11月25日我已打12345（工单号12345-330681-20261125-000123）反映邻居翻建房屋擅自改排水沟，"
        "至今未处理，这几天下雨院子又被淹，请求上级督促镇里依法处理。",
        title="邻居违规改排水沟导致我家被淹，多次反映未解决",
        address="诸暨市枫桥镇枫源村下宅18号",
        tokens=(HE_PHONE, HE_ID),
        refs=(ORDER_NO,),
    )
    video = make_event(
        VIDEO,
        "33068110001320000012-17430",
        at(25, 21, 14, 5),
        "crowding",
        "人员聚集",
        village="330681109008",
        point=(120.41032, 29.62604),
        severity=2,
    )
    return [grid, hotline, petition, video]


def memberships(events: list[Event]) -> list[list[str]]:
    state, _ = correlate(events, POLICY)
    return [case.event_refs for case in state.cases.values()]


def test_grid_hotline_and_petition_about_one_dispute_make_one_case() -> None:
    grid, hotline, petition, video = fixture_examples()
    cases = memberships([video, petition, hotline, grid])
    assert [grid.event_ref, hotline.event_ref, petition.event_ref] in cases
    assert [video.event_ref] in cases
    assert len(cases) == 2


def test_petition_joins_by_the_order_number_it_quotes_with_nothing_else_in_common() -> None:
    # The connector puts an order number quoted only in the text among the refs
    # (tests/unit/connectors/test_connector_examples.py); the engine joins on refs.
    grid, hotline, petition, _ = fixture_examples()
    quoting = make_event(
        PETITION,
        petition.source_id,
        petition.occurred_at,
        "other",
        petition.text,
        village=None,
        township=None,
        tokens=(),
        refs=(ORDER_NO,),
    )
    state, outputs = correlate([grid, hotline, quoting], POLICY)
    assert len(state.cases) == 1
    attached = [o for o in outputs if isinstance(o, EventAttached)]
    assert attached[-1].event_ref == petition.event_ref
    assert attached[-1].score.ref == 1.0


def test_hotline_joins_the_grid_report_for_shared_person_and_village() -> None:
    grid, hotline, _, _ = fixture_examples()
    _, outputs = correlate([grid, hotline], POLICY)
    score = next(o for o in outputs if isinstance(o, EventAttached)).score
    assert score.person > 0
    assert score.place > 0
    assert score.veto is None


def test_two_disputes_in_one_village_on_one_day_between_other_families_stay_apart() -> None:
    here = (120.41403, 29.62452)
    drain_a = make_event(
        GRID,
        "WG-330681109-20261125-00021",
        at(25, 9),
        "dispute.neighbour",
        "下宅18号何某某与骆某某两户因排水沟走向发生争执，需调解。",
        point=here,
        address="诸暨市枫桥镇枫源村下宅18号",
        tokens=("tok-a1", "tok-a2"),
    )
    chickens_b = make_event(
        GRID,
        "WG-330681109-20261125-00022",
        at(25, 15),
        "dispute.neighbour",
        "上宅36号陈某某与楼某某因散养鸡鸭毁坏菜地争吵。",
        point=moved(here, 120, 80),
        address="诸暨市枫桥镇枫源村上宅36号",
        tokens=("tok-b1", "tok-b2"),
    )
    call_b = make_event(
        HOTLINE,
        "12345-330681-20261125-000300",
        at(25, 16),
        "dispute.neighbour",
        "来电人反映：枫桥镇枫源村上宅，邻居家鸡鸭跑进菜地把菜吃光了，两家吵起来了。",
        address="诸暨市枫桥镇枫源村上宅36号",
        tokens=("tok-b1",),
    )
    call_unnamed = make_event(
        HOTLINE,
        "12345-330681-20261125-000301",
        at(25, 17),
        "dispute.neighbour",
        "来电人反映：枫源村有两户邻居在吵架。",
        address="诸暨市枫桥镇枫源村",
        tokens=("tok-c9",),
    )
    cases = memberships([drain_a, chickens_b, call_b, call_unnamed])
    assert [drain_a.event_ref] in cases
    assert [chickens_b.event_ref, call_b.event_ref] in cases
    assert [call_unnamed.event_ref] in cases


def test_different_door_numbers_keep_party_less_reports_apart() -> None:
    first = make_event(
        GRID,
        "WG-330681109-20261125-00031",
        at(25, 9),
        "dispute.neighbour",
        "下宅18号两户因排水沟争执。",
        address="诸暨市枫桥镇枫源村下宅18号",
    )
    second = make_event(
        GRID,
        "WG-330681109-20261125-00032",
        at(25, 11),
        "dispute.neighbour",
        "下宅36号两户因排水沟争执。",
        address="诸暨市枫桥镇枫源村下宅36号",
    )
    assert len(memberships([first, second])) == 2


def fire_reports() -> list[Event]:
    scene = (120.2301, 29.7102)
    t0 = at(25, 14)
    return [
        make_event(
            VIDEO,
            "33068110001320000101-17001",
            t0,
            "fire",
            "烟火检测",
            point=moved(scene, 40, 30),
            severity=2,
        ),
        make_event(
            HOTLINE,
            "12345-330681-20261125-000401",
            at(25, 14, 3),
            "fire",
            "来电人反映：枫桥镇枫源村后山一户民房着火了浓烟很大。",
            address="诸暨市枫桥镇枫源村后山",
            tokens=("tok-f1",),
            severity=1,
        ),
        make_event(
            HOTLINE,
            "12345-330681-20261125-000402",
            at(25, 14, 6),
            "fire",
            "来电人反映：枫源村后山房子烧起来了有黑烟冒出。",
            point=moved(scene, -150, 60),
            tokens=("tok-f2",),
            severity=1,
        ),
        make_event(
            HOTLINE,
            "12345-330681-20261125-000403",
            at(25, 14, 11),
            "fire",
            "来电人反映：枫桥镇有房子起火冒黑烟。",
            village=None,
            tokens=("tok-f3",),
            severity=2,
        ),
        make_event(
            GRID,
            "WG-330681109-20261125-00041",
            at(25, 14, 19),
            "fire",
            "枫源村后山12号民房起火冒黑烟，已报119。",
            point=moved(scene, 80, -50),
            address="诸暨市枫桥镇枫源村后山12号",
            severity=2,
        ),
    ]


def test_fire_reported_by_video_three_calls_and_grid_is_one_case_of_priority_1() -> None:
    state, outputs = correlate(fire_reports(), POLICY)
    assert len(state.cases) == 1
    case = next(iter(state.cases.values()))
    assert case.priority == 1
    assert len(case.event_refs) == 5
    assert [s.value for s in case.sources] == ["grid", "hotline", "video"]
    assert sum(isinstance(o, CaseOpened) for o in outputs) == 1


def test_fire_an_hour_later_in_another_village_is_a_new_case() -> None:
    later = make_event(
        HOTLINE,
        "12345-330681-20261125-000499",
        at(25, 17),
        "fire",
        "来电人反映：枫桥镇乐山村柴草堆起火。",
        village="330681109291",
        tokens=("tok-f9",),
    )
    state, _ = correlate([*fire_reports(), later], POLICY)
    assert len(state.cases) == 2
