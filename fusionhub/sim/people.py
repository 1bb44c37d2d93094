"""Synthetic people and coordinates: valid-looking phones and ID numbers, GCJ-02 offsets."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤骆楼"
)
_GIVEN = "建国明华军伟芳娟敏静丽强磊洋勇艳杰涛斌超霞平刚桂英文辉玲琴红梅海燕林"
_PHONE_PREFIXES = ("13", "15", "18")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic resident."""

    name: str
    phone: str
    id_number: str

    @property
    def masked_name(self) -> str:
        """``何某某``: how reports usually write a party."""
        return self.name[0] + "某某"


def phone(rng: random.Random) -> str:
    """An 11-digit mobile number starting 13, 15 or 18."""
    return rng.choice(_PHONE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(9))


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number(rng: random.Random, county_code: str) -> str:
    """An 18-character resident ID with a real area code, birth date and check digit."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 52))
    first17 = f"{county_code}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


def person(rng: random.Random, county_code: str) -> Person:
    """A resident of ``county_code`` with a name, phone and ID number."""
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return Person(name, phone(rng), id_number(rng, county_code))


def jitter(rng: random.Random, lon: float, lat: float, max_m: float) -> tuple[float, float]:
    """A point up to ``max_m`` metres from (lon, lat), uniformly over the disc."""
    angle = rng.uniform(0, 2 * math.pi)
    dist = max_m * math.sqrt(rng.random())
    dlat = dist * math.sin(angle) / 110_574.0
    dlon = dist * math.cos(angle) / (111_320.0 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


_A = 6378245.0
_EE = 0.00669342162296594323


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 ("Mars") obfuscation of a WGS-84 point inside China (forward only)."""
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    wave = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += wave + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon += wave + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat
