"""Topic creation, description and configuration, before any agent subscribes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

# A topic's partition count and its effective configs (defaults included).
TopicState = tuple[int, dict[str, str]]


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int | Mapping[str, int],
    configs: Mapping[str, Mapping[str, str]] | None = None,
    admin: KafkaAdminClient | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created.

    Called at worker and service start-up and when a case topic is first met. ``partitions``
    is one count for all or a count per name; ``configs`` gives a topic its configs (the hub's
    are in ``topic_specs``). An existing topic keeps its partition count and configs: changing
    the count would move keys between partitions and split incidents, and configs are
    ``fusionhub topics apply``'s business. ``admin`` is a client to use (and keep open),
    else one is opened for the call. Raises kafka errors when the broker cannot be reached,
    which stops start-up with the broker's own message.
    """
    own = admin is None
    admin = admin or KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fusionhub-admin")
    try:
        existing = set(admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            new = [
                NewTopic(
                    n,
                    num_partitions=partitions if isinstance(partitions, int) else partitions[n],
                    replication_factor=1,
                    topic_configs=dict((configs or {}).get(n, {})),
                )
                for n in missing
            ]
            # Another process may win the race: the topic then exists, which is all we need.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new, raise_errors=False)
        return missing
    finally:
        if own:
            admin.close()


def describe_topics(bootstrap: str, prefix: str) -> dict[str, TopicState]:
    """Every topic whose name starts with ``prefix``: its partition count and effective
    configs. Called by ``fusionhub topics check`` and ``apply``."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fusionhub-admin")
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


def alter_topic_configs(bootstrap: str, changes: Mapping[str, Mapping[str, str]]) -> None:
    """Set the given configs on existing topics (others left as they are). Raises
    ``RuntimeError`` naming a topic the broker refused to change."""
    if not changes:
        return
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fusionhub-admin")
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


def drop_topics(bootstrap: str, prefix: str) -> list[str]:
    """Delete every topic whose name starts with ``prefix``; returns the ones deleted.

    Called by benchmarks once a round is over, so repeated runs do not pile topics (and
    gigabytes of logs) onto the broker. Never called on the hub's own topics.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fusionhub-admin")
    try:
        doomed = sorted(t for t in admin.list_topics() if t.startswith(prefix))
        if doomed:
            admin.delete_topics(doomed)
        return doomed
    finally:
        admin.close()
