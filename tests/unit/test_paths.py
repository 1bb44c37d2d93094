"""Folders the hub writes to are made on first need, and an unusable one is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fusionhub.paths import ensure_dir
from fusionhub.settings import ConfigurationError

pytestmark = pytest.mark.unit


def test_a_missing_folder_is_created_with_its_parents(tmp_path: Path) -> None:
    wanted = tmp_path / "a" / "b" / "streams"
    assert ensure_dir(wanted, "FUSIONHUB_STREAMS__DATA_DIR") == wanted
    assert wanted.is_dir()


def test_an_existing_folder_is_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    ensure_dir(tmp_path, "FUSIONHUB_DATA_DIR")
    assert (tmp_path / "keep.txt").read_text() == "x"


def test_a_file_in_the_way_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigurationError) as caught:
        ensure_dir(blocker / "streams", "FUSIONHUB_STREAMS__DATA_DIR")
    message = str(caught.value)
    assert "\n" not in message
    assert str(blocker / "streams") in message
    assert "FUSIONHUB_STREAMS__DATA_DIR" in message
