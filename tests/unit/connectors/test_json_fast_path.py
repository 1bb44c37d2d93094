"""The orjson fast path for one-object payloads parses exactly as the json-module path does."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fusionhub.connectors.payload import _single_object, split_json

pytestmark = pytest.mark.unit

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_objects = st.dictionaries(st.text(max_size=12), _values, max_size=8)


def _same(a: object, b: object) -> bool:
    """Equal, with types: 1 and 1.0 are different answers to a field reader."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return a == b


@settings(max_examples=400)
@given(_objects, st.booleans())
def test_an_object_parses_to_the_same_value_either_way(obj: dict[str, object], ascii: bool) -> None:
    payload = json.dumps(obj, ensure_ascii=ascii).encode("utf-8")
    fast = _single_object(payload)
    if fast is not None:
        assert _same(fast, json.loads(payload))
        assert _same(split_json(payload)[0].value, fast)


@given(st.binary(max_size=60).map(lambda tail: b'{"a":' + tail))
@example(b'{"a":1,"b":2,"a":3}')
@example(b'{"a":1}\x0c')
@example(b'{"a":"\\ud800"}')
@example(b'{"a":1e400}')
@example(b'{"a":NaN}')
@example(b'{"a":18446744073709551616}')
@example(b'{"a":-0.0,"b":1E2}')
def test_what_the_fast_path_accepts_json_accepts_the_same(payload: bytes) -> None:
    fast = _single_object(payload)
    if fast is None:
        return
    assert _same(fast, json.loads(payload.decode("utf-8")))


def test_payloads_the_fast_path_declines_keep_the_careful_answers() -> None:
    assert _single_object(b'\xef\xbb\xbf{"a":1}') is None  # byte-order mark
    assert _single_object(b'{"a":"\\ud800"}') is None  # lone surrogate
    assert _single_object(b'{"a":18446744073709551616}') is None  # beyond 64 bits
    assert _single_object(b'{"a":[{"b":-9223372036854775809}]}') is None  # nested, below
    assert _single_object(b'{"a":9223372036854775807,"b":"12345678901234567890123"}') == {
        "a": 9223372036854775807,
        "b": "12345678901234567890123",
    }
    assert _single_object(b'[{"a":1}]') is None  # arrays keep each element's bytes
    assert split_json(b'{"a":18446744073709551616}')[0].value == {"a": 18446744073709551616}
