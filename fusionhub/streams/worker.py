"""``fusionhub worker``: the Faust worker process with the hub's agents attached."""

from __future__ import annotations

import logging

import faust
from prometheus_client import CollectorRegistry

from fusionhub.policies import load_policy
from fusionhub.runtime.heap import streaming_thresholds
from fusionhub.settings import Settings
from fusionhub.streams.app import create_app
from fusionhub.streams.correlate import CorrelationAgents
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.topic_specs import ensure_hub_topics
from fusionhub.streams.topics import TopicNames
from fusionhub.wiring import build_codec, build_dead_letters

log = logging.getLogger(__name__)


def build_worker_app(settings: Settings) -> tuple[faust.App, CorrelationAgents]:
    """The app with every agent attached; called once at worker start-up."""
    app = create_app(settings)
    codec = build_codec(settings)
    agents = CorrelationAgents(
        app,
        settings=settings,
        codec=codec,
        dead_letters=build_dead_letters(settings, codec),
        policy=load_policy(settings.streams.policy_file),
        metrics=StreamMetrics(CollectorRegistry()),
    )
    agents.attach()
    return app, agents


def worker_topics(settings: Settings) -> list[str]:
    """The topics a worker reads and writes that must exist with the configured partitions."""
    t = TopicNames(settings.topic_prefix)
    return [t.events, t.commands, t.dead_letter, t.device_health, t.cases_all]


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly (offsets committed, topics flushed).

    The app is built before the broker is asked for anything, so a bad setting or an unusable
    folder fails at once (``ConfigurationError``) rather than after a connection timeout.
    """
    streaming_thresholds()
    app, _ = build_worker_app(settings)
    ensure_hub_topics(settings)
    warn_about_topics(settings)
    run_app(app, loglevel)


def warn_about_topics(settings: Settings) -> None:
    """Log each hub topic that is not as the hub needs it (made by an older hub, or changed by
    hand): ``fusionhub topics apply`` fixes the configs."""
    from fusionhub.streams.topic_check import check_topics

    _, findings = check_topics(settings)
    for finding in findings:
        log.warning(
            "topic %s: %s; run `fusionhub topics apply`", finding.topic, "; ".join(finding.problems)
        )


def run_app(app: faust.App, loglevel: str = "info", event_loop: str = "uvloop") -> None:
    """Run ``app`` as a Faust worker until SIGTERM or SIGINT; the bench's floor agent too.

    ``event_loop`` is ``uvloop`` (mode's loop backend) or ``asyncio``: uvloop's callbacks,
    futures and sockets cost less, and a Faust worker makes several of each per record.
    """
    if event_loop == "uvloop":
        import mode.loop

        mode.loop.use("uvloop")
    worker = faust.Worker(app, loglevel=loglevel, redirect_stdouts=False)
    # Faust's terminal spinner, kept at WARNING and above, sets the root logger to DEBUG so it
    # can spin on every record: every library debug call then builds a log record (about 6% of
    # the worker's time, measured with py-spy). A service has no terminal to spin on.
    worker.spinner = None
    worker.execute_from_commandline()
