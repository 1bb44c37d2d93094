"""The score breakdown the engine records for every event it attaches to a case."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, init=False)
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

    # Written out: compiled, the __init__ a dataclass generates is ten times slower. Fields
    # are positional, as the dataclass's own would be.
    def __init__(  # noqa: PLR0917
        self,
        total: float,
        ref: float = 0.0,
        person: float = 0.0,
        distance: float = 0.0,
        place: float = 0.0,
        address: float = 0.0,
        time: float = 0.0,
        category: float = 0.0,
        text: float = 0.0,
        veto: str | None = None,
    ) -> None:
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "person", person)
        object.__setattr__(self, "distance", distance)
        object.__setattr__(self, "place", place)
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "veto", veto)

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
