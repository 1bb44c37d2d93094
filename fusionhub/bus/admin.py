"""Topic creation, description and configuration, before any agent subscribes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import TopicAlreadyExistsError

from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.options import TopicSettings
from fusionhub.bus.topics import spec_of

# A topic's partition count and its effective configs (defaults included).
TopicState = tuple[int, dict[str, str]]


def ensure_topics(
    clients: KafkaClients,
    names: Iterable[str],
    partitions: int | Mapping[str, int],
    options: TopicSettings | None = None,
    admin: Any | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created.

    Called at worker and service start-up, and by the worker for a case topic met for the first
    time. A topic of the hub's table (``bus.topics.TOPICS``) is created with the configuration
    the table gives it under ``options`` (retention, clean-up policy, compaction; the defaults
    of ``TopicSettings`` when None); another (a benchmark's scratch topic) with the broker's
    defaults. ``partitions`` is one count for all or a count per name. An existing topic keeps
    its partition count and configuration: changing the count would move keys between
    partitions and split incidents, and configs are ``fusionhub topics apply``'s business.
    ``admin`` is a client to use (and keep open), else one is opened for the call. Raises kafka
    errors when the broker cannot be reached, which stops start-up with the broker's own
    message.
    """
    own = admin is None
    admin = admin or clients.admin()
    try:
        existing = set(admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            counts = {
                n: partitions if isinstance(partitions, int) else partitions[n] for n in missing
            }
            new = [_new_topic(name, counts[name], options or TopicSettings()) for name in missing]
            # Another process may win the race: the topic then exists, which is all we need.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new, raise_errors=False)
        return missing
    finally:
        if own:
            admin.close()


def _new_topic(name: str, partitions: int, options: TopicSettings) -> NewTopic:
    spec = spec_of(name)
    configs = spec.configs(options) if spec else {}
    return NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=configs)


class TopicMaker:
    """Creates topics through one admin client kept open (opening one per request costs more
    than the request: it stalled the worker's agent when a batch met new case topics).

    Built by the composition root for the worker's case router; ``close`` when the worker
    stops. Blocking: run it off the event loop.
    """

    def __init__(self, clients: KafkaClients, partitions: int, options: TopicSettings) -> None:
        self.clients = clients
        self.partitions = partitions
        self.options = options
        self._admin: Any | None = None

    def __call__(self, names: list[str]) -> list[str]:
        """Create those of ``names`` that do not exist; returns the ones created."""
        if self._admin is None:
            self._admin = self.clients.admin()
        return ensure_topics(self.clients, names, self.partitions, self.options, self._admin)

    def close(self) -> None:
        """Close the admin client, if one was opened."""
        admin, self._admin = self._admin, None
        if admin is not None:
            admin.close()


def describe_topics(clients: KafkaClients, prefix: str) -> dict[str, TopicState]:
    """Every topic whose name starts with ``prefix``: its partition count and effective
    configs. Called by ``fusionhub topics check`` and ``apply``."""
    admin = clients.admin()
    try:
        names = sorted(t for t in admin.list_topics() if t.startswith(prefix))
        if not names:
            return {}
        counts = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        described = admin.describe_configs(resources, config_filter="all")["topic"]
        return {
            n: (counts[n], {k: str(v.get("value")) for k, v in described[n].items()}) for n in names
        }
    finally:
        admin.close()


def alter_topic_configs(clients: KafkaClients, changes: Mapping[str, Mapping[str, str]]) -> None:
    """Set the given configs on existing topics (others left as they are). Raises
    ``RuntimeError`` naming a topic the broker refused to change."""
    if not changes:
        return
    admin = clients.admin()
    try:
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, name, configs=dict(configs))
            for name, configs in changes.items()
        ]
        answers = admin.alter_configs(resources)["topic"]
        refused = {name: result for name, result in answers.items() if result != "OK"}
        if refused:
            raise RuntimeError(f"the broker refused to change topic configs: {refused}")
    finally:
        admin.close()


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
