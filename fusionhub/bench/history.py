"""A partition's history for ``fusionhub bench recovery``: months of reports and the actions
that close their cases, as the event log would hold them.

Incidents arrive at a steady rate (``per_day`` reports, one partition of a province: a few
counties), each reported one to three times by the grid, the hotline or petitions within a few
hours, at a village of Zhejiang. Most cases are accepted within hours, dispatched, resolved in
one to four days and closed by the citizen's evaluation a day later; one in ten stays open
longer (resolved after two to six weeks), a few never close, and now and then a resolved
problem comes back as a repeat complaint. So the live state at the end is the open and recently
closed cases, not the whole history.

The case ids the actions name are those the engine gives: the history is correlated as it is
generated (``CaseBook``), which also gives the uninterrupted run's cases to compare with.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from fusionhub.bench.engine import villages
from fusionhub.core.casebook import CaseAction, CaseBook
from fusionhub.core.events import Event, GeoPoint, Jurisdiction, Party, Source
from fusionhub.core.policy import CorrelationPolicy
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.actions import action_to_record
from fusionhub.serialization.records import COMMAND_SUBJECT, EVENT_SUBJECT, event_to_record

START = datetime(2025, 6, 1, tzinfo=timezone(timedelta(hours=8)))
_CATEGORIES = (
    ("dispute.neighbour", "两户人家因为排水沟边界问题发生争吵需要调解"),
    ("street_vending", "路口有流动摊贩占道经营影响通行"),
    ("noise", "工地晚上施工噪音很大影响休息"),
    ("sanitation", "小区门口垃圾堆放多日无人清运"),
    ("roads", "村道路面塌陷有安全隐患"),
    ("wage_arrears", "工地老板拖欠工资三个月没发"),
    ("pollution", "工厂晚上排放废气味道刺鼻"),
    ("consultation", "咨询医保报销政策"),
)
_SOURCES = (Source.of("grid"), Source.of("hotline"), Source.of("petition"))
Record = tuple[bytes, bytes]


@dataclass(slots=True)
class History:
    """Generates the log record by record; ``book`` is the uninterrupted run over it."""

    policy: CorrelationPolicy
    codec: AvroCodec
    per_day: int
    seed: int
    book: CaseBook = field(init=False)
    rng: random.Random = field(init=False)
    places: list[tuple[str, float, float]] = field(init=False)
    clock: datetime = START
    reports: int = 0
    last_ref: str = ""
    reports_out: int = 0
    _seq: int = 0
    _due: list[tuple[datetime, int, CaseAction]] = field(default_factory=list)
    _followups: list[tuple[datetime, int, Event]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.book = CaseBook(self.policy)
        self.rng = random.Random(self.seed)
        # A partition holds a few counties: the villages of three of them.
        every = villages()
        counties = sorted({code[:6] for code, _, _ in every})
        chosen = set(random.Random(self.seed).sample(counties, 3))
        self.places = [v for v in every if v[0][:6] in chosen]

    @property
    def days(self) -> float:
        """How many days of history were generated so far."""
        return (self.clock - START).total_seconds() / 86_400

    def through_next_report(self) -> list[Record]:
        """The next records of the log up to and including the next report (actions may come
        first); ``last_ref`` is then that report's ref."""
        records = []
        reports = self.reports_out
        while self.reports_out == reports:
            records.append(self._next())
        return records

    def records(self, n: int) -> Iterator[Record]:
        """The next ``n`` records of the log (reports and actions, in log order)."""
        for _ in range(n):
            yield self._next()

    def _next(self) -> Record:
        nxt = self._due[0][0] if self._due else None
        follow = self._followups[0][0] if self._followups else None
        if nxt is not None and nxt <= self.clock and (follow is None or nxt <= follow):
            return self._action(heapq.heappop(self._due)[2])
        if follow is not None and follow <= self.clock:
            return self._event(heapq.heappop(self._followups)[2])
        self.clock += timedelta(seconds=86_400 / self.per_day)
        return self._event(self._incident())

    def _incident(self) -> Event:
        place = self.rng.choice(self.places)
        category, text = self.rng.choice(_CATEGORIES)
        first = self._report(place, category, text, self.clock)
        gaps = [timedelta(minutes=self.rng.randint(10, 240))] * self.rng.choice((0, 0, 1, 1, 2))
        if self.rng.random() < 0.03:
            gaps.append(timedelta(days=self.rng.uniform(5, 10)))  # the problem comes back
        for gap in gaps:
            later = self.clock + gap
            follow = self._report(place, category, text, later)
            self._seq += 1
            heapq.heappush(self._followups, (later, self._seq, follow))
        return first

    def _report(
        self, place: tuple[str, float, float], category: str, text: str, at: datetime
    ) -> Event:
        self.reports += 1
        code, lon, lat = place
        source = self.rng.choice(_SOURCES)
        source_id = f"H{self.seed}-{self.reports:08d}"
        jitter = self.rng.uniform(-0.0005, 0.0005)
        return Event(
            event_ref=f"{source.value}:{source_id}",
            source=source,
            source_id=source_id,
            occurred_at=at.replace(microsecond=0),
            received_at=at.replace(microsecond=0),
            category=category,
            platform=self.policy.category(category).platform,
            severity=3,
            text=f"{text}，{code[-3:]}号附近",
            jurisdiction=Jurisdiction(code[:6], code[:9], code),
            point=GeoPoint(round(lon + jitter, 6), round(lat + jitter, 6)),
            address=f"{code[-3:]}号",
            parties=(Party("caller", phone_token=f"p{self.rng.randrange(10**8):08d}"),),
        )

    def _event(self, event: Event) -> Record:
        self.last_ref = event.event_ref
        self.reports_out += 1
        for change in self.book.on_event(event).changes:
            if change.change in ("opened", "repeat_opened"):
                self._plan(change.case.case_id, change.case.county_code or "", event.occurred_at)
        key = (event.jurisdiction.county_code or "").encode()
        return key, self.codec.encode(EVENT_SUBJECT, event_to_record(event))

    def _plan(self, case_id: str, county: str, opened: datetime) -> None:
        """Schedule the actions that will close the case (most within days)."""
        r = self.rng.random()
        if r < 0.03:
            return  # never handled in this history
        hours = self.rng.uniform(1, 6)
        # Most are resolved within days; one in ten runs overdue (the overdue check escalates
        # it) and is resolved after two to six weeks. Each is dispatched again just before it
        # is resolved, which an escalated case needs.
        resolve = hours + self.rng.uniform(4, 72) if r < 0.9 else self.rng.uniform(336, 1000)
        steps = [("accept", hours), ("dispatch", hours + 1), ("dispatch", resolve - 0.1)]
        steps.append(("resolve", resolve))
        steps.append(("close", resolve + self.rng.uniform(4, 48)))
        for n, (name, after) in enumerate(steps):
            at = (opened + timedelta(hours=after)).replace(microsecond=0)
            action = CaseAction(
                command_id=f"{case_id}-{n}",
                case_id=case_id,
                action=name,
                actor="值班员",
                issued_at=at,
                department="属地街道",
                note="已处理",
                evaluation="满意",
                county_code=county,
            )
            self._seq += 1
            heapq.heappush(self._due, (at, self._seq, action))

    def _action(self, action: CaseAction) -> Record:
        self.book.on_action(action)
        value = self.codec.encode(COMMAND_SUBJECT, action_to_record(action))
        return (action.county_code or "").encode(), value
