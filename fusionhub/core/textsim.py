"""Similarity of short Chinese texts and addresses without any model.

Texts become sets of character 2- and 3-grams; a case keeps only a bottom-k sketch of that set
(the k smallest CRC-32 hashes, about 200 bytes), from which Jaccard similarity is estimated. CRC-32
is used instead of ``hash()`` because Python's string hash changes between processes, and replay
must decide the same way every time.
"""

from __future__ import annotations

import re
import zlib
from array import array
from bisect import bisect_left

SKETCH_SIZE = 48

# Phrases every hotline operator or grid worker writes; they say nothing about the incident.
_BOILERPLATE = re.compile(
    r"来电人?反映|市民反映|群众反映|网格员巡查发现|巡查发现|来电|反映|希望|请求|尽快|"
    r"相关部门|处理|解决|核实|谢谢"
)
_NOT_TEXT = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")
_ADMIN_PREFIX = re.compile(r"^.*?(?:省|自治州|市|县|区|街道|镇|乡|社区|村委会|居委会|村)(?!委)")
_ADMIN_PART = re.compile(r".+?(?:省|自治州|市|县|区|街道|镇|乡|社区|村委会|居委会|村(?!委)|$)")
_VILLAGE_NAME = re.compile(r"(?:街道|镇|乡)([\u4e00-\u9fff]{1,6}?(?:社区|村))")
_MIN_TEXT_CHARS = 6
# A door number; "3号" after "月" is a date (11月3号), not a door.
_HOUSE_NUMBER = re.compile(r"(?<![月\d])(\d+)\s*(?:号|弄|幢|栋|室)")


def normalize_text(text: str) -> str:
    """Keep the informative characters of a report: no punctuation, spaces or boilerplate."""
    return _NOT_TEXT.sub("", _BOILERPLATE.sub("", text))


def gram_hashes(text: str) -> set[int]:
    """CRC-32 of every character 2-gram and 3-gram of the normalised text."""
    return _hashes_of(normalize_text(text))


def _hashes_of(chars: str) -> set[int]:
    # CRC-32 can be continued: crc32(b, crc32(a)) == crc32(a + b). So each 2-gram's hash continues
    # its first character's, and each 3-gram's continues its leading 2-gram's: one short crc per
    # gram, no slicing or encoding of grams, and the same hashes as hashing every gram's UTF-8.
    encoded = list(map(str.encode, chars))
    pair_hashes = list(map(zlib.crc32, encoded[1:], map(zlib.crc32, encoded)))
    hashes = set(pair_hashes)
    hashes.update(map(zlib.crc32, encoded[2:], pair_hashes))
    return hashes


def text_sketch(text: str, size: int = SKETCH_SIZE) -> bytes:
    """The bottom-``size`` sketch of a text, packed as unsigned 32-bit integers.

    Texts shorter than a phrase (a camera's ``人员聚集`` label) name a category, not an incident;
    they get an empty sketch and never count as text evidence.
    """
    chars = normalize_text(text)
    if len(chars) < _MIN_TEXT_CHARS:
        return b""
    return array("I", sorted(_hashes_of(chars))[:size]).tobytes()


def clean(text: str) -> str:
    """The text without punctuation or spaces: what the readers below take as ``chars``.
    ``scoring.features_of`` cleans a report's text and address once for all of them."""
    return _NOT_TEXT.sub("", text)


def strip_places_of(text: str, address_chars: str) -> str:
    """Remove the place names of a ``clean``ed address from a text, so shared places do not
    look like shared content (place is scored separately)."""
    for part in _ADMIN_PART.findall(address_chars):
        if len(part) >= 2:
            text = text.replace(part, "")
    return text


def village_name_of(chars: str) -> str:
    """The village or community named in a ``clean``ed address or text (``枫源村``), or
    ``""``."""
    match = _VILLAGE_NAME.search(chars)
    return match.group(1) if match else ""


def sketch_similarity(a: bytes, b: bytes, size: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard similarity of the texts behind two sketches (exact for short texts)."""
    if not a or not b:
        return 0.0
    set_a = set(array("I", a))
    set_b = set(array("I", b))
    union = sorted(set_a | set_b)[:size]
    shared = sum(1 for h in union if h in set_a and h in set_b)
    return shared / len(union)


class SketchProbe:
    """One sketch made ready to be compared with many (a report's, against each candidate's).

    ``similarity(b)`` equals ``sketch_similarity(sketch, b)`` for sketches as ``text_sketch``
    makes them (ascending, no repeats), without building and sorting their union: a hash is
    among the union's bottom ``size`` when fewer than ``size`` union members lie below it.
    """

    __slots__ = ("_hashes", "_members", "_sketch")

    def __init__(self, sketch: bytes) -> None:
        # Unpacked on first use: many reports are never compared with any text.
        self._sketch = sketch
        self._hashes = array("I")
        self._members: frozenset[int] = frozenset()

    def similarity(self, other: bytes, size: int = SKETCH_SIZE) -> float:
        """Estimated Jaccard similarity of this sketch's text and ``other``'s."""
        if not self._sketch or not other:
            return 0.0
        if not self._members:
            self._hashes = array("I", self._sketch)
            self._members = frozenset(self._hashes)
        hashes = array("I", other)
        shared = self._members.intersection(hashes)
        if not shared:
            return 0.0
        union = len(self._members) + len(hashes) - len(shared)
        if union <= size:
            return len(shared) / union
        kept = 0
        for below, h in enumerate(sorted(shared)):
            # Union members below h: those of either sketch, less the shared ones counted twice.
            if bisect_left(self._hashes, h) + bisect_left(hashes, h) - below >= size:
                break
            kept += 1
        return kept / size


def address_grams(address: str) -> frozenset[str]:
    """The character bigrams ``address_similarity`` compares (the characters when shorter)."""
    return frozenset({address[i : i + 2] for i in range(len(address) - 1)} or address)


def address_core(address: str | None) -> str:
    """The part of an address below the village: ``诸暨市枫桥镇枫源村下宅18号`` -> ``下宅18号``."""
    return address_core_of(clean(address)) if address else ""


def address_core_of(chars: str) -> str:
    """``address_core`` of a ``clean``ed address."""
    rest = chars
    while True:
        stripped = _ADMIN_PREFIX.sub("", rest, count=1)
        if stripped == rest or not stripped:
            return stripped
        rest = stripped


def address_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two address cores (0 when either is empty)."""
    grams_a = address_grams(a)
    grams_b = address_grams(b)
    if not grams_a or not grams_b:
        return 0.0
    return len(grams_a & grams_b) / len(grams_a | grams_b)


def house_numbers(address: str | None) -> frozenset[str]:
    """Door numbers in an address (``18号``, ``3幢``): two reports naming different ones differ."""
    if not address:
        return frozenset()
    return frozenset(_HOUSE_NUMBER.findall(address))


# Organisations a report names (a polluter, an employer, a shop): a trade name of two characters,
# an optional trade and a legal or business form: 天富电镀厂, 诸暨润佳袜业公司, 民豪养殖场.
# The trade name is what tells two neighbouring factories apart, so it is the key kept.
_ORG_FORMS = (
    "有限责任公司|股份有限公司|有限公司|公司|工程队|养殖场|农家乐|合作社|超市|饭店|酒店|酒楼|"
    "餐馆|餐厅|商行|作坊|门市部|加工厂|厂(?![房区里内门])|店(?![铺面里门])"
)
_ORG_TRADES = (
    "建筑工程|装饰工程|塑料制品|再生资源|化工|印染|电镀|塑料|制品|五金|建材|建筑|装饰|工程|服装|"
    "服饰|针织|纺织|劳务|袜业|机械|电子|食品|物流|家具|木业|制衣|水泥|石材|汽修|汽车|贸易|科技|"
    "实业|包装|印刷|小吃|快餐|便利|养猪|养鸡|餐饮|皮革|造纸|铸造|砂石|水果|理发|美容|网吧|"
    "棋牌|洗车|废品|回收|冶金|五金制品|灯饰|针纺|织造|染整|电器|阀门|轴承|饰品|玩具|日用品"
)
_ORG = re.compile(rf"([\u4e00-\u9fff]{{2}})(?:{_ORG_TRADES})?(?:{_ORG_FORMS})")
# A "name" ending in one of these is a place, a form or a plain word: 新屋化工厂 is the chemical
# plant at 新屋, 工业路服装厂 a clothing factory on that road, 厂里 no name at all.
_NOT_NAME_END = frozenset(
    "村镇乡街路区组号屋头宅溪山坞岙湾桥塘畈口边旁里内外侧后前上下家个的了在是有这那该某小大"
    "老黑夜间排工厂店场司队社市县省道巷弄幢栋室楼园港湖岭坑岗庄门院井田地河江沟"
)
_NOT_NAME_START = frozenset("的了在是有这那该某个")
_TRADE_WORDS = frozenset(_ORG_TRADES.split("|"))


# The forms as plain words (公司 stands for every company form): a text holding none of them
# names no organisation, and most reports do not, so the search (6-9% of the engine's time) is
# skipped for them.
def _form_words() -> tuple[str, ...]:
    words = {re.sub(r"\(\?!.*?\)|有限|责任|股份", "", f) for f in _ORG_FORMS.split("|")}
    # A word holding another (加工厂 holds 厂) adds nothing to the check.
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))


_FORM_WORDS = _form_words()


def org_names(text: str) -> frozenset[str]:
    """The trade names of the organisations a text names (``天富`` of ``天富电镀厂``).

    A generic mention (化工厂, 服装厂, 厂里) gives nothing; shop forms that end in 店 need a
    trade before them (应店街镇 is a place).
    """
    return org_names_of(clean(text))


def org_names_of(chars: str) -> frozenset[str]:
    """``org_names`` of a ``clean``ed text; called once per report by ``scoring.features_of``."""
    if not any(word in chars for word in _FORM_WORDS):
        return frozenset()
    names = set()
    for match in _ORG.finditer(chars):
        name = match.group(1)
        if name[1] in _NOT_NAME_END or name[0] in _NOT_NAME_START or name in _TRADE_WORDS:
            continue
        whole = match.group(0)
        if whole.endswith("店") and len(whole) == 3:
            continue
        names.add(name)
    return frozenset(names)
