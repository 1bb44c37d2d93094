"""The console's static files keep to the page's policy: no inline script or style, no HTML
built from strings, nothing fetched from outside the hub."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fusionhub.api.page import WEB_ROOT

pytestmark = pytest.mark.unit

OUR_SCRIPTS = sorted(WEB_ROOT.glob("*.js"))
# Ways to turn a string into markup or code; report texts must never go through them.
FORBIDDEN = re.compile(
    r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
    r"setAttribute\(\s*['\"](style|on\w+)"
)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def page_tags() -> Tags:
    tags = Tags()
    tags.feed((WEB_ROOT / "index.html").read_text(encoding="utf-8"))
    return tags


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    tags = page_tags()
    assert not tags.inline_script
    assert all(attrs.get("src") for tag, attrs in tags.found if tag == "script")
    for tag, attrs in tags.found:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], tag
    assert not any(tag == "style" for tag, _ in tags.found)


def test_every_file_the_page_loads_is_served_from_its_own_folder() -> None:
    for tag, attrs in page_tags().found:
        link = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
        if link:
            assert link.startswith("/console/"), link
            assert (WEB_ROOT / link.removeprefix("/console/")).is_file(), link


@pytest.mark.parametrize("script", OUR_SCRIPTS, ids=lambda p: p.name)
def test_no_script_of_ours_builds_markup_from_strings(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert not FORBIDDEN.findall(text)


@pytest.mark.parametrize("script", OUR_SCRIPTS, ids=lambda p: p.name)
def test_nothing_is_fetched_from_outside_the_hub(script: Path) -> None:
    addresses = re.findall(r"https?://[^\s'\"`]+", script.read_text(encoding="utf-8"))
    assert set(addresses) <= {"http://www.w3.org/2000/svg"}


def test_every_module_imported_is_there() -> None:
    for script in OUR_SCRIPTS:
        for name in re.findall(r'from "\./([\w.]+)"', script.read_text(encoding="utf-8")):
            assert (WEB_ROOT / name).is_file(), f"{script.name} imports {name}"


def test_the_bundled_libraries_come_with_their_licences() -> None:
    vendor = WEB_ROOT / "vendor"
    assert (vendor / "leaflet" / "LICENSE").is_file()
    assert (vendor / "leaflet.markercluster" / "MIT-LICENCE.txt").is_file()
    assert "1.9.4" in (vendor / "VENDORED.md").read_text(encoding="utf-8")
