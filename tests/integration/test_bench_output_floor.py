"""The output floor of ``bench correlate`` publishes what the real worker publishes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fusionhub.bench import faust_floor, stream
from fusionhub.bench.correlate import _worker_rate
from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.bench import StreamPhases
from fusionhub.serialization.records import CASE_SUBJECT
from fusionhub.settings import Settings
from fusionhub.streams.worker import worker_topics

pytestmark = pytest.mark.integration


def test_the_output_floor_publishes_the_case_states_the_worker_publishes(
    hub_settings: Settings, tmp_path: Path
) -> None:
    hub = Hub(hub_settings)
    phases = StreamPhases(hub)
    events = stream.prepare_events(phases.pipeline_for, hub.codec, 800)
    run = phases.new_phase("outputs")
    run.create_topics(worker_topics(run.topics))
    stream.produce(run.clients, run.topics.events, events)
    try:
        floor_rate = faust_floor.output_rate(run, tmp_path / "floor", len(events))
        worker_rate, missing = _worker_rate(run, tmp_path / "worker", len(events))
        by_floor = stream.read_topic(run.clients, faust_floor.output_topics(run).cases_all)
        by_worker = stream.read_topic(run.clients, run.topics.cases_all)
    finally:
        phases.drop_all()

    def states(records: list) -> Counter[tuple[str, int, tuple[str, ...]]]:
        decoded = (hub.codec.decode(r.value, CASE_SUBJECT) for r in records)
        return Counter((s["case_id"], s["version"], tuple(s["event_refs"])) for s in decoded)

    assert missing == 0
    assert floor_rate > 0
    assert worker_rate > 0
    assert len(by_floor) > len(events)  # more states than reports: cases grow
    assert states(by_floor) == states(by_worker)
