"""Run Debian's ``promtool`` (package ``prometheus``) from tests.

Tests use it to lint the hub's /metrics expositions and to check the files in ``deploy/``.
promtool is a required test tool (``scripts/system-deps.sh`` installs it): when it is missing the
helpers raise ``PromtoolMissingError`` so the calling test fails instead of being skipped.
"""

from __future__ import annotations

import shutil
import subprocess

INSTALL_HINT = "promtool is required: install Debian's prometheus package (scripts/system-deps.sh)"

# `promtool check metrics` exit codes: 0 clean, 3 lint problems, 1 the text did not parse.
_LINT_PROBLEMS = 3
_PARSE_ERROR = 1


class PromtoolMissingError(RuntimeError):
    """promtool is not on PATH; the message says how to install it."""


def promtool_path() -> str:
    """The promtool executable on PATH.

    Called by every helper here and by tests that run promtool themselves. Raises
    ``PromtoolMissingError`` when it is not installed.
    """
    found = shutil.which("promtool")
    if found is None:
        raise PromtoolMissingError(INSTALL_HINT)
    return found


def run_promtool(
    *args: str, stdin: str | None = None, timeout_s: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """Run ``promtool ARGS...`` and return the finished process without judging its exit code.

    Called by tests that check deploy/ files and by ``check_metrics``. Raises
    ``PromtoolMissingError`` when promtool is missing and ``subprocess.TimeoutExpired`` when it
    hangs for ``timeout_s`` seconds.
    """
    return subprocess.run(
        [promtool_path(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def check_metrics(exposition_text: str) -> list[str]:
    """Lint a Prometheus text exposition with ``promtool check metrics``.

    Called by tests with the output of ``prometheus_client.generate_latest`` (or a scraped
    /metrics body). Returns promtool's complaints, one per line, e.g.
    ``fusionhub_x_milliseconds use base unit "seconds" instead of "milliseconds"``; an empty list
    means the exposition is clean. Text that does not parse is a complaint too. Raises
    ``PromtoolMissingError`` when promtool is missing and ``RuntimeError`` when promtool fails
    in a way that says nothing about the text.
    """
    finished = run_promtool("check", "metrics", stdin=exposition_text)
    if finished.returncode == 0:
        return []
    # promtool writes its findings to stderr; read stdout too in case a version moves them.
    complaints = [
        line.strip() for line in (finished.stderr + finished.stdout).splitlines() if line.strip()
    ]
    if finished.returncode in (_LINT_PROBLEMS, _PARSE_ERROR):
        return complaints or [f"promtool check metrics exited {finished.returncode} silently"]
    raise RuntimeError(
        f"promtool check metrics failed (exit {finished.returncode}): {' '.join(complaints)}"
    )
