"""The one place Kafka clients are built: kafka-python's producer, consumer and admin client,
and aiokafka's producer and consumer.

Every part of the hub that talks to Kafka (ingest, the worker, the sink, the read API's live feed
and actions, the tools and benchmarks) asks a ``KafkaClients`` for its client, so the bootstrap
address and whatever every client must share (a client-id prefix today; TLS or SASL options
would go here) are set once. Callers pass only what is theirs to choose: acks, batching, group.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient


class KafkaClients:
    """Builds Kafka clients for one cluster. Cheap to make and to share: it holds no client.

    Built once by the composition root (``fusionhub.bootstrap``) and handed to whatever needs
    a client. Each method returns a new, unstarted client (kafka-python's connect when built,
    aiokafka's when started); the caller owns it and closes it.
    """

    def __init__(self, bootstrap: str, client_prefix: str = "fusionhub") -> None:
        self.bootstrap = bootstrap
        self.client_prefix = client_prefix

    def client_id(self, role: str) -> str:
        """The client id of a client playing ``role`` (``ingest``, ``admin``...), for broker
        logs and quotas."""
        return f"{self.client_prefix}-{role}"

    def producer(self, role: str, **options: Any) -> Any:
        """A kafka-python ``KafkaProducer``; ``options`` are its keyword arguments (acks,
        linger_ms, ...). Raises kafka-python's errors when no broker answers in time."""
        return KafkaProducer(
            bootstrap_servers=self.bootstrap, client_id=self.client_id(role), **options
        )

    def consumer(self, *topics: str, role: str = "reader", **options: Any) -> Any:
        """A kafka-python ``KafkaConsumer``, subscribed to ``topics`` when any are given; with
        no ``group_id`` option it belongs to no group (assign partitions yourself)."""
        options.setdefault("client_id", self.client_id(role))
        return KafkaConsumer(*topics, bootstrap_servers=self.bootstrap, **options)

    def admin(self, **options: Any) -> Any:
        """A kafka-python ``KafkaAdminClient`` (topic creation, listing, deletion)."""
        options.setdefault("client_id", self.client_id("admin"))
        return KafkaAdminClient(bootstrap_servers=self.bootstrap, **options)

    def async_producer(self, role: str, **options: Any) -> AIOKafkaProducer:
        """An aiokafka producer, not started; the caller awaits ``start()`` and ``stop()``."""
        options.setdefault("client_id", self.client_id(role))
        return AIOKafkaProducer(bootstrap_servers=self.bootstrap, **options)

    def async_consumer(self, *topics: str, **options: Any) -> AIOKafkaConsumer:
        """An aiokafka consumer of ``topics`` (or to be assigned), not started."""
        return AIOKafkaConsumer(*topics, bootstrap_servers=self.bootstrap, **options)
