"""The shape of one simulated category: how each source labels, words and reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VideoLabel:
    """How a camera reports this category (GB/T 28181 alarm, method 5 = video analytics)."""

    description: str
    alarm_type: int | None


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """One unified category as the four sources express it.

    ``stories`` are the distinct incidents of this category; each is a list of phrasings of the
    same facts, so reports of one incident share words while two incidents differ. ``reports``
    gives, per source, the chance it reports an incident and how many reports at most.
    ``entity`` is the kind of named party behind the incident (``company``, ``employer``,
    ``road``, ``shop``) and ``recurring`` the chance of a second, same-kind incident nearby.
    """

    code: str
    weight: float
    grid: tuple[str, str]
    hotline: str
    petition: str
    video: VideoLabel | None
    stories: tuple[tuple[str, ...], ...]
    reports: dict[str, tuple[float, int]]
    spread_minutes: int
    party: bool = False
    severity: int = 3
    entity: str | None = None
    recurring: float = 0.0
