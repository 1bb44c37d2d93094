"""Incidents and the reports they produce, as a seeded, reproducible stream of source records."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from fusionhub.connectors.registry import load_sources
from fusionhub.core.spatial import local_distance_m
from fusionhub.sim.catalog import CATALOG, DEVICE_FAULTS
from fusionhub.sim.incidents import PLACES, furnish, place_neighbour
from fusionhub.sim.noise import DEFAULT_NOISE, NoiseRates
from fusionhub.sim.people import Person, jitter, person
from fusionhub.sim.places import Village
from fusionhub.sim.records import Incident, Numbering, grid_record, hotline_record, petition_record
from fusionhub.sim.spec import CategorySpec
from fusionhub.sim.video import Camera, new_camera, video_alarm

CST = timezone(timedelta(hours=8))
_BURST_MINUTES = 60


@dataclass(slots=True)
class Record:
    """One generated source record: its time, source, id, payload and true incident."""

    at: datetime
    source: str
    source_id: str
    payload: dict[str, object] | bytes
    incident_id: str | None

    @property
    def event_ref(self) -> str:
        """``SOURCE:ID`` as in docs/sources.md."""
        return f"{self.source}:{self.source_id}"


@dataclass(slots=True)
class Generator:
    """Holds the random source, id counters and cameras while records are generated."""

    rng: random.Random
    villages: Sequence[Village]
    start: datetime
    days: int
    noise: NoiseRates = DEFAULT_NOISE
    ids: Numbering = field(default_factory=Numbering)
    cameras: list[Camera] = field(default_factory=list)
    incidents: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    seed: int = 0
    _frequent: dict[str, list[Person]] = field(default_factory=dict)
    _source_rngs: dict[str, random.Random] = field(default_factory=dict)
    _by_village: dict[str, list[Camera]] = field(default_factory=dict)

    def incident(self, spec: CategorySpec, village: Village, start: datetime) -> Incident:
        """A new incident of ``spec`` somewhere in ``village`` at ``start``."""
        self.incidents += 1
        lon, lat = jitter(self.rng, village.lon, village.lat, 600.0)
        parties: tuple[Person, ...] = ()
        if spec.party:
            parties = (person(self.rng, village.county_code), person(self.rng, village.county_code))
        return Incident(
            f"I{self.incidents:06d}",
            spec,
            self.rng.choice(spec.stories),
            village,
            lon,
            lat,
            self.rng.choice(PLACES),
            self.rng.randint(1, 120),
            start,
            parties,
        )

    def random_incident(
        self, at: datetime | None = None, village: Village | None = None
    ) -> Incident:
        """An incident of a weighted random category; random daytime and village unless given."""
        spec = self.rng.choices(CATALOG, weights=[s.weight for s in CATALOG])[0]
        if at is None:
            day = self.start + timedelta(days=self.rng.randrange(self.days))
            at = day + timedelta(minutes=self.rng.randint(7 * 60, 22 * 60))
        inc = self.incident(spec, village or self.rng.choice(self.villages), at)
        furnish(self.rng, inc)
        return inc

    def neighbour(self, inc: Incident) -> Incident | None:
        """Maybe a second same-kind incident near ``inc`` (``recurring`` chance per category)."""
        if self.rng.random() >= inc.spec.recurring * self.noise.recurring_scale:
            return None
        twin = self.incident(inc.spec, inc.village, inc.start)
        furnish(self.rng, twin)
        place_neighbour(self.rng, inc, twin, self.noise)
        self.counts["neighbours"] += 1
        return twin

    def twin(self, inc: Incident) -> Incident:
        """A hard negative: same village, category and day, other families and story."""
        twin = self.incident(
            inc.spec, inc.village, inc.start + timedelta(hours=self.rng.randint(1, 6))
        )
        others = [s for s in inc.spec.stories if s != inc.story]
        if others:
            twin.story = self.rng.choice(others)
        while twin.place == inc.place:
            twin.place = self.rng.choice(PLACES)
        return twin

    def reports(self, inc: Incident) -> list[Record]:
        """Every record the sources file about ``inc``: one to several per source.

        The catalog's rates (``CategorySpec.reports``) give how many reports each source it
        names files; then every registered source's simulator hook writes its own, in the
        sources' ``sim_order`` (see ``fusionhub.sim.hooks``).
        """
        rng = self.rng
        counts = {
            s: rng.randint(1, n) for s, (p, n) in inc.spec.reports.items() if rng.random() < p
        }
        if not counts:
            counts = {next(iter(inc.spec.reports)): 1}
        records: list[Record] = []
        for spec in sorted(load_sources(), key=lambda s: s.sim_order):
            records.extend(spec.simulator_hook()(self, inc, counts.get(spec.name, 0), records))
        return records

    def source_rng(self, source: str) -> random.Random:
        """A random stream of a source's own, seeded from the run's seed: a source added to the
        simulator draws from it, so the other sources' reports stay as they were."""
        found = self._source_rngs.get(source)
        if found is None:
            found = self._source_rngs[source] = random.Random(f"{self.seed}/{source}")
        return found

    def grid_reports(self, inc: Incident, count: int, earlier: list[Record]) -> list[Record]:
        """``count`` grid reports of ``inc``; a fifth of them quote an earlier 12345 order."""
        records: list[Record] = []
        for _ in range(count):
            at = self._offset(inc, max(inc.spec.spread_minutes // 2, 10))
            quoted = self._earlier_orders(earlier, at) if self.rng.random() < 0.2 else []
            data = grid_record(self.rng, inc, at, self.ids, quoted, noise=self.noise)
            records.append(Record(at, "grid", str(data["event_code"]), data, inc.incident_id))
        return records

    def _offset(self, inc: Incident, spread_minutes: int) -> datetime:
        return inc.start + timedelta(
            minutes=self.rng.uniform(0, spread_minutes), seconds=self.rng.randint(0, 59)
        )

    def hotline_calls(self, inc: Incident, n: int) -> list[Record]:
        """``n`` hotline calls in time order; a later one may come from an earlier caller."""
        times = sorted(self._offset(inc, inc.spec.spread_minutes) for _ in range(n))
        callers: list[Person] = []
        records: list[Record] = []
        for at in times:
            repeat = bool(callers) and self.rng.random() < self.noise.repeat_call
            caller = self.rng.choice(callers) if repeat else self._caller(inc)
            data = hotline_record(
                self.rng, inc, at, caller, self.ids, noise=self.noise, repeat=repeat
            )
            self.counts["repeat_calls"] += repeat
            self.counts["hotline_" + _where_mode(data, inc)] += 1
            callers.append(caller)
            records.append(Record(at, "hotline", str(data["order_no"]), data, inc.incident_id))
        return records

    def _caller(self, inc: Incident) -> Person:
        roll = self.rng.random()
        if inc.parties and roll < 0.75:
            return inc.parties[0]
        if inc.parties and roll < 0.85:
            return inc.parties[1]
        if self.rng.random() < self.noise.frequent_caller:
            self.counts["frequent_caller_calls"] += 1
            return self.rng.choice(self._frequent_callers(inc.village.county_code))
        return person(self.rng, inc.village.county_code)

    def _frequent_callers(self, county: str) -> list[Person]:
        if county not in self._frequent:
            size = self.noise.frequent_callers_per_county
            self._frequent[county] = [person(self.rng, county) for _ in range(size)]
        return self._frequent[county]

    @staticmethod
    def _earlier_orders(records: list[Record], before: datetime) -> list[str]:
        return [r.source_id for r in records if r.source == "hotline" and r.at < before][:1]

    def petition_report(self, inc: Incident, records: list[Record]) -> Record:
        last = max((r.at for r in records), default=inc.start)
        at = last + timedelta(days=self.rng.randint(3, 12), minutes=self.rng.randint(0, 600))
        orders = [r.source_id for r in records if r.source == "hotline"]
        quoted = orders[0] if orders and self.rng.random() < 0.85 else None
        data = petition_record(self.rng, inc, at, self.ids, quoted, noise=self.noise)
        return Record(at, "petition", str(data["petition_no"]), data, inc.incident_id)

    def camera_alarm(self, inc: Incident) -> Record:
        label = inc.spec.video
        assert label is not None, "catalog gives video reports only to categories with a label"
        camera = self._camera(inc)
        at = self._offset(inc, min(inc.spec.spread_minutes, _BURST_MINUTES) // 3)
        sn = self.ids.next("sn" + camera.device_id) + 17000
        priority = max(1, min(4, inc.spec.severity - self.rng.randint(0, 1)))
        source_id, xml = video_alarm(
            self.rng,
            camera,
            at,
            sn=sn,
            label=(label.description, label.alarm_type),
            method="5",
            priority=priority,
        )
        return Record(at, "video", source_id, xml, inc.incident_id)

    def _camera(self, inc: Incident) -> Camera:
        """A camera that sees ``inc`` from ``noise.camera_m`` away: one already there, or new."""
        low, high = self.noise.camera_m
        near = [
            c
            for c in self._by_village.get(inc.village.code, [])
            if low <= local_distance_m(c.lon, c.lat, inc.lon, inc.lat) <= high
        ]
        if near and self.rng.random() < self.noise.camera_reuse:
            self.counts["camera_reused"] += 1
            return self.rng.choice(near)
        camera = new_camera(self.rng, inc, self.ids, self.noise.camera_m)
        self.cameras.append(camera)
        self._by_village.setdefault(inc.village.code, []).append(camera)
        return camera

    def device_fault(self) -> Record:
        """A device-health alarm (method 6, or method 2 with type 1-5): no incident."""
        if not self.cameras or self.rng.random() < 0.3:
            inc = self.random_incident()
            self.cameras.append(new_camera(self.rng, inc, self.ids))
        camera = self.rng.choice(self.cameras)
        description, alarm_type = self.rng.choice(DEVICE_FAULTS)
        method = "6"
        if self.rng.random() < 0.3:
            method, alarm_type = "2", self.rng.randint(1, 5)
        at = self.start + timedelta(minutes=self.rng.randrange(self.days * 1440))
        sn = self.ids.next("sn" + camera.device_id) + 17000
        source_id, xml = video_alarm(
            self.rng, camera, at, sn=sn, label=(description, alarm_type), method=method, priority=4
        )
        return Record(at, "video", source_id, xml, None)


def _where_mode(order: dict[str, object], inc: Incident) -> str:
    """``point``, ``full``, ``address_only`` or ``landmark_only``: what an order says of where."""
    address = str(order.get("address", ""))
    if "lon" in order:
        return "point"
    if not address or address.startswith(inc.village.county_name):
        return "full"
    return "address_only" if address.endswith("号") else "landmark_only"
