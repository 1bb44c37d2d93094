from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaProducer

from fusionhub.bench import faust_floor
from fusionhub.settings import Settings
from fusionhub.streams.admin import ensure_topics
from fusionhub.streams.topics import TopicNames
from tests.support import read_topic

pytestmark = pytest.mark.integration


def test_the_faust_floor_agent_copies_every_record_and_reports_its_rate(
    hub_settings: Settings, tmp_path: Path
) -> None:
    events = TopicNames(hub_settings.topic_prefix).events
    target = f"{hub_settings.topic_prefix}.faust-floor"
    ensure_topics(hub_settings.kafka_bootstrap, [events, target], 4)
    producer = KafkaProducer(bootstrap_servers=hub_settings.kafka_bootstrap, linger_ms=5)
    sent = {f"record-{i}".encode() for i in range(3000)}
    for value in sent:
        producer.send(events, value, key=value[-2:])
    producer.flush()
    producer.close()
    rate = faust_floor.rate(hub_settings, tmp_path, len(sent))
    assert rate > 0
    assert set(read_topic(hub_settings.kafka_bootstrap, target, len(sent))) == sent
