"""Debian's Chromium driven by Playwright, for the console's browser tests.

Playwright's own browser download is not used: the tests launch ``/usr/bin/chromium``
(``make system-deps`` installs it) headless, with a fresh profile, and nothing it may reach but
the hub on loopback. A missing browser fails the tests; it never skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = Path(os.environ.get("FUSIONHUB_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WALL = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
ARTIFACTS = Path(os.environ.get("FUSIONHUB_TEST_ARTIFACTS", Path(__file__).parents[2] / "var"))


@contextmanager
def chromium(profile: Path) -> Iterator[BrowserContext]:
    """A browser context on Debian's Chromium with a fresh profile in ``profile``."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`", pytrace=False)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport=WALL,
            accept_downloads=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        try:
            yield context
        finally:
            context.close()


def save_screenshot(page: Page, name: str) -> Path:
    """A full-window screenshot under ``var/console-screenshots`` (or
    ``$FUSIONHUB_TEST_ARTIFACTS``), for a failed test to be looked at."""
    folder = ARTIFACTS / "console-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
