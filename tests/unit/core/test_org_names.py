"""Organisations named in reports: what tells two neighbouring factories or employers apart."""

from __future__ import annotations

import pytest

from fusionhub.core import textsim
from fusionhub.core.case_events import CaseOpened
from fusionhub.core.correlation import correlate
from fusionhub.core.textsim import house_numbers, org_names
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from tests.unit.core.corr_factory import POLICY, at, make_event, moved

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("岭北镇水带村东头天富电镀厂养殖场污水直排河道发黑", {"天富"}),
        ("水带村下宅86号诸暨民豪养殖场晚上排气味道很难闻", {"民豪"}),
        ("工厂欠薪工人找不到老板（诸暨润佳袜业公司）", {"润佳"}),
        ("诸暨市宏达化工有限公司排污", {"宏达"}),
        ("城西社区工业区诸暨利达装饰工程队工地欠薪", {"利达"}),
        ("鑫源超市门口堆满纸箱", {"鑫源"}),
    ],
)
def test_a_named_organisation_gives_its_trade_name(text: str, names: set[str]) -> None:
    assert org_names(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "长石岭脚村新屋化工厂夜间偷排臭气",  # the chemical plant at 新屋
        "迎宾路服装厂克扣工人血汗钱",  # a clothing factory on that road
        "厂里两个月没发工资老板失联",
        "附近厂房违规存放易燃化工原料",
        "应店街镇大马坞村垃圾没人收",  # a place name holding 店
        "桃渚镇老厂基村1组垃圾点",  # and one holding 厂
        "村口小吃店占道经营",
    ],
)
def test_a_generic_mention_or_a_place_gives_no_name(text: str) -> None:
    assert org_names(text) == frozenset()


def test_a_date_written_with_hao_is_not_a_door_number() -> None:
    assert house_numbers("11月3号起工业路34号门口一直积水") == {"34"}


def test_two_polluters_named_apart_in_one_village_are_two_cases() -> None:
    here = (120.41403, 29.62452)
    first = make_event(
        GRID,
        "WG-330681109-20261103-00001",
        at(3, 9),
        "pollution",
        "枫源村下宅天富电镀厂污水直排河道发黑，已拍照取证。",
        point=here,
    )
    second = make_event(
        HOTLINE,
        "12345-330681-20261103-000002",
        at(3, 11),
        "pollution",
        "来电反映：枫源村下宅附近民豪养殖场污水直排河道发黑，请核实处理。",
        point=moved(here, 150, 0),
    )
    state, outputs = correlate([first, second], POLICY)
    assert sum(isinstance(o, CaseOpened) for o in outputs) == 2
    assert len(state.cases) == 2


def test_a_worker_calling_about_the_employer_a_grid_report_names_joins_that_case() -> None:
    grid = make_event(
        GRID,
        "WG-330681109-20261103-00002",
        at(3, 9),
        "wage_arrears",
        "枫源村下宅18号何某某与骆某某因润佳袜业公司拖欠工资三个月发生争执。",
        address="诸暨市枫桥镇枫源村下宅18号",
        tokens=("tok-he", "tok-luo"),
    )
    call = make_event(
        HOTLINE,
        "12345-330681-20261104-000007",
        at(4, 10),
        "wage_arrears",
        "来电人称：枫桥镇枫源村下宅诸暨润佳袜业公司老板欠着工人工资不发。",
        address="诸暨市枫桥镇枫源村下宅",
        tokens=("tok-worker",),
    )
    state, _ = correlate([grid, call], POLICY)
    assert [c.event_refs for c in state.cases.values()] == [[grid.event_ref, call.event_ref]]


def test_the_quick_check_knows_every_organisation_form_as_a_word() -> None:
    # org_names skips the search when a text holds none of _FORM_WORDS.
    assert "公司" in textsim._FORM_WORDS
    assert "厂" in textsim._FORM_WORDS
    assert all("(" not in word and "有限" not in word for word in textsim._FORM_WORDS)
    assert org_names("村口民豪农家乐油烟扰民") == frozenset({"民豪"})
    assert org_names("宏达建筑工程有限责任公司拖欠工资") == frozenset({"宏达"})


def test_a_text_naming_an_organisation_only_across_punctuation_is_still_read() -> None:
    assert org_names("天富电镀，厂 排污") == frozenset({"天富"})
    assert org_names("联华超 市门口 堆放垃圾") == frozenset({"联华"})
