"""The benchmarks' runs, built: each round or phase gets a hub of its own (a fresh topic prefix,
consumer groups, ports, throwaway secrets), derived from the settings here and handed to
``fusionhub.bench`` as built objects."""

from __future__ import annotations

import os
import secrets
import socket
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import faust
from aiohttp import web
from cryptography.fernet import Fernet
from pydantic import SecretStr

from fusionhub.bench.api import ApiFactory
from fusionhub.bench.hub import HubRun
from fusionhub.bench.ingest import IngestRun, NewRun
from fusionhub.bench.recovery import RecoveryRun
from fusionhub.bench.stream import StreamRun
from fusionhub.bootstrap.hub import Hub
from fusionhub.bus.admin import drop_topics
from fusionhub.ingest.pipeline import IngestPipeline
from fusionhub.settings import (
    ApiSettings,
    CentreSettings,
    ConsoleSettings,
    DatabaseSettings,
    IngestSettings,
    SecretSettings,
    Settings,
)


def ingest_runs(hub: Hub) -> NewRun:
    """Fresh ingest rounds for ``fusionhub bench ingest``: topics of a new prefix each."""

    def new_run() -> IngestRun:
        from fusionhub.bootstrap.ingest import build_ingest_pipeline, build_publisher

        run = hub.with_settings(topic_prefix=f"bench{uuid.uuid4().hex[:8]}")
        topics = run.topics
        raw_topic = f"{topics.prefix}.raw-bytes"
        run.ensure_topics([topics.events, topics.dead_letter, topics.device_health, raw_topic])
        ingest = run.settings.ingest
        return IngestRun(
            topics=topics,
            clients=run.clients,
            raw_topic=raw_topic,
            pipeline=lambda metrics: build_ingest_pipeline(run, metrics),
            publisher=lambda metrics: build_publisher(run, metrics),
            producer_options={"linger_ms": ingest.linger_ms, "batch_size": ingest.batch_bytes},
            drop=lambda: drop_topics(run.clients, f"{topics.prefix}."),
        )

    return new_run


class StreamPhases:
    """The phases of ``fusionhub bench correlate``'s stream half, under one run prefix."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.base = f"bench-{uuid.uuid4().hex[:6]}"

    def pipeline_for(self, cameras_csv: Path) -> IngestPipeline:
        """The real ingest pipeline with a simulated folder's camera registry."""
        from prometheus_client import CollectorRegistry

        from fusionhub.bootstrap.ingest import build_ingest_pipeline
        from fusionhub.ingest.metrics import IngestMetrics

        metrics = IngestMetrics(CollectorRegistry())
        return build_ingest_pipeline(self.hub, metrics, cameras_csv=cameras_csv)

    def new_phase(self, name: str) -> StreamRun:
        """A phase's own topics, worker group and web port; no clock ticks."""
        prefix = f"{self.base}-{name}-{uuid.uuid4().hex[:6]}"
        streams = self.hub.settings.streams.model_copy(
            update={"app_id": f"{prefix}-worker", "web_port": free_port()}
        )
        run = self.hub.with_settings(topic_prefix=prefix, streams=streams)

        def env(data_dir: Path, group: str, web_port: int) -> dict[str, str]:
            return child_env(run.settings, data_dir, group, web_port)

        def create_case_topics(counties: Iterable[str]) -> list[str]:
            from fusionhub.bootstrap.worker import create_case_topics as create

            return create(run, counties)

        return StreamRun(
            clients=run.clients,
            topics=run.topics,
            group=streams.app_id,
            web_port=streams.web_port,
            partitions=streams.topic_partitions,
            codec=run.codec,
            env=env,
            create_topics=run.ensure_topics,
            create_case_topics=create_case_topics,
        )

    def drop_all(self) -> list[str]:
        """Delete every topic the phases created."""
        return drop_topics(self.hub.clients, f"{self.base}-")


def recovery_runs(hub: Hub) -> Callable[[int], RecoveryRun]:
    """``fusionhub bench recovery``'s runs: for each history size a hub of its own (a fresh
    topic prefix and worker group, one event-log partition, standby copies on)."""
    base = f"bench-{uuid.uuid4().hex[:6]}"

    def new_run(size: int) -> RecoveryRun:
        prefix = f"{base}-rec{size}-{uuid.uuid4().hex[:6]}"
        streams = hub.settings.streams.model_copy(
            update={"app_id": f"{prefix}-worker", "topic_partitions": 1, "standby": True}
        )
        run = hub.with_settings(topic_prefix=prefix, streams=streams)

        def env(data_dir: Path, web_port: int) -> dict[str, str]:
            return child_env(run.settings, data_dir, streams.app_id, web_port)

        return RecoveryRun(
            clients=run.clients,
            topics=run.topics,
            group=streams.app_id,
            codec=run.codec,
            policy=run.policy,
            env=env,
            create_topics=run.topic_plan.ensure,
            drop_topics=lambda: drop_topics(run.clients, f"{prefix}."),
        )

    return new_run


def child_env(settings: Settings, data_dir: Path, group: str, web_port: int) -> dict[str, str]:
    """The environment that makes a child ``fusionhub`` process a worker (group ``group``) of
    ``settings``'s topics, without clock ticks."""
    s = settings.streams
    env = {
        "FUSIONHUB_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
        "FUSIONHUB_TOPIC_PREFIX": settings.topic_prefix,
        "FUSIONHUB_STREAMS__APP_ID": group,
        "FUSIONHUB_STREAMS__WEB_PORT": str(web_port),
        "FUSIONHUB_STREAMS__TOPIC_PARTITIONS": str(s.topic_partitions),
        "FUSIONHUB_STREAMS__TICK_INTERVAL_S": "3600.0",
        "FUSIONHUB_STREAMS__DATA_DIR": str(data_dir),
    }
    for name in ("pii_key", "sealing_key"):
        value = getattr(settings.secrets, name)
        if value is not None:
            env[f"FUSIONHUB_SECRETS__{name.upper()}"] = value.get_secret_value()
    return env


def floor_app(hub: Hub, target: str) -> faust.App:
    """The child process of the Faust floor contender (``bench floor-agent TARGET``)."""
    from fusionhub.bench.faust_floor import floor_app as build

    return build(hub.settings.streams, hub.clients, hub.topics.events, target)


def output_floor_app(hub: Hub, prefix: str) -> faust.App:
    """The child process of the output floor contender (``bench output-floor-agent PREFIX``):
    the worker's outputs for the whole event log, worked out first, then the publishing agent,
    which sends them to the case topics under ``prefix``."""
    from fusionhub.bench.faust_floor import output_floor_app as build
    from fusionhub.bench.faust_floor import worker_outputs
    from fusionhub.bench.stream import read_topic
    from fusionhub.bootstrap.worker import case_router

    outputs = worker_outputs(read_topic(hub.clients, hub.topics.events), hub.codec, hub.policy)
    router = case_router(hub.with_settings(topic_prefix=prefix))
    return build(hub.settings.streams, hub.clients, hub.topics.events, router, outputs)


def hub_run(hub: Hub, work: Path) -> HubRun:
    """A whole hub of its own for ``fusionhub bench hub``: fresh topics, database, consumer
    groups and throwaway secrets, the camera registry of the simulated folder."""
    from fusionhub.bootstrap.runtime import endpoints, prepare, start_hub_services

    settings = _hub_settings(hub.settings, work)
    run = Hub(settings)
    env = {
        "FUSIONHUB_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
        "FUSIONHUB_TOPIC_PREFIX": settings.topic_prefix,
        "FUSIONHUB_DATA_DIR": str(settings.data_dir),
        "FUSIONHUB_DATABASE__URL": settings.database.resolved_url(settings.data_dir),
        "FUSIONHUB_INGEST__TOKEN": _secret(settings.ingest.token),
        "FUSIONHUB_INGEST__CAMERAS_CSV": str(settings.ingest.cameras_csv),
        "FUSIONHUB_API__TOKEN": _secret(settings.api.token),
        "FUSIONHUB_CONSOLE__ENABLED": "false",
        "FUSIONHUB_SECRETS__PII_KEY": settings.secrets.require_pii_key().decode(),
        "FUSIONHUB_SECRETS__SEALING_KEY": settings.secrets.require_sealing_key().decode(),
        "FUSIONHUB_STREAMS__APP_ID": settings.streams.app_id,
        "FUSIONHUB_STREAMS__TICK_INTERVAL_S": "3600",
    }
    return HubRun(
        endpoints=endpoints(run),
        database_url=settings.database.resolved_url(settings.data_dir),
        ingest_token=_secret(settings.ingest.token),
        prepare=lambda: prepare(run, start_broker=True),
        start=lambda: start_hub_services(run, {**os.environ, **env}),
        drop_topics=lambda: drop_topics(run.clients, settings.topic_prefix),
    )


def _hub_settings(base: Settings, work: Path) -> Settings:
    run = f"benchhub{uuid.uuid4().hex[:8]}"
    return base.model_copy(
        update={
            "topic_prefix": run,
            "data_dir": work,
            "database": DatabaseSettings(url=f"sqlite:///{work / f'{run}.db'}"),
            "ingest": IngestSettings(
                token=SecretStr(secrets.token_urlsafe(16)), cameras_csv=work / "sim" / "cameras.csv"
            ),
            "api": ApiSettings(token=SecretStr(secrets.token_urlsafe(16))),
            # The console plays no part in ingest-to-store; without it one port less is taken.
            "console": ConsoleSettings(enabled=False),
            "secrets": SecretSettings(
                pii_key=SecretStr(secrets.token_urlsafe(32)),
                sealing_key=SecretStr(Fernet.generate_key().decode()),
            ),
            "streams": base.streams.model_copy(update={"app_id": run, "tick_interval_s": 3600.0}),
        }
    )


def api_app(work: Path) -> ApiFactory:
    """``fusionhub bench api``'s factory of read APIs over a filled store (no migration, no
    broker), with a province token and a county and a township centre."""
    from fusionhub.bootstrap.api import build_api_service

    def app_for(url: str, tokens: dict[str, str]) -> web.Application:
        centres = {
            "county": CentreSettings(
                name="county", token=SecretStr(tokens["county"]), county=tokens["county_code"]
            ),
            "township": CentreSettings(
                name="township",
                token=SecretStr(tokens["township"]),
                township=tokens["township_code"],
            ),
        }
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=work,
            database=DatabaseSettings(url=url),
            api=ApiSettings(token=SecretStr(tokens["province"]), centres=centres),
        )
        return build_api_service(Hub(settings), migrate=False, live=False).service.app()

    return app_for


def free_port() -> int:
    """A loopback port free right now, for a child's web server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
