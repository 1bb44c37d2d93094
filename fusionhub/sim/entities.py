"""Named things near an incident: companies, employers, shops, roads with door numbers, landmarks.

Roads and landmarks belong to a village and are derived from its code (CRC-32), so every run and
every report sees the same road in the same place. A road runs straight through the village
centre; door number ``n`` sits ``n * DOOR_SPACING_M`` metres along it, so two door numbers on one
road are a known distance apart.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass

from fusionhub.sim.places import Village, offset

DOOR_SPACING_M = 6.0
_ROAD_STEMS = "人民解放建设中山文化环城工业新华兴业振兴和平学府江滨迎宾健康东方永安长安"
_ROAD_KINDS = ("路", "路", "街", "大道", "东路", "西路")
_TRADE_NAMES = "宏达鑫源华丰永兴恒通金诚瑞丰天成广利盛达新亚东升隆昌富民众信德润佳豪"
_ORG_KINDS: dict[str, tuple[str, ...]] = {
    "company": ("化工有限公司", "印染厂", "电镀厂", "塑料制品厂", "养殖场", "五金厂", "建材厂"),
    "employer": ("建筑工程有限公司", "服装厂", "针织厂", "劳务公司", "装饰工程队", "袜业公司"),
    "shop": ("饭店", "小吃店", "超市", "快餐店", "便利店", "农家乐"),
}
_VILLAGE_LANDMARKS = ("文化礼堂", "村委会", "老年活动中心", "卫生室", "祠堂", "篮球场")
_TOWNSHIP_LANDMARKS = ("中心小学", "农贸市场", "汽车站", "卫生院", "派出所")


@dataclass(frozen=True, slots=True)
class Road:
    """A straight road through a village: name, where door 0 is and which way numbers run."""

    name: str
    lon: float
    lat: float
    bearing: float

    def door(self, number: int) -> tuple[float, float]:
        """The WGS-84 point of door ``number`` on this road."""
        along = number * DOOR_SPACING_M
        return offset(
            self.lon, self.lat, along * math.cos(self.bearing), along * math.sin(self.bearing)
        )


def _village_rng(village: Village, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{village.code}:{salt}".encode()))


def roads(village: Village) -> tuple[Road, ...]:
    """The two or three named roads of ``village``, the same in every run."""
    rng = _village_rng(village, "roads")
    stems = rng.sample(range(len(_ROAD_STEMS) // 2), rng.choice((2, 3)))
    found: list[Road] = []
    for stem in stems:
        name = _ROAD_STEMS[2 * stem : 2 * stem + 2] + rng.choice(_ROAD_KINDS)
        lon, lat = offset(village.lon, village.lat, rng.uniform(-300, 300), rng.uniform(-300, 300))
        found.append(Road(name, lon, lat, rng.uniform(0, 2 * math.pi)))
    return tuple(found)


def landmarks(village: Village) -> tuple[str, ...]:
    """Landmarks a caller names instead of an address; each embeds a gazetteer name."""
    rng = _village_rng(village, "landmarks")
    own = [f"{village.name}{x}" for x in rng.sample(_VILLAGE_LANDMARKS, 3)]
    town = [f"{village.township_name}{x}" for x in rng.sample(_TOWNSHIP_LANDMARKS, 1)]
    return tuple(own + town)


def org_name(rng: random.Random, kind: str, county: str) -> str:
    """A company, employer or shop name: ``诸暨市宏达化工有限公司``-like, or a short trade name."""
    trade = "".join(rng.sample(_TRADE_NAMES, 2))
    if rng.random() < 0.5:
        return (
            f"{county.removesuffix('市').removesuffix('县')}{trade}{rng.choice(_ORG_KINDS[kind])}"
        )
    return f"{trade}{rng.choice(_ORG_KINDS[kind])}"
