"""Waiting until the services answer on their ports."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from fusionhub.runtime.supervisor import Supervisor, tail


class StartupError(RuntimeError):
    """A service exited or did not answer in time; the message holds its log tail."""


def wait_until(
    supervisor: Supervisor, checks: dict[str, Callable[[], bool]], timeout_s: float = 120.0
) -> None:
    """Return when every check passes; raise ``StartupError`` when a service dies or time runs
    out. Called by ``up`` and ``demo`` right after starting the services."""
    pending = dict(checks)
    deadline = time.monotonic() + timeout_s
    while pending:
        for child in supervisor.failed():
            raise StartupError(
                f"{child.name} exited ({child.process.returncode}):\n{tail(child.log)}"
            )
        for name, check in list(pending.items()):
            if check():
                del pending[name]
        if time.monotonic() > deadline:
            raise StartupError(f"not answering after {timeout_s:.0f}s: {', '.join(pending)}")
        time.sleep(0.5)


def http_ok(url: str) -> Callable[[], bool]:
    """A check that ``url`` answers 200."""

    def check() -> bool:
        try:
            return httpx.get(url, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check
