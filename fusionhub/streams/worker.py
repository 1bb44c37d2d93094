"""``fusionhub worker``: the Faust worker process with the hub's agents attached."""

from __future__ import annotations

import faust

from fusionhub.settings import Settings
from fusionhub.streams.admin import ensure_topics
from fusionhub.streams.app import create_app
from fusionhub.streams.skeleton import attach_relay
from fusionhub.streams.topics import TopicNames
from fusionhub.wiring import build_codec, build_dead_letters


def build_worker_app(settings: Settings) -> faust.App:
    """The app with every agent attached; called once at worker start-up."""
    app = create_app(settings)
    codec = build_codec(settings)
    attach_relay(app, codec, TopicNames(settings.topic_prefix), build_dead_letters(settings, codec))
    return app


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly (offsets committed, topics flushed)."""
    topics = TopicNames(settings.topic_prefix)
    ensure_topics(
        settings.kafka_bootstrap,
        [topics.events, f"{topics.events}.relayed", topics.dead_letter],
        settings.streams.topic_partitions,
    )
    app = build_worker_app(settings)
    worker = faust.Worker(app, loglevel=loglevel, redirect_stdouts=False)
    worker.execute_from_commandline()
