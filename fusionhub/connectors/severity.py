"""Severity 1..5 of a normalised event, 1 the most serious, from each source's own signals.

* grid: ``level`` when given (1..5), else 3; ``is_emergency`` caps it at 1 and
  ``is_group_incident`` at 2 (a flag can only make a report more serious, never less).
* hotline: ``urgency`` emergency 1, urgent 2, normal 3; a normal 咨询/建议/表扬 (question,
  suggestion, praise) is 4.
* petition: 3; 5+ co-signers (a collective petition, 集体访 threshold) 2; 50+ co-signers 1;
  ``previously_petitioned`` (a repeat petition) one step more serious, never above 1.
* video: ``AlarmPriority`` 1..4 as is (GB/T 28181 level 1 is the most serious).
"""

from __future__ import annotations

MOST_SERIOUS, LEAST_SERIOUS, DEFAULT = 1, 5, 3
COLLECTIVE_PETITION_SIGNERS = 5
MASS_PETITION_SIGNERS = 50

_HOTLINE_URGENCY = {"emergency": 1, "urgent": 2, "normal": 3}
_HOTLINE_MINOR_APPEALS = frozenset({"咨询", "建议", "表扬"})


def grid_severity(level: int | None, is_emergency: bool | None, is_group: bool | None) -> int:
    """Severity of a grid report."""
    severity = level if level is not None else DEFAULT
    if is_group:
        severity = min(severity, 2)
    if is_emergency:
        severity = MOST_SERIOUS
    return severity


def hotline_severity(urgency: str, appeal_type: str) -> int:
    """Severity of a 12345 work order."""
    severity = _HOTLINE_URGENCY.get(urgency, DEFAULT)
    if severity == DEFAULT and appeal_type in _HOTLINE_MINOR_APPEALS:
        return 4
    return severity


def petition_severity(co_signers: int | None, previously_petitioned: bool | None) -> int:
    """Severity of an online petition."""
    signers = co_signers or 0
    if signers >= MASS_PETITION_SIGNERS:
        severity = 1
    elif signers >= COLLECTIVE_PETITION_SIGNERS:
        severity = 2
    else:
        severity = DEFAULT
    if previously_petitioned:
        severity = max(MOST_SERIOUS, severity - 1)
    return severity


def video_severity(alarm_priority: int) -> int:
    """Severity of a video alarm: its GB/T 28181 priority."""
    return min(max(alarm_priority, MOST_SERIOUS), LEAST_SERIOUS)
