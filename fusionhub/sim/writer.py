"""``simulate``: generate incidents until the event budget is spent, then write the folder."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fusionhub.sim.generator import CST, Generator, Record
from fusionhub.sim.places import load_villages

# 诸暨 (the 枫桥经验 home county), 义乌 and 临海: rural and urban townships, three cities.
DEFAULT_COUNTIES = ("330681", "330782", "331082")
DEFAULT_START = datetime(2026, 11, 1, tzinfo=CST)


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """What was written: records per source, incidents, device faults and hard negatives."""

    records: dict[str, int]
    incidents: int
    device_faults: int
    hard_negatives: int


def simulate(
    out_dir: Path,
    seed: int,
    n_events: int,
    *,
    counties: Sequence[str] = DEFAULT_COUNTIES,
    start: datetime = DEFAULT_START,
    days: int = 14,
    hard_negative_rate: float = 0.25,
    device_fault_rate: float = 0.03,
) -> SimulationSummary:
    """Write a replay folder of exactly ``n_events`` source records into ``out_dir``.

    Called by tests and the evaluation workflow. ``truth.jsonl`` maps every event ref to its
    incident (null for device faults). Hard negatives are second incidents of a party-defined
    category in the same village on the same day between other families. Raises KeyError for
    an unknown county code.
    """
    rng = random.Random(seed)
    gen = Generator(rng, load_villages(list(counties)), start, days)
    n_faults = round(n_events * device_fault_rate)
    records: list[Record] = []
    twins = 0
    incident_ids: set[str] = set()
    while len(records) < n_events - n_faults:
        inc = gen.random_incident()
        batch = [inc]
        if inc.spec.party and rng.random() < hard_negative_rate:
            batch.append(gen.twin(inc))
            twins += 1
        for item in batch:
            records.extend(gen.reports(item))
    records = records[: n_events - n_faults]
    incident_ids.update(r.incident_id for r in records if r.incident_id)
    records.extend(gen.device_fault() for _ in range(n_faults))
    _write(out_dir, records, gen)
    return SimulationSummary(
        dict(sorted(Counter(r.source for r in records).items())), len(incident_ids), n_faults, twins
    )


def _write(out_dir: Path, records: list[Record], gen: Generator) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = sorted(records, key=lambda r: (r.at, r.source, r.source_id))
    for source in ("grid", "hotline", "petition"):
        with (out_dir / f"{source}.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
            for r in ordered:
                if r.source == source:
                    handle.write(json.dumps(r.payload, ensure_ascii=False) + "\n")
    video_dir = out_dir / "video"
    video_dir.mkdir(exist_ok=True)
    for r in ordered:
        if r.source == "video" and isinstance(r.payload, bytes):
            (video_dir / f"alarm-{r.source_id}.xml").write_bytes(r.payload)
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
