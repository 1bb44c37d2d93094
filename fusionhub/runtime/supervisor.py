"""Starts the hub's services as child processes, watches them, stops them cleanly.

Each service is the same ``fusionhub`` command a deployment would run on its own (worker, sink,
ingest API, read API), so ``fusionhub up`` on one machine and four containers behave alike.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fusionhub.paths import ensure_dir

SERVICES = ("worker", "sink", "ingest-api", "api")


@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Supervisor:
    """Owns the child processes of one ``up`` or ``demo`` run."""

    log_dir: Path
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    children: list[ServiceProcess] = field(default_factory=list)

    def start(self, services: tuple[str, ...] = SERVICES) -> None:
        """Start every service; each logs to ``log_dir/NAME.log``."""
        ensure_dir(self.log_dir, "FUSIONHUB_DATA_DIR")
        for name in services:
            log = self.log_dir / f"{name}.log"
            out = log.open("ab")
            proc = subprocess.Popen(
                [sys.executable, "-m", "fusionhub", name],
                env=dict(self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            self.children.append(ServiceProcess(name, proc, log))

    def failed(self) -> list[ServiceProcess]:
        """Services that exited on their own (a crash, or a port already taken)."""
        return [c for c in self.children if c.process.poll() is not None]

    def stop(self, timeout_s: float = 30.0) -> dict[str, int]:
        """SIGTERM every child, wait, SIGKILL what remains; returns exit codes by service."""
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        codes: dict[str, int] = {}
        for child in self.children:
            remaining = max(deadline - time.monotonic(), 0.1)
            try:
                codes[child.name] = child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                child.process.kill()
                codes[child.name] = child.process.wait()
        self.children.clear()
        return codes


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a service log, for error messages."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
