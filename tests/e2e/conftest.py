"""The whole hub as ``fusionhub up`` runs it: four services as child processes on free ports,
against the test broker and a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fusionhub.runtime.supervisor import Supervisor
from fusionhub.runtime.up import Endpoints, endpoints, prepare, start_services
from fusionhub.settings import (
    ApiSettings,
    DatabaseSettings,
    IngestSettings,
    MetricsSettings,
    Settings,
)
from tests.conftest import EXAMPLES, settings_env
from tests.support import free_port


@dataclass
class RunningHub:
    settings: Settings
    endpoints: Endpoints
    supervisor: Supervisor
    ingest_token: str
    api_token: str


def hub_env(settings: Settings) -> dict[str, str]:
    """Everything a child service must see to be part of this hub."""
    env = settings_env(settings)
    env.update(
        {
            "FUSIONHUB_DATA_DIR": str(settings.data_dir),
            "FUSIONHUB_DATABASE__URL": settings.database.resolved_url(settings.data_dir),
            "FUSIONHUB_INGEST__PORT": str(settings.ingest.port),
            "FUSIONHUB_INGEST__TOKEN": settings.ingest.token.get_secret_value(),  # type: ignore[union-attr]
            "FUSIONHUB_INGEST__CAMERAS_CSV": str(settings.ingest.cameras_csv),
            "FUSIONHUB_API__PORT": str(settings.api.port),
            "FUSIONHUB_API__TOKEN": settings.api.token.get_secret_value(),  # type: ignore[union-attr]
            "FUSIONHUB_METRICS__SINK_PORT": str(settings.metrics.sink_port),
            "FUSIONHUB_STREAMS__TICK_INTERVAL_S": "3600",
            "FUSIONHUB_STREAMS__SESSION_TIMEOUT_S": "6",
            "FUSIONHUB_DATABASE__RETRY_MAX_S": "2",
        }
    )
    return env


def hub_settings_for(base: Settings, database_url: str, data_dir: Path) -> Settings:
    ingest_token, api_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    return base.model_copy(
        update={
            "data_dir": data_dir,
            "database": DatabaseSettings(url=database_url, retry_max_s=2),
            "ingest": IngestSettings(
                port=free_port(), token=ingest_token, cameras_csv=EXAMPLES / "cameras.csv"
            ),
            "api": ApiSettings(port=free_port(), token=api_token),
            "metrics": MetricsSettings(sink_port=free_port()),
            "streams": base.streams.model_copy(
                update={
                    "app_id": f"{base.topic_prefix}-hub",
                    "web_port": free_port(),
                    "data_dir": data_dir / "streams",
                }
            ),
        }
    )


@pytest.fixture
def running_hub(hub_settings: Settings, database_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    settings = hub_settings_for(hub_settings, database_url, tmp_path)
    prepare(settings, start_broker=False)
    supervisor = start_services(settings, hub_env(settings))
    hub = RunningHub(
        settings,
        endpoints(settings),
        supervisor,
        settings.ingest.token.get_secret_value(),  # type: ignore[union-attr]
        settings.api.token.get_secret_value(),
    )  # type: ignore[union-attr]
    yield hub
    codes = supervisor.stop()
    assert codes == dict.fromkeys(codes, 0), codes
