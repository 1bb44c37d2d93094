"""The correlation worker, built: the Faust app with the hub's agents attached."""

from __future__ import annotations

import logging
from collections.abc import Iterable

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
from fusionhub.streams.routing import CaseRouter, county_topics
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
    maker = _topic_maker(hub)
    return CaseRouter(hub.topics, maker, close=maker.close, townships=townships_by_county())


def _topic_maker(hub: Hub) -> TopicMaker:
    return TopicMaker(hub.clients, hub.settings.streams.case_topic_partitions, hub.settings.topics)


def create_case_topics(hub: Hub, counties: Iterable[str] | None = None) -> list[str]:
    """Create the case topics of ``counties`` (every county of the packaged divisions when
    None) that do not exist yet, as the worker creates them at a county's first case; returns
    the topics created.

    Called by ``fusionhub topics create-cases`` at deployment, and by the latency benchmark
    before it paces reports: a county's first case otherwise waits while the broker makes its
    topics, and the broker's other traffic slows meanwhile. Raises ValueError naming codes
    that are no county of the divisions (before creating anything), kafka errors when the
    broker cannot be reached.
    """
    townships = townships_by_county()
    chosen = sorted(townships) if counties is None else sorted(set(counties))
    unknown = [code for code in chosen if code not in townships]
    if unknown:
        raise ValueError(f"not a county code of the divisions: {', '.join(unknown)}")
    maker = _topic_maker(hub)
    try:
        return maker([n for c in chosen for n in county_topics(hub.topics, c, townships[c])])
    finally:
        maker.close()


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
