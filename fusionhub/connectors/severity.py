"""Severity 1..5 of a normalised event, 1 the most serious: the scale every source maps to.

Each source maps its own signals onto it in its module (``fusionhub.sources``): a grid
report's level and flags, a 12345 order's urgency, a petition's co-signers, a camera's
GB/T 28181 priority, an app report's kind.
"""

from __future__ import annotations

MOST_SERIOUS, LEAST_SERIOUS, DEFAULT = 1, 5, 3


def clamp(severity: int) -> int:
    """``severity`` held to 1..5."""
    return min(max(severity, MOST_SERIOUS), LEAST_SERIOUS)
