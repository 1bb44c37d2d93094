from __future__ import annotations

from pathlib import Path

import pytest

from fusionhub.bench import faust_floor
from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.bench import StreamPhases
from fusionhub.settings import Settings
from tests.support import read_topic

pytestmark = pytest.mark.integration


def test_the_faust_floor_agent_copies_every_record_and_reports_its_rate(
    hub_settings: Settings, tmp_path: Path
) -> None:
    phases = StreamPhases(Hub(hub_settings))
    run = phases.new_phase("floor")
    events, target = run.topics.events, f"{run.topics.prefix}.faust-floor"
    run.create_topics([events, target])
    producer = run.clients.producer("test", linger_ms=5)
    sent = {f"record-{i}".encode() for i in range(3000)}
    for value in sent:
        producer.send(events, value, key=value[-2:])
    producer.flush()
    producer.close()
    try:
        rate = faust_floor.rate(run, tmp_path, len(sent))
        assert rate > 0
        assert set(read_topic(hub_settings.kafka_bootstrap, target, len(sent))) == sent
    finally:
        phases.drop_all()
