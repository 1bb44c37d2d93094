"""Personal data: masked forms, keyed tokens, scrubbed free text, nothing clear downstream."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.connectors import pii
from fusionhub.connectors.base import BaseConnector
from fusionhub.connectors.pii import (
    PiiProtector,
    canonical_id,
    canonical_phone,
    id_check_digit_ok,
    looks_like_id_number,
)
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Event, Source
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO

from .builders import RECEIVED_AT, TEST_KEY, changed, example_bytes

pytestmark = pytest.mark.unit

Connectors = dict[Source, BaseConnector]
ORDER_NO = "12345-330681-20261125-000123"
EXAMPLE_ID = "330681197304152316"  # as in the examples: its check digit is wrong
CHECKED_ID = "330681197304152310"
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@pytest.fixture
def protector() -> PiiProtector:
    return PiiProtector(TEST_KEY)


def test_masks_keep_only_what_a_clerk_needs_to_recognise(protector: PiiProtector) -> None:
    assert protector.mask_phone("13857512345") == "138****2345"
    assert protector.mask_phone("+86 138-5751-2345") == "138****2345"
    assert protector.mask_phone("0575-87012345") == "0575-****2345"
    assert protector.mask_phone("010-62345678") == "010-****5678"
    assert protector.mask_id("330681197304152316") == "330681********2316"
    assert protector.mask_id("33068119730415231x") == "330681********231X"
    assert protector.mask_name("何某某") == "何**"
    assert protector.mask_name("何") == "何*"


def test_tokens_match_across_spellings_of_the_same_number(protector: PiiProtector) -> None:
    plain = protector.token("phone", "13857512345")
    for spelling in (
        "+8613857512345",
        "0086 138 5751 2345",
        "138-5751-2345",
        "１３８５７５１２３４５",
    ):
        assert protector.token("phone", spelling) == plain
    assert protector.token("id", "33068119730415231x") == protector.token(
        "id", "33068119730415231X"
    )
    assert re.fullmatch(r"[0-9a-f]{32}", plain)


def test_tokens_depend_on_the_key_and_on_the_kind(protector: PiiProtector) -> None:
    other = PiiProtector(b"another-key-of-enough-length-00")
    assert other.token("phone", "13857512345") != protector.token("phone", "13857512345")
    assert protector.token("name", "13857512345") != protector.token("phone", "13857512345")


@given(
    key=st.binary(min_size=16, max_size=200),
    kind=st.sampled_from(["phone", "id", "name"]),
    value=st.text(max_size=40),
)
def test_tokens_are_hmac_sha256_of_kind_and_canonical_value_under_the_key(
    key: bytes, kind: str, value: str
) -> None:
    canonical = {"phone": canonical_phone, "id": canonical_id}.get(kind, str.strip)(value)
    expected = hmac.new(key, f"{kind}:{canonical}".encode(), hashlib.sha256).hexdigest()[:32]
    assert PiiProtector(key).token(kind, value) == expected


@pytest.mark.parametrize("key", [b"", b"short", b"x" * 15])
def test_a_missing_or_short_key_is_refused(key: bytes) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        PiiProtector(key)


def test_unknown_token_kind_is_refused(protector: PiiProtector) -> None:
    with pytest.raises(ValueError, match="kind"):
        protector.token("email", "a@b.c")


def test_the_key_never_shows_in_repr(protector: PiiProtector) -> None:
    assert TEST_KEY.decode() not in repr(protector)


def test_check_digit_follows_gb_11643() -> None:
    assert id_check_digit_ok(CHECKED_ID)
    assert not id_check_digit_ok(EXAMPLE_ID)


@pytest.mark.parametrize(
    ("number", "is_id"),
    [
        (CHECKED_ID, True),
        (EXAMPLE_ID, True),  # mistyped check digit, real province and birth date
        ("202611250001234567", False),  # order number: no birth date where an ID has one
        ("991234197304152316", False),  # no such province, wrong check digit
        ("330681197302302316", False),  # 30 February
    ],
)
def test_id_numbers_in_text_are_told_from_other_long_numbers(number: str, is_id: bool) -> None:
    assert looks_like_id_number(number) is is_id


def test_free_text_loses_phones_and_ids_but_keeps_order_numbers(protector: PiiProtector) -> None:
    text = (
        f"工单号{ORDER_NO}，来电人13857512345（备用 0575-87012345），"
        f"身份证{CHECKED_ID}，快递单号202611250001234567，座机057587012345。"
    )
    scrubbed = protector.scrub_text(text)
    assert ORDER_NO in scrubbed
    assert "202611250001234567" in scrubbed  # fails the check digit: not an ID number
    for secret in ("13857512345", "87012345", CHECKED_ID, "057587012345"):
        assert secret not in scrubbed
    assert "138****2345" in scrubbed
    assert "330681********2310" in scrubbed


def test_full_width_spaced_and_prefixed_mobiles_in_text_are_masked(
    protector: PiiProtector,
) -> None:
    scrubbed = protector.scrub_text("电话１３８５７５１２３４５或138 5751 2345或+86 13857512345")
    digits_only = re.sub(
        r"\D", "", scrubbed.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    )
    assert "5751" not in digits_only
    assert scrubbed.count("138****2345") == 3


@given(mobile=mobiles, before=st.text(max_size=20), after=st.text(max_size=20))
def test_no_mobile_survives_scrubbing_whatever_surrounds_it(
    mobile: str, before: str, after: str
) -> None:
    protector = PiiProtector(TEST_KEY)
    # Text glued to the number by digits or a hyphen reads as a longer number, not a phone.
    before = (
        before if not before or not (before[-1].isdigit() or before[-1] in "-+") else before + "，"
    )
    after = after if not after or not (after[0].isdigit() or after[0] == "-") else "，" + after
    assert mobile not in protector.scrub_text(before + mobile + after)


def _with_personal_data_in_text() -> list[tuple[Source, bytes]]:
    return [
        (GRID, changed(GRID, description=f"电话13857512345，身份证号{EXAMPLE_ID}。")),
        (
            HOTLINE,
            changed(
                HOTLINE,
                content="请回电15958501234或0575-87012345",
                category="城乡建设/来电人13905751234",
                address="诸暨市枫桥镇枫源村下宅（联系人13905751234）",
            ),
        ),
        (PETITION, changed(PETITION, title=f"反映人身份证{CHECKED_ID}")),
    ]


def test_no_clear_phone_id_or_name_from_the_inputs_reaches_any_result(
    connectors: Connectors,
) -> None:
    inputs = [(s, example_bytes(s)) for s in load_sources().sources] + _with_personal_data_in_text()
    numbers = {"15958501234", "13905751234", "87012345", CHECKED_ID}
    names: set[str] = set()
    for source, payload in inputs:
        if source is not VIDEO:
            doc = json.loads(payload)
            numbers |= _clear_values(doc, {"phone", "id_number"})
            names |= _clear_values(doc, {"name"})
    assert {"13857512345", EXAMPLE_ID, "陈建国", "何某某"} <= numbers | names
    for source, payload in inputs:
        [result] = connectors[source].convert(payload, RECEIVED_AT).results
        assert isinstance(result, Event), result
        for number in numbers:
            assert number not in repr(result), (source, number)
        for secret in numbers | names:
            assert all(secret not in value for value in result.attributes.values())
            assert secret not in repr(result.parties)
        free_text = _free_text(json.loads(payload)) if source is not VIDEO else ""
        for name in names - {n for n in names if n in free_text}:
            assert name not in repr(result), (source, name)


def _free_text(doc: dict[str, Any]) -> str:
    """The fields where a citizen or worker may write anything, names included."""
    keys = ("description", "content", "title", "address", "incident_address")
    location = doc.get("location") or {}
    return " ".join(str(doc.get(k) or "") for k in keys) + str(location.get("address") or "")


def _clear_values(doc: Any, keys: set[str]) -> set[str]:
    """Every string value under one of ``keys`` anywhere in a source document."""
    found: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in keys and isinstance(value, str):
                found.add(value)
            else:
                found |= _clear_values(value, keys)
    elif isinstance(doc, list):
        for item in doc:
            found |= _clear_values(item, keys)
    return found


def test_parties_carry_tokens_that_link_the_same_person_across_sources(
    connectors: Connectors,
) -> None:
    grid, hotline, petition = [
        connectors[s].convert(example_bytes(s), RECEIVED_AT).events[0]
        for s in (GRID, HOTLINE, PETITION)
    ]
    assert hotline.person_tokens <= grid.person_tokens
    assert grid.person_tokens & petition.person_tokens
    assert hotline.person_tokens & petition.person_tokens


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789０１３８９Xx- +中a"), max_size=30))
def test_text_skipped_as_holding_no_number_is_text_the_patterns_leave_alone(text: str) -> None:
    protector = PiiProtector(b"k" * 32)
    assert protector.scrub_text(text) == protector._scrub_numbers(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789０１３８９Xx- +中a"), max_size=30))
def test_one_search_finds_a_number_when_any_of_the_three_patterns_would(text: str) -> None:
    patterns = (pii._MOBILE_IN_TEXT, pii._LANDLINE_IN_TEXT, pii._ID_IN_TEXT)
    expected = any(p.search(text) for p in patterns)
    assert bool(pii._ANY_NUMBER_IN_TEXT.search(text)) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789０１３８９- 中a"), max_size=20))
def test_number_shortcut_matches_its_two_branch_form(text: str) -> None:
    two_branches = re.compile(r"[0-9０-９]{7}|[1１][3-9３-９][0-9０-９][- ][0-9０-９]{4}")
    assert bool(pii._MAYBE_NUMBER.search(text)) == bool(two_branches.search(text))


DIGIT_RUNS = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=24),
    st.from_regex(r"\A(?:0086|86)?1[3-9][0-9]{9}\Z"),
    st.from_regex(r"\A0[0-9]{9,11}\Z"),
    st.from_regex(r"\A(?:11|33|91)[0-9]{4}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-2][1-8][0-9]{4}\Z"),
    st.sampled_from(["330681197304152316", "331082111", "330681003008002", "057587654321"]),
)


@settings(max_examples=800, deadline=None)
@given(DIGIT_RUNS)
def test_a_run_of_digits_alone_is_scrubbed_as_the_patterns_would_scrub_it(text: str) -> None:
    protector = PiiProtector(b"k" * 32)
    assert protector.scrub_text(text) == protector._scrub_numbers(text)
