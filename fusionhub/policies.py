"""Load the editable correlation policy file (``fusionhub/data/correlation.toml``).

Lives outside ``fusionhub.core`` because it reads a file; the core only sees the parsed policy.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from fusionhub.core.policy import CorrelationPolicy, policy_from_mapping

DEFAULT_POLICY_FILE = Path(__file__).parent / "data" / "correlation.toml"


def load_policy(path: Path | None = None) -> CorrelationPolicy:
    """Read the policy file (default: the packaged ``correlation.toml``).

    Called once at start-up by the replay command and the stream processors. Raises
    FileNotFoundError when the file is missing, ``tomllib.TOMLDecodeError`` when it is not TOML,
    and ValueError naming the bad entry when a category or pair is invalid.
    """
    with (path or DEFAULT_POLICY_FILE).open("rb") as handle:
        return policy_from_mapping(tomllib.load(handle))
