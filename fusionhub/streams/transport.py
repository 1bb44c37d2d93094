"""Faust's Kafka transport with the consumer's fetch wait taken from the settings.

faust-streaming builds its worker consumer with ``fetch_max_wait_ms=1500`` written into the
driver, with no setting to change it. aiokafka keeps one fetch request in flight per broker,
and from 100 ms after fetching a partition's records it leaves that partition out of the
request until they are consumed. So while the correlator works through its event partitions'
records, the request in flight asks only for the idle partitions (commands, a quiet county),
and the broker holds it for the whole wait. Records arriving on the busy partitions meanwhile
are fetched up to 1.5 s late. A worker running near its capacity then stays about a second
behind: this was the latency "collapse" seen in about one paced benchmark run in four
(docs/state.md, "Fetch wait").

The wait is the broker's maximum hold time for a fetch with nothing to return. A shorter wait
costs only a few more empty fetch round trips a second while the hub is idle.
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka


class FetchWaitConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, building its worker consumer with the transport's fetch wait."""

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        """Called by Faust once, when the consumer thread starts; Faust builds the consumer and
        this sets its fetch wait before it starts (aiokafka hands the wait to its fetcher at
        ``start``). Fails at start-up if aiokafka no longer keeps the wait where expected."""
        consumer = super()._create_worker_consumer(transport)
        if not hasattr(consumer, "_fetch_max_wait_ms"):
            raise RuntimeError(
                "aiokafka's consumer no longer has _fetch_max_wait_ms: "
                "fusionhub.streams.transport needs updating for this aiokafka version"
            )
        consumer._fetch_max_wait_ms = transport.fetch_max_wait_ms
        return consumer


class FetchWaitConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, running a ``FetchWaitConsumerThread``."""

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        """Called by Faust when the consumer service is created."""
        return FetchWaitConsumerThread(self, loop=self.loop, beacon=self.beacon)


class FetchWaitTransport(faust_aiokafka.Transport):
    """Faust's aiokafka transport whose consumer waits at most ``fetch_max_wait_ms`` for a
    fetch with no records. Set on the app by ``create_app`` before anything uses it."""

    Consumer = FetchWaitConsumer

    def __init__(self, *args: Any, fetch_max_wait_ms: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fetch_max_wait_ms = fetch_max_wait_ms
