"""``FieldReader.text`` returns a valid string early; it answers as the full checks would."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusionhub.connectors.errors import FieldError, Reason
from fusionhub.connectors.fields import SOURCE_ID_PATTERN, FieldReader, _text_problem

pytestmark = pytest.mark.unit

values = (
    st.none()
    | st.integers()
    | st.booleans()
    | st.text(alphabet=st.sampled_from(" \tab-_.9中\ud800X"), max_size=12)
    | st.text(max_size=12)
)


def checked_text(
    value: object, required: bool, max_len: int, pattern: re.Pattern[str] | None
) -> tuple[str | None, list[FieldError]]:
    """What ``text`` gave before the fast path: every check, in order, for every value."""
    reader = FieldReader({"f": value})
    if value is None:
        if required:
            reader.add("f", "is required", Reason.MISSING_FIELD)
        return None, reader.errors
    problem = _text_problem(value, max_len, pattern, "an id")
    if problem is None:
        assert isinstance(value, str)
        return value.strip(), []
    message, reason = problem
    if reason is not Reason.MISSING_FIELD or required:
        reader.add("f", message, reason)
    return None, reader.errors


@settings(max_examples=500, deadline=None)
@given(values, st.booleans(), st.integers(1, 8), st.sampled_from([None, SOURCE_ID_PATTERN]))
def test_text_gives_the_value_and_errors_the_full_checks_give(
    value: object, required: bool, max_len: int, pattern: re.Pattern[str] | None
) -> None:
    reader = FieldReader({"f": value})
    got = reader.text("f", required=required, max_len=max_len, pattern=pattern, hint="an id")
    assert (got, reader.errors) == checked_text(value, required, max_len, pattern)
