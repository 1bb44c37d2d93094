"""Conversion output pinned byte for byte: speed work on the connector path must change nothing.

``conversion_golden.json`` holds a fixed set of inputs (simulated reports of every source, the
rejection table's malformed payloads and seeded one-field mutations) and, per input, a digest of
everything converting it gives: topic, key, outcome and value bytes (for dead letters,
their fields and the unsealed original, since sealing draws a random IV). A change that means to
alter the output regenerates the file and says so in review:

    .venv/bin/python -m tests.unit.ingest.test_conversion_golden --update

The update keeps the pinned inputs as they are and adds inputs only for a source that has none
yet (a new source: simulated reports, its refused inputs, seeded mutations of them), so the
digests of the others change only if their output did. ``--fresh`` samples every input anew.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_connectors
from fusionhub.bus.topics import TopicNames
from fusionhub.connectors.registry import load_sources
from fusionhub.core.events import Source
from fusionhub.ingest.metrics import IngestMetrics
from fusionhub.ingest.pipeline import IngestPipeline, SeenRefs
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT
from fusionhub.settings import IngestSettings, SecretSettings, Settings
from fusionhub.sources.grid import GRID
from fusionhub.sources.hotline import HOTLINE
from fusionhub.sources.petition import PETITION
from fusionhub.sources.video import VIDEO

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).with_name("conversion_golden.json")
FIXED_CLOCK = datetime(2026, 12, 3, 1, 0, 0, 123456, tzinfo=UTC)
PII_KEY = "golden-conversion-pii-key-0123456789"
SEALING_KEY = base64.urlsafe_b64encode(b"golden-conversion-sealing-key-32").decode()

Input = tuple[Source, bytes, str | None]


def test_every_pinned_input_converts_to_exactly_the_pinned_records(tmp_path: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    inputs = [_decode_input(item) for item in golden["inputs"]]
    got = digests(inputs, golden["cameras_csv"], tmp_path)
    changed = [
        f"#{i} {inputs[i][0].value}: {inputs[i][1][:60]!r}"
        for i, (old, new) in enumerate(zip(golden["digests"], got, strict=True))
        if old != new
    ]
    assert not changed, f"{len(changed)} inputs convert differently:\n" + "\n".join(changed[:20])


def digests(inputs: list[Input], cameras_csv: str, workdir: Path) -> list[str]:
    """Per input, the sha256 of everything its conversion gives, with a fixed clock and keys."""
    cameras = workdir / "cameras.csv"
    cameras.write_text(cameras_csv, encoding="utf-8")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secrets=SecretSettings(pii_key=PII_KEY, sealing_key=SEALING_KEY),
        ingest=IngestSettings(cameras_csv=cameras),
    )
    hub = Hub(settings)
    codec = hub.codec
    letters = DeadLetterWriter(codec, SEALING_KEY.encode(), clock=lambda: FIXED_CLOCK)
    pipeline = IngestPipeline(
        connectors=build_connectors(hub),
        codec=codec,
        dead_letters=letters,
        topics=TopicNames(settings.topic_prefix),
        metrics=IngestMetrics(CollectorRegistry()),
        seen=SeenRefs(),
        clock=lambda: FIXED_CLOCK,
    )
    out = []
    for source, payload, content_type in inputs:
        digest = hashlib.sha256()
        for item in pipeline.convert(source, payload, content_type):
            rec = item.record
            value: Any = rec.value.hex()
            if item.outcome.status == "rejected":
                fields = codec.decode(rec.value, DEAD_LETTER_SUBJECT)
                fields["original_sealed"] = letters.open(fields["original_sealed"]).hex()
                value = sorted(fields.items())
            line = (rec.topic, rec.key, item.outcome, value)
            digest.update(repr(line).encode())
        out.append(digest.hexdigest())
    return out


def _decode_input(item: dict[str, Any]) -> Input:
    return Source(item["source"]), base64.b64decode(item["payload"]), item["content_type"]


def _sampled_inputs(feed: Path, rng: random.Random) -> list[Input]:
    """Reports of every source from a simulated feed, then malformed and mutated ones."""
    from tests.unit.connectors.test_connector_rejections import CASES

    inputs: list[Input] = []
    for source, count in ((GRID, 40), (HOTLINE, 60), (PETITION, 20)):
        lines = (feed / f"{source.value}.jsonl").read_bytes().splitlines()
        inputs += [(source, line, None) for line in rng.sample(lines, count)]
    alarms = sorted((feed / "video").glob("*.xml"))
    inputs += [(VIDEO, p.read_bytes(), None) for p in rng.sample(alarms, 20)]
    inputs += [(c.source, c.payload, c.content_type) for c in CASES]
    inputs += [_mutated(source, payload, rng) for source, payload, _ in inputs[:120]]
    return inputs


_ODD_VALUES: list[Any] = [None, 7, 1.5, True, "", "  ", "x" * 600, [], {}, "2026-13-45T99:00:00"]
_ODD_VALUES += ["1999-01-01T00:00:00", "13857512345", "330681197304152316", "GCJ02", "bd09", 0]


def _mutated(source: Source, payload: bytes, rng: random.Random) -> Input:
    """One field of a JSON report deleted or set to an odd value."""
    doc = json.loads(payload)
    key = rng.choice(sorted(doc))
    if rng.random() < 0.2:
        del doc[key]
    else:
        doc[key] = rng.choice(_ODD_VALUES)
    return source, json.dumps(doc, ensure_ascii=rng.random() < 0.3).encode(), None


def regenerate(fresh: bool = False) -> None:
    """Write ``conversion_golden.json`` again from a simulated feed (seed 11): the pinned
    inputs kept and a new source's added (or, ``fresh``, every input sampled anew)."""
    from fusionhub.sim.writer import simulate

    pinned = {} if fresh or not GOLDEN.exists() else json.loads(GOLDEN.read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp)
        simulate(feed, 11, 3000)
        rng = random.Random(11)
        if pinned:
            inputs = [_decode_input(item) for item in pinned["inputs"]]
            inputs += _new_source_inputs(feed, rng, {s for s, _, _ in inputs})
            cameras_csv = pinned["cameras_csv"]
        else:
            inputs = _sampled_inputs(feed, rng)
            cameras_csv = (feed / "cameras.csv").read_text(encoding="utf-8")
            used = [line for line in cameras_csv.splitlines()[1:] if _camera_used(line, inputs)]
            cameras_csv = "\n".join([cameras_csv.splitlines()[0], *used]) + "\n"
        golden = {
            "inputs": [
                {"source": s.value, "payload": base64.b64encode(p).decode(), "content_type": ct}
                for s, p, ct in inputs
            ],
            "cameras_csv": cameras_csv,
            "digests": digests(inputs, cameras_csv, feed),
        }
    GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{GOLDEN}: {len(inputs)} inputs")


def _new_source_inputs(feed: Path, rng: random.Random, pinned: set[Source]) -> list[Input]:
    """For each JSON source with no pinned input: 40 simulated reports, its refused inputs of
    the connector tests, and a mutation of each report."""
    from tests.unit.connectors import test_pingan

    bad = [(c.source, c.payload, c.content_type) for c in test_pingan.PINGAN_CASES]
    inputs: list[Input] = []
    for spec in load_sources():
        if spec.source in pinned or spec.file_kind != "jsonl":
            continue
        lines = (feed / f"{spec.name}.jsonl").read_bytes().splitlines()
        reports = [(spec.source, line, None) for line in rng.sample(lines, 40)]
        inputs += reports + [b for b in bad if b[0] == spec.source]
        inputs += [_mutated(source, payload, rng) for source, payload, _ in reports]
    return inputs


def _camera_used(line: str, inputs: list[Input]) -> bool:
    device = line.split(",", 1)[0].encode()
    return any(s is VIDEO and device in p for s, p, _ in inputs)


if __name__ == "__main__" and "--update" in sys.argv:
    regenerate(fresh="--fresh" in sys.argv)
