"""Write a fitted policy as a ``correlation.toml``: the packaged file, [weights] replaced."""

from __future__ import annotations

import re
from pathlib import Path

from fusionhub.core.policy import Weights
from fusionhub.core.signals import SIGNALS
from fusionhub.policies import DEFAULT_POLICY_FILE

_WEIGHTS = re.compile(r"^\[weights\]\n(?:[^\[\n].*\n|\n)*?(?=\n|\[)", re.MULTILINE)


def policy_text(weights: Weights, header: str, base: Path = DEFAULT_POLICY_FILE) -> str:
    """``base`` with ``header`` (comment lines) on top and its [weights] table replaced.

    Called by ``fusionhub tune``. Raises ValueError when ``base`` has no [weights] table.
    """
    text = base.read_text(encoding="utf-8")
    lines = [f"{name} = {getattr(weights, name)}" for name in (*SIGNALS, "threshold")]
    table = "[weights]\n" + "\n".join(lines) + "\n"
    new, count = _WEIGHTS.subn(table, text, count=1)
    if count != 1:
        raise ValueError(f"{base} has no [weights] table")
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + "\n" + new
