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
_HOUSE_NUMBER = re.compile(r"(\d+)\s*(?:号|弄|幢|栋|室)")
_REF_PATTERNS = re.compile(
    r"12345-\d{6}-\d{8}-\d{6}|XF\d{6}-\d{4}-\d{6}|WG-\d{9}-\d{8}-\d{5}|\d{20}-\d+(?=\D|$)"
)


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


def strip_places(text: str, address: str | None) -> str:
    """Remove the address's place names from a text, so shared places do not look like shared
    content (place is scored separately)."""
    if not address:
        return text
    for part in _ADMIN_PART.findall(_NOT_TEXT.sub("", address)):
        if len(part) >= 2:
            text = text.replace(part, "")
    return text


def village_name(text: str | None) -> str:
    """The village or community named in an address or text (``枫源村``), or ``""``."""
    if not text:
        return ""
    match = _VILLAGE_NAME.search(_NOT_TEXT.sub("", text))
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
    if not address:
        return ""
    rest = _NOT_TEXT.sub("", address)
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


def refs_in_text(text: str) -> tuple[str, ...]:
    """Work-order, petition, grid-event and video ids quoted in free text, in order."""
    return tuple(dict.fromkeys(_REF_PATTERNS.findall(text)))
