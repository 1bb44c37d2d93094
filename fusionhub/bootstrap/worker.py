"""The correlation worker, built: the Faust app with the hub's agents attached."""

from __future__ import annotations

import logging

import faust
from prometheus_client import CollectorRegistry

from fusionhub.bootstrap.hub import Hub
from fusionhub.bus.admin import TopicMaker
from fusionhub.bus.topic_check import check_topics
from fusionhub.heap import streaming_thresholds
from fusionhub.regions import division_lists
from fusionhub.streams.app import create_app
from fusionhub.streams.correlate import CorrelationAgents
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.routing import CaseRouter
from fusionhub.streams.worker import run_app

log = logging.getLogger(__name__)


def townships_by_county() -> dict[str, list[str]]:
    """The packaged township codes of every county code (the router creates a county's case
    topics at once)."""
    by_county: dict[str, list[str]] = {}
    for township in division_lists()[1]:
        by_county.setdefault(township.county_code, []).append(township.code)
    return by_county


def case_router(hub: Hub) -> CaseRouter:
    """The worker's router: case topics it meets are created with the topic table's
    configuration, through one admin client kept open until the router is closed."""
    maker = TopicMaker(hub.clients, hub.settings.streams.case_topic_partitions, hub.settings.topics)
    return CaseRouter(hub.topics, maker, close=maker.close, townships=townships_by_county())


def worker_app(hub: Hub) -> tuple[faust.App, CorrelationAgents]:
    """The app with every agent attached; called once at worker start-up, before the broker
    is asked for anything, so a bad setting or an unusable folder fails at once
    (``ConfigurationError``) rather than after a connection timeout.

    The worker gets its group of settings (``FUSIONHUB_STREAMS__*``: batches, snapshots,
    standby, heap freezing) whole; case topics it meets are created with the topic table's
    configuration under ``FUSIONHUB_TOPICS__*``, through one admin client kept open.
    """
    options = hub.settings.streams
    app = create_app(options, hub.clients.bootstrap)
    agents = CorrelationAgents(
        app,
        options=options,
        clients=hub.clients,
        topics=hub.topics,
        router=case_router(hub),
        codec=hub.codec,
        dead_letters=hub.dead_letters(),
        policy=hub.policy,
        metrics=StreamMetrics(CollectorRegistry()),
    )
    agents.attach()
    return app, agents


def run_worker(hub: Hub, loglevel: str = "info") -> None:
    """``fusionhub worker``: run until SIGTERM or SIGINT, then stop cleanly (offsets committed,
    topics flushed, the state of each partition snapshotted)."""
    streaming_thresholds()
    app, _ = worker_app(hub)
    hub.topic_plan.ensure()
    warn_about_topics(hub)
    run_app(app, loglevel)


def warn_about_topics(hub: Hub) -> None:
    """Log each hub topic that is not as the hub needs it (made by an older hub, or changed by
    hand): ``fusionhub topics apply`` fixes the configs."""
    _, findings = check_topics(hub.topic_plan)
    for finding in findings:
        log.warning(
            "topic %s: %s; run `fusionhub topics apply`", finding.topic, "; ".join(finding.problems)
        )
