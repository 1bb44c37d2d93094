"""``convert`` never raises and never hits an internal error, whatever bytes arrive."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fusionhub.connectors.base import BaseConnector, ConversionBatch
from fusionhub.connectors.errors import Reason
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Source
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.pingan import PHOTO_FIELDS
from fusionhub.sources.video import VIDEO

from .builders import RECEIVED_AT, example_bytes, example_doc, video_xml

pytestmark = pytest.mark.unit

Connectors = dict[Source, BaseConnector]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_FIXTURE = settings(
    FUZZ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def assert_sound(batch: ConversionBatch, payload: bytes) -> None:
    """Every item gave a result, and each rejection explains itself and keeps its bytes (a
    平安浙江 report keeps them without what its photos held besides their metadata)."""
    assert batch.results, "every payload gives at least one result"
    for result in batch.rejections:
        assert result.reason != Reason.UNEXPECTED_ERROR, result.errors
        assert result.errors
        assert result.original in payload or _photo_content_cut(result.original, payload)


def _photo_content_cut(original: bytes, payload: bytes) -> bool:
    doc = json.loads(payload)
    for photo in doc.get("photos", []):
        if isinstance(photo, dict):
            for key in set(photo) - PHOTO_FIELDS:
                del photo[key]
    return bool(json.loads(original) == doc)


@pytest.mark.parametrize("source", load_sources().sources)
@FUZZ_FIXTURE
@given(payload=st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(
    connectors: Connectors, source: Source, payload: bytes
) -> None:
    batch = connectors[source].convert(payload, RECEIVED_AT)
    assert batch.results
    assert all(r.reason != Reason.UNEXPECTED_ERROR for r in batch.rejections)


@pytest.mark.parametrize("source", load_sources().sources)
@FUZZ_FIXTURE
@given(cut=st.integers(0, 2000), junk=st.binary(max_size=8))
def test_damaged_examples_never_raise(
    connectors: Connectors, source: Source, cut: int, junk: bytes
) -> None:
    original = example_bytes(source)
    position = cut % (len(original) + 1)
    payload = original[:position] + junk + original[position + len(junk) :]
    assert_sound(connectors[source].convert(payload, RECEIVED_AT), payload)


@pytest.mark.parametrize("source", [GRID, HOTLINE, PETITION])
@FUZZ_FIXTURE
@given(data=st.data())
def test_any_json_value_in_any_field_never_raises(
    connectors: Connectors, source: Source, data: st.DataObject
) -> None:
    doc: dict[str, Any] = example_doc(source)
    field = data.draw(st.sampled_from(sorted(doc)))
    doc[field] = data.draw(json_values)
    payload = json.dumps(doc, ensure_ascii=data.draw(st.booleans())).encode("utf-8")
    assert_sound(connectors[source].convert(payload, RECEIVED_AT), payload)


@FUZZ_FIXTURE
@given(
    element=st.sampled_from(
        [
            "SN",
            "DeviceID",
            "AlarmPriority",
            "AlarmMethod",
            "AlarmTime",
            "AlarmDescription",
            "Longitude",
            "Latitude",
            "Info",
        ]
    ),
    value=st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="<&"),
        max_size=30,
    ),
    encoding=st.sampled_from(["GB2312", "GBK", "UTF-8"]),
)
def test_any_text_in_any_video_element_never_raises(
    connectors: Connectors, element: str, value: str, encoding: str
) -> None:
    try:
        payload = video_xml(encoding, **{element: value})
    except UnicodeEncodeError:
        return  # a character GB18030 lacks cannot be in a GB document in the first place
    assert_sound(connectors[VIDEO].convert(payload, RECEIVED_AT), payload)
