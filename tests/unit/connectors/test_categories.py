"""Each source's taxonomy maps to a unified category and its platform, from an editable table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fusionhub.connectors.categories import CategoryTable, load_category_table
from fusionhub.core.events import Platform
from fusionhub.sources.grid import grid_category
from fusionhub.sources.hotline import hotline_category
from fusionhub.sources.petition import petition_category
from fusionhub.sources.video import video_category

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[3] / "fusionhub" / "data"
UNIFIED_CSV = (DATA / "unified_categories.csv").read_text("utf-8")


@pytest.fixture(scope="module")
def table() -> CategoryTable:
    return load_category_table()


def test_the_table_answers_exactly_the_unified_codes(table: CategoryTable) -> None:
    with (DATA / "unified_categories.csv").open(encoding="utf-8") as f:
        assert table.codes == {row["code"] for row in csv.DictReader(f)}


def test_an_unknown_code_in_the_rules_fails_at_load_time_naming_its_place() -> None:
    rules = '[grid.pairs."问题隐患"]\n"消防隐患" = "fire.hazard"\n'
    with pytest.raises(ValueError, match=r"grid\.pairs\.问题隐患\.消防隐患 = 'fire\.hazard'"):
        CategoryTable.from_texts(rules, UNIFIED_CSV)


def test_an_edited_table_changes_the_answer_without_code(tmp_path: Path) -> None:
    rules = tmp_path / "categories.toml"
    rules.write_text('[grid.pairs."问题隐患"]\n"占道经营" = "sanitation"\n', "utf-8")
    assert (
        grid_category(load_category_table(rules), "问题隐患", "占道经营", "").code == "sanitation"
    )


@pytest.mark.parametrize(
    ("type_1", "type_2", "code", "platform"),
    [
        ("矛盾纠纷", "邻里纠纷", "dispute.neighbour", Platform.SOCIAL_GOVERNANCE),
        ("问题隐患", "消防隐患", "fire_hazard", Platform.SOCIAL_GOVERNANCE),
        ("问题隐患", "占道经营", "street_vending", Platform.LAW_ENFORCEMENT),
        ("问题隐患", "环境污染", "pollution", Platform.LAW_ENFORCEMENT),
        ("矛盾纠纷", "婚姻家庭纠纷", "dispute.family", Platform.SOCIAL_GOVERNANCE),
        ("矛盾纠纷", "劳资纠纷", "wage_arrears", Platform.SOCIAL_GOVERNANCE),
        ("问题隐患", "无证餐饮", "food_safety", Platform.MARKET_REGULATION),
    ],
)
def test_grid_types_map_to_unified_categories(
    table: CategoryTable, type_1: str, type_2: str, code: str, platform: Platform
) -> None:
    match = grid_category(table, type_1, type_2, "")
    assert (match.code, match.platform) == (code, platform)


@pytest.mark.parametrize(
    ("type_2", "description", "code"),
    [
        ("消防隐患", "楼道堆放杂物堵塞消防通道", "fire_hazard"),
        ("消防隐患", "一户民房着火了浓烟很大", "fire"),
        ("治安隐患", "广场上聚集了很多人情绪激动", "crowding"),
        ("治安隐患", "发现可疑人员", "public_security"),
        ("设施损坏", "家里一天没水了也没通知", "utilities"),
        ("设施损坏", "路上窨井盖不见了", "roads"),
    ],
)
def test_coarse_grid_sub_classes_are_refined_by_the_description(
    table: CategoryTable, type_2: str, description: str, code: str
) -> None:
    assert grid_category(table, "问题隐患", type_2, description).code == code


def test_grid_falls_back_to_keywords_then_to_the_type_1_default(table: CategoryTable) -> None:
    assert grid_category(table, "矛盾纠纷", "其他类", "两户因宅基地界址争执").code == "dispute.land"
    assert grid_category(table, "问题隐患", "其他类", "现场查看").code == "safety_hazard"
    assert grid_category(table, "矛盾纠纷", "其他类", "现场查看").code == "other"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("城乡建设/农村建房/宅基地纠纷", "dispute.land"),
        ("城乡建设/市容环卫/占道经营", "street_vending"),
        ("城乡建设/市容环卫/其他", "sanitation"),
        ("环境保护/噪声污染/施工噪声", "noise"),
        ("劳动社保/劳动关系/拖欠工资", "wage_arrears"),
        ("市场监管/食品安全/餐饮", "food_safety"),
        ("公共安全/消防安全/其他", "fire_hazard"),
        ("交通运输/道路设施/路面破损", "roads"),
        ("城乡建设/违法建设/农村违建", "illegal_construction"),
        ("城乡建设/农村建房/其他", "dispute.land"),
        ("环境保护/其他", "pollution"),
    ],
)
def test_hotline_paths_match_the_most_specific_segment_first(
    table: CategoryTable, path: str, code: str
) -> None:
    assert hotline_category(table, path, "投诉", "").code == code


def test_hotline_without_a_useful_path_uses_content_then_appeal_type(
    table: CategoryTable,
) -> None:
    assert hotline_category(table, None, "投诉", "楼下烧烤店油烟很大").code == "pollution"
    assert hotline_category(table, "其他/其他", "咨询", "请问怎么办理").code == "consultation"
    assert hotline_category(table, "", "投诉", "说不清楚").code == "other"


@pytest.mark.parametrize(
    ("problem_category", "text", "code"),
    [
        ("劳动社保", "老板拖欠我们三个月工资", "wage_arrears"),
        ("劳动社保", "包工头欠薪不还", "wage_arrears"),
        ("劳动社保", "社保转移接续问题", "other"),
        ("自然资源", "村里把我家承包地划给别人", "dispute.land"),
        ("环境保护", "工厂夜里偷排废水", "pollution"),
        ("城乡建设", "邻居违规改排水沟导致我家被淹", "dispute.neighbour"),
        ("城乡建设", "隔壁违建挡住采光", "illegal_construction"),
        (None, "小区物业乱收费", "dispute.property"),
        ("市场监管", "超市出售过期食品", "food_safety"),
        ("市场监管", "网购商品质量差商家拒绝退货", "consumer"),
        ("公共安全", "几十人聚在门口要讨说法", "crowding"),
        ("其他", "无", "other"),
    ],
)
def test_petition_problem_categories_are_refined_by_their_text(
    table: CategoryTable, problem_category: str | None, text: str, code: str
) -> None:
    assert petition_category(table, problem_category, text).code == code


@pytest.mark.parametrize(
    ("description", "alarm_type", "code"),
    [
        ("人员聚集", "10", "crowding"),
        ("烟火检测", None, "fire"),
        ("疑似起火", None, "fire"),
        ("占道经营", "6", "street_vending"),
        ("消防通道占用", None, "fire_hazard"),
        (None, "10", "crowding"),
        (None, "6", "public_security"),
        ("画面异常", "11", "other"),
    ],
)
def test_video_descriptions_and_alarm_types_map_to_categories(
    table: CategoryTable, description: str | None, alarm_type: str | None, code: str
) -> None:
    assert video_category(table, description, alarm_type).code == code


def test_platform_comes_from_the_unified_table(table: CategoryTable) -> None:
    assert table.platform_of("street_vending") is Platform.LAW_ENFORCEMENT
    assert table.platform_of("consultation") is Platform.PUBLIC_SERVICE
    assert table.platform_of("price") is Platform.MARKET_REGULATION
