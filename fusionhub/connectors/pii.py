"""Personal data protection: masked display forms, keyed tokens, and scrubbing of free text.

Nothing downstream of a connector ever sees a clear phone or ID-card number. Display forms:

* mobile ``13857512345`` -> ``138****2345``; landline ``0575-87654321`` -> ``0575-****4321``;
  anything else phone-like keeps only its last 4 digits (``****1234``), short ones ``****``;
* 18-character ID ``330681197304152316`` -> ``330681********2316`` (county code and last four
  kept, birth date hidden); 15-character legacy IDs keep 6 + 4 the same way; other ids keep
  only their last 4 characters;
* names keep the first character: ``何某某`` -> ``何**``.

Tokens are HMAC-SHA256 under a secret key over ``kind:canonical``, hex, cut to 32 characters:
equal people give equal tokens, and without the key a token cannot be reversed by trying all
1.3 billion mobile numbers.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from fusionhub.core.events import Party

MIN_KEY_BYTES = 16
_SHA256_BLOCK = 64
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))
TOKEN_HEX_CHARS = 32
TOKEN_KINDS = frozenset({"phone", "id", "name"})

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes: the first two digits of every resident ID number.
_PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    ]
)
# Full-width digits are common in text typed on Chinese IMEs; map them 1:1 so spans still line up.
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
# A hyphen before or a hyphen-digit after means we are inside a longer hyphenated number such as
# the hotline order 12345-330681-20261125-000123, which must stay intact.
_MOBILE_IN_TEXT = re.compile(
    r"(?<![\d\-+])(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:\d{8}|[- ]\d{4}[- ]\d{4})(?!\d)(?!-\d)", re.ASCII
)
_LANDLINE_IN_TEXT = re.compile(r"(?<![\d\-])0\d{2,3}-?\d{7,8}(?!\d)(?!-\d)", re.ASCII)
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z\-])\d{17}[\dXx](?![0-9A-Za-z])", re.ASCII)
# One search for any of the three: most text that passes _MAYBE_NUMBER (codes, order numbers)
# holds none of them, and is then returned without running them one by one.
_ANY_NUMBER_IN_TEXT = re.compile(
    "|".join(p.pattern for p in (_MOBILE_IN_TEXT, _LANDLINE_IN_TEXT, _ID_IN_TEXT)), re.ASCII
)
_DIGITS = re.compile(r"\d+", re.ASCII)
# Every number scrub_text masks holds a run of at least seven digits (an ID's 17, a mobile's
# 11, a landline's 7-8 after the area code) or is a mobile written 138 1234 5678, so text with
# neither (dates, short codes, most prose) is returned untouched without running the patterns.
# Both start with a digit, written first as a plain class: the regex engine then skips to the
# next digit instead of trying both branches at every character.
_MAYBE_NUMBER = re.compile(
    r"[0-9０-９](?:[0-9０-９]{6}|(?<=[1１])[3-9３-９][0-9０-９][- ][0-9０-９]{4})"
)


def id_check_digit_ok(id_number: str) -> bool:
    """True when an 18-character ID number's last character matches GB 11643's check digit."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(id_number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11] == id_number[17].upper()


def looks_like_id_number(candidate: str) -> bool:
    """Whether an 18-character number found in text is a resident ID number.

    It must hold a real birth date (YYYYMMDD, 1900..2100) and either a valid check digit or a
    real province code: an ID mistyped in one digit is still somebody's ID, while order and
    tracking numbers (``20261125...``) fail both tests and are left alone.
    """
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    try:
        born = date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    return id_check_digit_ok(candidate) or candidate[:2] in _PROVINCE_CODES


def canonical_phone(value: str) -> str:
    """Digits only, without a +86/0086 country prefix: the form tokens are computed over."""
    if value.isascii() and value.isdigit():
        digits = value  # the usual form; the general path below would give the same string
    else:
        digits = "".join(_DIGITS.findall(value.translate(_FULLWIDTH_DIGITS)))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[-11] == "1":
            return digits[len(prefix) :]
    return digits


def canonical_id(value: str) -> str:
    """No spaces, upper-case X: the form ID tokens are computed over."""
    return "".join(value.translate(_FULLWIDTH_DIGITS).split()).upper()


class PiiProtector:
    """Masks and tokenises personal data with one secret key.

    Built once by the composition root from settings and handed to every connector. A key shorter
    than 16 bytes raises ValueError at construction, so a misconfigured hub fails at start-up.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the PII token key must be at least {MIN_KEY_BYTES} bytes")
        # HMAC-SHA256 (RFC 2104) with the key's two padded hash states made once: a token then
        # copies and feeds two hashes, where the hmac module's copy and update run as Python
        # code (1.6 µs a token against 0.5). Tests check the tokens against hmac.new.
        if len(key) > _SHA256_BLOCK:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(padded.translate(_IPAD))
        self._outer = hashlib.sha256(padded.translate(_OPAD))

    def __repr__(self) -> str:
        return "PiiProtector(key=<hidden>)"

    def token(self, kind: str, value: str) -> str:
        """Keyed HMAC of a person's phone, ID number or name; equal inputs give equal tokens.

        ``kind`` is ``phone``, ``id`` or ``name``; values are canonicalised first so that
        ``+86 138-5751-2345`` and ``13857512345`` match. Unknown kinds raise ValueError.
        """
        if kind not in TOKEN_KINDS:
            raise ValueError(f"unknown token kind {kind!r}; expected one of {sorted(TOKEN_KINDS)}")
        canonical = {"phone": canonical_phone, "id": canonical_id}.get(kind, str.strip)(value)
        return self._token_of(kind, canonical)

    def _token_of(self, kind: str, canonical: str) -> str:
        inner = self._inner.copy()
        inner.update(f"{kind}:{canonical}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:TOKEN_HEX_CHARS]

    @staticmethod
    def mask_phone(value: str) -> str:
        """Display form of a phone number (see module doc); never more than the last 4 digits
        of the subscriber part."""
        return PiiProtector._mask_phone_digits(canonical_phone(value))

    @staticmethod
    def _mask_phone_digits(digits: str) -> str:
        if len(digits) == 11 and digits.startswith("1"):
            return f"{digits[:3]}****{digits[-4:]}"
        if digits.startswith("0") and 10 <= len(digits) <= 12:
            area_len = 3 if digits[1] in "12" else 4
            return f"{digits[:area_len]}-****{digits[-4:]}"
        return f"****{digits[-4:]}" if len(digits) >= 8 else "****"

    @staticmethod
    def mask_id(value: str) -> str:
        """Display form of an ID-card number (see module doc)."""
        return PiiProtector._mask_id_canonical(canonical_id(value))

    @staticmethod
    def _mask_id_canonical(canonical: str) -> str:
        if len(canonical) in (15, 18):
            return canonical[:6] + "*" * (len(canonical) - 10) + canonical[-4:]
        if len(canonical) >= 8:
            return "*" * (len(canonical) - 4) + canonical[-4:]
        return "*" * max(len(canonical), 4)

    @staticmethod
    def mask_name(value: str) -> str:
        """Display form of a name: first character, then one star per remaining character."""
        name = value.strip()
        if not name:
            return ""
        return name[0] + "*" * max(1, len(name) - 1)

    def party(
        self,
        role: str,
        name: str | None = None,
        phone: str | None = None,
        id_number: str | None = None,
    ) -> Party:
        """A ``Party`` holding only masked forms and tokens; called by connectors per person."""
        # Each number is canonicalised once, for both its masked form and its token.
        digits = canonical_phone(phone) if phone else ""
        id_canonical = canonical_id(id_number) if id_number else ""
        has_id = bool(id_number and id_number.strip())
        return Party(
            role=role,
            name_masked=self.mask_name(name) if name else None,
            phone_masked=self._mask_phone_digits(digits) if phone else None,
            phone_token=self._token_of("phone", digits) if digits else None,
            id_masked=self._mask_id_canonical(id_canonical) if id_number else None,
            id_token=self._token_of("id", id_canonical) if has_id else None,
        )

    def scrub_text(self, text: str) -> str:
        """``text`` with clear phone and ID-card numbers replaced by their masked forms.

        Called on every free-text field (content, description, address, title). 18-digit
        numbers are replaced only when ``looks_like_id_number`` says so, and numbers inside
        hyphenated ids (``12345-330681-20261125-000123``) never, so order and case numbers
        survive. Names cannot be found reliably in free text and are left alone.
        """
        if not _MAYBE_NUMBER.search(text):
            return text
        if text.isascii() and text.isdigit() and not _ANY_NUMBER_IN_TEXT.fullmatch(text):
            # Digits alone (a region or grid code): every pattern wants a non-digit or an end
            # on both sides of its number, so only the whole run could be one to mask.
            return text
        return self._scrub_numbers(text)

    def _scrub_numbers(self, text: str) -> str:
        """``scrub_text`` without the shortcut for text that cannot hold a number to mask."""
        # The table maps full-width characters alone: ASCII text (codes, ids) is its own probe.
        probe = text if text.isascii() else text.translate(_FULLWIDTH_DIGITS)
        if not _ANY_NUMBER_IN_TEXT.search(probe):
            return text
        spans: list[tuple[int, int, str]] = []
        for match in _ID_IN_TEXT.finditer(probe):
            if looks_like_id_number(match.group()):
                spans.append((match.start(), match.end(), self.mask_id(match.group())))
        for pattern, masker in ((_MOBILE_IN_TEXT, self.mask_phone), (_LANDLINE_IN_TEXT, None)):
            for match in pattern.finditer(probe):
                if not _overlaps(spans, match.start(), match.end()):
                    masked = masker(match.group()) if masker else self._mask_landline(match.group())
                    spans.append((match.start(), match.end(), masked))
        for start, end, masked in sorted(spans, reverse=True):
            text = text[:start] + masked + text[end:]
        return text

    @staticmethod
    def _mask_landline(found: str) -> str:
        if "-" in found:
            area, number = found.split("-", 1)
            return f"{area}-****{number[-4:]}"
        return PiiProtector.mask_phone(found)


def _overlaps(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end, _ in spans)
