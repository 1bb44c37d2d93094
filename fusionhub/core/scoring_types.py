"""The score breakdown the engine records for every event it attaches to a case."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """Why an event joined a case: each signal's contribution and their total.

    ``ref`` is 1.0 when the event quoted the case (or one of its reports) by number; the other
    signals are then left at zero. ``veto`` names the rule that forbade a merge, if any.
    """

    total: float
    ref: float = 0.0
    person: float = 0.0
    distance: float = 0.0
    place: float = 0.0
    address: float = 0.0
    time: float = 0.0
    category: float = 0.0
    text: float = 0.0
    veto: str | None = None

    def as_dict(self) -> dict[str, float | str | None]:
        """Plain mapping for logs and JSON output."""
        return {
            "total": round(self.total, 4),
            "ref": self.ref,
            "person": round(self.person, 4),
            "distance": round(self.distance, 4),
            "place": round(self.place, 4),
            "address": round(self.address, 4),
            "time": round(self.time, 4),
            "category": round(self.category, 4),
            "text": round(self.text, 4),
            "veto": self.veto,
        }
