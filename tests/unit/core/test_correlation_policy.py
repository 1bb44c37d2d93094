"""The editable policy file and the built-in table."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from fusionhub.core.policy import default_policy, parse_window, policy_from_mapping
from fusionhub.policies import DEFAULT_POLICY_FILE, load_policy

pytestmark = pytest.mark.unit


def test_the_packaged_policy_file_equals_the_built_in_table() -> None:
    assert load_policy() == default_policy()


def test_an_edited_file_changes_radius_and_window(tmp_path: Path) -> None:
    text = DEFAULT_POLICY_FILE.read_text("utf-8").replace(
        'code = "fire"\nname = "火情火灾"\nplatform = "综治工作"\nfamily = "emergency"\n'
        'radius_m = 300\nwindow = "90m"',
        'code = "fire"\nname = "火情火灾"\nplatform = "综治工作"\nfamily = "emergency"\n'
        'radius_m = 500\nwindow = "2h"',
    )
    edited = tmp_path / "correlation.toml"
    edited.write_text(text, "utf-8")
    fire = load_policy(edited).category("fire")
    assert (fire.radius_m, fire.window) == (500.0, timedelta(hours=2))


@pytest.mark.parametrize("text", ["90", "3y", "h", "-2d"])
def test_bad_windows_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="bad window"):
        parse_window(text)


def test_a_pair_naming_an_unknown_category_is_refused() -> None:
    data = {
        "category": [
            {
                "code": "other",
                "name": "其他",
                "platform": "综治工作",
                "family": "o",
                "radius_m": 100,
                "window": "1d",
            }
        ],
        "compatible": [{"pair": ["other", "fire.hazard"]}],
    }
    with pytest.raises(ValueError, match=r"fire\.hazard"):
        policy_from_mapping(data)


def test_compatibility_is_symmetric_and_other_matches_anything() -> None:
    policy = default_policy()
    assert policy.compatible_with("dispute.land", "dispute.neighbour")
    assert policy.compatible_with("dispute.neighbour", "dispute.land")
    assert not policy.compatible_with("crowding", "dispute.neighbour")
    assert policy.compatible_with("other", "fire")
    assert policy.category("no.such.code").code == "other"
