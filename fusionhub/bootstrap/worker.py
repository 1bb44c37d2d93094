"""The correlation worker, built: the Faust app with the hub's agents attached."""

from __future__ import annotations

import faust
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap.hub import Hub
from fusionhub.streams.app import create_app
from fusionhub.streams.correlate import CorrelationAgents
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.routing import CaseRouter
from fusionhub.streams.worker import run_app, worker_topics


def worker_app(hub: Hub) -> tuple[faust.App, CorrelationAgents]:
    """The app with every agent attached; called once at worker start-up, before the broker
    is asked for anything, so a bad setting or an unusable folder fails at once
    (``ConfigurationError``) rather than after a connection timeout."""
    options = hub.settings.streams
    app = create_app(options, hub.clients.bootstrap)
    case_partitions = options.case_topic_partitions
    agents = CorrelationAgents(
        app,
        options=options,
        clients=hub.clients,
        topics=hub.topics,
        router=CaseRouter(hub.topics, lambda names: hub.ensure_topics(names, case_partitions)),
        codec=hub.codec,
        dead_letters=hub.dead_letters(),
        policy=hub.policy,
        metrics=StreamMetrics(CollectorRegistry()),
    )
    agents.attach()
    return app, agents


def run_worker(hub: Hub, loglevel: str = "info") -> None:
    """``fusionhub worker``: run until SIGTERM or SIGINT, then stop cleanly (offsets committed,
    topics flushed)."""
    app, _ = worker_app(hub)
    hub.ensure_topics(worker_topics(hub.topics))
    run_app(app, loglevel)
