"""The worker's consumer does not sit out a long poll on its idle partitions while a busy one
waits to be consumed: a record arriving then is fetched within the configured fetch wait.

aiokafka keeps one fetch in flight per broker. A partition whose records were fetched but are
not yet consumed is left out of the next fetch (after 100 ms), so that fetch asks only for the
idle partitions, and the broker holds it for the consumer's fetch wait. Faust writes 1.5 s
there; the worker's transport sets its own (``FUSIONHUB_STREAMS__FETCH_MAX_WAIT_MS``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.settings import Settings
from fusionhub.streams.app import create_app
from fusionhub.streams.options import StreamSettings
from fusionhub.streams.transport import FetchWaitTransport

pytestmark = pytest.mark.integration


async def delay_after_a_slow_consumer(
    bootstrap: str, options: StreamSettings, busy: str, idle: str
) -> float:
    """Seconds from producing a record to the busy topic until the worker's consumer hands it
    over, when the record before it stayed unconsumed for half a second."""
    app = create_app(options, bootstrap)
    assert isinstance(app.transport, FetchWaitTransport)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)  # type: ignore[attr-defined]
    producer = KafkaClients(bootstrap).producer("test-fetch-wait", acks="all")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(busy, 0), TopicPartition(idle, 0)])
        await consumer.seek_to_end()
        producer.send(busy, b"first").get(10)
        # Fetched and left unconsumed: the next fetch asks only for the idle topic.
        await asyncio.sleep(0.5)
        assert (await asyncio.wait_for(consumer.getone(), 10)).value == b"first"
        sent = time.monotonic()
        producer.send(busy, b"second").get(10)
        assert (await asyncio.wait_for(consumer.getone(), 10)).value == b"second"
        return time.monotonic() - sent
    finally:
        producer.close()
        await consumer.stop()


def test_a_record_behind_one_consumed_late_is_fetched_within_the_configured_wait(
    hub_settings: Settings, tmp_path: Path
) -> None:
    busy, idle = f"{hub_settings.topic_prefix}.busy", f"{hub_settings.topic_prefix}.idle"
    ensure_topics(KafkaClients(hub_settings.kafka_bootstrap), [busy, idle], 1)
    options = StreamSettings(app_id=f"{hub_settings.topic_prefix}-fw", data_dir=tmp_path)
    assert options.fetch_max_wait_ms == 100
    delays = [
        asyncio.run(delay_after_a_slow_consumer(hub_settings.kafka_bootstrap, options, busy, idle))
        for _ in range(3)
    ]
    # Measured: 5-9 ms each; with Faust's own 1500 ms, 1.10 s each (docs/state.md, "Fetch wait").
    assert max(delays) < 0.5, delays
