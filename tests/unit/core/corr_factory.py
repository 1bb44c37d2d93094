"""Events as a connector would build them, for the correlation and lifecycle tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fusionhub.core.events import Event, GeoPoint, Jurisdiction, Party, Source
from fusionhub.core.policy import default_policy

CST = timezone(timedelta(hours=8))
POLICY = default_policy()


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """A time in 2026, China Standard Time."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=CST)


def make_event(
    source: Source,
    source_id: str,
    when: datetime,
    category: str,
    text: str,
    *,
    village: str | None = "330681109290",
    township: str | None = "330681109",
    point: tuple[float, float] | None = None,
    address: str | None = None,
    tokens: tuple[str, ...] = (),
    refs: tuple[str, ...] = (),
    severity: int = 3,
    title: str | None = None,
) -> Event:
    """One unified event; each token becomes a party's phone token."""
    return Event(
        event_ref=f"{source.value}:{source_id}",
        source=source,
        source_id=source_id,
        occurred_at=when,
        received_at=when,
        category=category,
        platform=POLICY.category(category).platform,
        severity=severity,
        text=text,
        title=title,
        jurisdiction=Jurisdiction(
            county_code=(township or village or "330681")[:6],
            township_code=township,
            village_code=village,
        ),
        point=GeoPoint(*point) if point else None,
        address=address,
        parties=tuple(Party("involved", phone_token=t) for t in tokens),
        refs=refs,
    )


def moved(point: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    """A point some metres east and north of another (near 29.6 degrees north)."""
    return point[0] + east_m / 96_900.0, point[1] + north_m / 110_574.0
