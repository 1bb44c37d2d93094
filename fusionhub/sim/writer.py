"""``simulate``: generate incidents until the event budget is spent, then write the folder."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from fusionhub.connectors.registry import load_sources
from fusionhub.sim.catalog import CATALOG
from fusionhub.sim.generator import CST, Generator, Record
from fusionhub.sim.noise import DEFAULT_NOISE, NoiseRates
from fusionhub.sim.places import Village, load_villages
from fusionhub.sim.records import Incident

# 诸暨 (the 枫桥经验 home county), 义乌 and 临海: rural and urban townships, three cities.
DEFAULT_COUNTIES = ("330681", "330782", "331082")
DEFAULT_START = datetime(2026, 11, 1, tzinfo=CST)


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """What was written: records per source, incidents, device faults and hard negatives.

    ``days`` and ``townships`` are the span and area the incidents were spread over, and
    ``noise`` counts how often each noise model fired.
    """

    records: dict[str, int]
    incidents: int
    device_faults: int
    hard_negatives: int
    days: int = 14
    townships: int = 0
    noise: dict[str, int] = field(default_factory=dict)


def simulate(
    out_dir: Path,
    seed: int,
    n_events: int,
    *,
    counties: Sequence[str] = DEFAULT_COUNTIES,
    start: datetime = DEFAULT_START,
    days: int | None = None,
    hard_negative_rate: float = 0.25,
    device_fault_rate: float = 0.03,
    density: float | None = None,
    noise: NoiseRates = DEFAULT_NOISE,
    progress: Callable[[int], None] | None = None,
) -> SimulationSummary:
    """Write a replay folder of exactly ``n_events`` source records into ``out_dir``.

    Called by tests and the evaluation workflow. ``truth.jsonl`` maps every event ref to its
    incident (null for device faults). Hard negatives are second incidents of a party-defined
    category in the same village on the same day between other families; neighbours (see
    ``noise``) are same-kind incidents a few hundred metres apart. Without ``density`` the
    incidents spread over ``days`` (14 by default). With ``density`` (incidents per township
    per week, every township of ``counties``) the rate is fixed and the span grows until the
    ``n_events`` budget is spent; giving ``days`` too is a ValueError. Raises KeyError for an
    unknown county code. ``progress`` hears how many records each incident added.
    """
    if density is not None and (days is not None or density <= 0):
        raise ValueError("density must be positive and cannot be combined with days")
    rng = random.Random(seed)
    villages = load_villages(list(counties))
    gen = Generator(rng, villages, start, days or 14, noise=noise, seed=seed)
    arrivals = _Arrivals(gen, density, hard_negative_rate) if density else None
    n_faults = round(n_events * device_fault_rate)
    records: list[Record] = []
    twins = 0
    while len(records) < n_events - n_faults:
        inc = arrivals.next() if arrivals else gen.random_incident()
        batch = [inc]
        if inc.spec.party and rng.random() < hard_negative_rate:
            batch.append(gen.twin(inc))
            twins += 1
        neighbour = gen.neighbour(inc)
        batch += [neighbour] if neighbour else []
        before = len(records)
        for item in batch:
            records.extend(gen.reports(item))
        if progress is not None:
            progress(min(len(records), n_events - n_faults) - before)
    records = records[: n_events - n_faults]
    if arrivals:
        gen.days = arrivals.span_days()
    incident_ids = {r.incident_id for r in records if r.incident_id}
    records.extend(gen.device_fault() for _ in range(n_faults))
    if progress is not None:
        progress(n_faults)
    _write(out_dir, records, gen)
    return SimulationSummary(
        dict(sorted(Counter(r.source for r in records).items())),
        len(incident_ids),
        n_faults,
        twins,
        gen.days,
        len({v.township_code for v in gen.villages}),
        dict(sorted(gen.counts.items())),
    )


class _Arrivals:
    """Incident starts as a Poisson process: ``density`` per township per week, all included.

    Twins and neighbours are incidents too, so the base rate is lowered by how many of them an
    incident brings on average; each arrival picks a township uniformly, then a village in it.
    """

    def __init__(self, gen: Generator, density: float, hard_negative_rate: float) -> None:
        self.gen = gen
        towns: dict[str, list[Village]] = {}
        for v in gen.villages:
            towns.setdefault(v.township_code, []).append(v)
        self.towns = [towns[code] for code in sorted(towns)]
        total = sum(s.weight for s in CATALOG)
        extra = sum(
            s.weight
            / total
            * (s.party * hard_negative_rate + s.recurring * gen.noise.recurring_scale)
            for s in CATALOG
        )
        self.per_day = density * len(self.towns) / 7.0 / (1.0 + extra)
        self.t = 0.0

    def next(self) -> Incident:
        """The next incident in time order."""
        rng = self.gen.rng
        self.t += rng.expovariate(self.per_day)
        day = self.gen.start + timedelta(days=int(self.t))
        at = day + timedelta(minutes=rng.randint(7 * 60, 22 * 60))
        return self.gen.random_incident(at, rng.choice(rng.choice(self.towns)))

    def span_days(self) -> int:
        """Whole days from the start to the last arrival."""
        return int(self.t) + 1


def _write(out_dir: Path, records: list[Record], gen: Generator) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = sorted(records, key=lambda r: (r.at, r.source, r.source_id))
    for spec in load_sources():
        if spec.file_kind == "xml":
            # One document a file, in a folder named after the source (video/<id>.xml).
            folder = out_dir / spec.name
            folder.mkdir(exist_ok=True)
            for r in ordered:
                if r.source == spec.name and isinstance(r.payload, bytes):
                    (folder / f"{r.source_id}.xml").write_bytes(r.payload)
            continue
        with (out_dir / f"{spec.name}.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
            for r in ordered:
                if r.source == spec.name:
                    handle.write(json.dumps(r.payload, ensure_ascii=False) + "\n")
    with (out_dir / "cameras.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("device_id", "name", "lon", "lat", "crs", "grid_code", "township_code"))
        for cam in sorted(
            {c.device_id: c for c in gen.cameras}.values(), key=lambda c: c.device_id
        ):
            writer.writerow(
                (
                    cam.device_id,
                    cam.name,
                    cam.lon,
                    cam.lat,
                    "WGS84",
                    cam.grid_code,
                    cam.township_code,
                )
            )
    with (out_dir / "truth.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
        for r in sorted(records, key=lambda r: r.event_ref):
            line = {"event_ref": r.event_ref, "incident_id": r.incident_id}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
