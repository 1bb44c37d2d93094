"""``fusionhub up``: the broker (when local), the topics, the database, and every service."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fusionhub.broker.launcher import LocalKafkaBroker
from fusionhub.runtime.readiness import http_ok, wait_until
from fusionhub.runtime.supervisor import Supervisor
from fusionhub.settings import EVERY_NEED, Settings
from fusionhub.streams.admin import ensure_topics
from fusionhub.streams.worker import worker_topics


@dataclass(frozen=True)
class Endpoints:
    ingest: str
    api: str
    worker_metrics: str
    sink_metrics: str
    database: str
    console: str | None = None

    def lines(self) -> list[str]:
        """Where everything is, the console first: it is what people open."""
        first = [f"console         {self.console}/"] if self.console else []
        return [
            *first,
            f"ingest API      {self.ingest}/v1/ingest/{{grid,hotline,petition,video}}",
            f"read API        {self.api}/v1/cases   (OpenAPI: {self.api}/openapi.json)",
            f"metrics         {self.ingest}/metrics  {self.worker_metrics}  {self.sink_metrics}"
            f"  {self.api}/metrics",
            f"database        {self.database}",
        ]


def endpoints(settings: Settings) -> Endpoints:
    m = settings.metrics
    return Endpoints(
        ingest=f"http://{settings.ingest.host}:{settings.ingest.port}",
        api=f"http://{settings.api.host}:{settings.api.port}",
        worker_metrics=f"http://{settings.streams.web_host}:{settings.streams.web_port}/metrics",
        sink_metrics=f"http://{m.host}:{m.sink_port}/metrics",
        database=settings.database.resolved_url(settings.data_dir),
        console=(
            f"http://{settings.console.host}:{settings.console.port}"
            if settings.console.enabled
            else None
        ),
    )


def check_configuration(settings: Settings) -> None:
    """Fail early, naming the setting (``ConfigurationError``), rather than have a service die
    on start."""
    settings.require(*EVERY_NEED)


def prepare(settings: Settings, start_broker: bool) -> None:
    """Broker up (when local), topics created with their partitions, database migrated."""
    from fusionhub.sinks.database import migrate
    from fusionhub.wiring import prepare_ingest_topics

    if start_broker and settings.bootstrap_servers is None:
        LocalKafkaBroker(settings.broker).start()
    ensure_topics(
        settings.kafka_bootstrap, worker_topics(settings), settings.streams.topic_partitions
    )
    prepare_ingest_topics(settings)
    # The SQLite file's folder is created by the engine (fusionhub.sinks.database).
    migrate(settings.database.resolved_url(settings.data_dir))


def start_services(settings: Settings, env: Mapping[str, str] | None = None) -> Supervisor:
    """Start the four services and wait until each answers."""
    supervisor = Supervisor(settings.data_dir / "logs", env or dict(os.environ))
    supervisor.start()
    ep = endpoints(settings)
    checks = {
        "ingest-api": http_ok(f"{ep.ingest}/healthz"),
        "api": http_ok(f"{ep.api}/healthz"),
        "worker": http_ok(ep.worker_metrics),
        "sink": http_ok(ep.sink_metrics),
    }
    if ep.console:
        checks["console"] = http_ok(f"{ep.console}/healthz")
    try:
        wait_until(supervisor, checks)
    except Exception:
        supervisor.stop()
        raise
    return supervisor
