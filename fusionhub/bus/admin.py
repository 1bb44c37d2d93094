"""Topic creation with the configured partition count, before any agent subscribes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import spec_of


def ensure_topics(clients: KafkaClients, names: Iterable[str], partitions: int) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created.

    Called at worker and service start-up. A topic of the hub's table (``bus.topics.TOPICS``)
    is created with the retention and clean-up policy the table gives it. An existing topic keeps
    its partition count and configuration: changing the count would move keys between
    partitions and split incidents. Raises kafka errors when the broker cannot be reached, which
    stops start-up with the broker's own message.
    """
    admin = clients.admin()
    try:
        existing = set(admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            new = [_new_topic(name, partitions) for name in missing]
            # Another process may win the race: the topic then exists, which is all we need.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new, raise_errors=False)
        return missing
    finally:
        admin.close()


def _new_topic(name: str, partitions: int) -> NewTopic:
    spec = spec_of(name)
    configs = dict(spec.config) if spec else {}
    return NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=configs)


def drop_topics(clients: KafkaClients, prefix: str) -> list[str]:
    """Delete every topic whose name starts with ``prefix``; returns the ones deleted.

    Called by benchmarks once a round is over, so repeated runs do not pile topics (and
    gigabytes of logs) onto the broker. Never called on the hub's own topics.
    """
    admin = clients.admin()
    try:
        doomed = sorted(t for t in admin.list_topics() if t.startswith(prefix))
        if doomed:
            admin.delete_topics(doomed)
        return doomed
    finally:
        admin.close()
