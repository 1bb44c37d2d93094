"""The whole hub as ``fusionhub up`` runs it: four services as child processes on free ports,
against the test broker and a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fusionhub.bootstrap import Hub, runtime
from fusionhub.runtime.supervisor import Supervisor
from fusionhub.runtime.up import Endpoints
from fusionhub.settings import (
    ApiSettings,
    CentreSettings,
    ConsoleSettings,
    DatabaseSettings,
    IngestSettings,
    MetricsSettings,
    Settings,
    SinkSettings,
)
from tests.conftest import EXAMPLES, settings_env
from tests.support import free_port


def prepare(settings: Settings, start_broker: bool) -> None:
    """Topics created and the database migrated, as ``fusionhub up`` does first."""
    runtime.prepare(Hub(settings), start_broker=start_broker)


def start_services(settings: Settings, env: dict[str, str]) -> Supervisor:
    """The four services as child processes with ``env``, answering."""
    return runtime.start_hub_services(Hub(settings), env)


def endpoints(settings: Settings) -> Endpoints:
    return runtime.endpoints(Hub(settings))


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
            "FUSIONHUB_CONSOLE__PORT": str(settings.console.port),
            "FUSIONHUB_METRICS__SINK_PORT": str(settings.metrics.sink_port),
            "FUSIONHUB_STREAMS__TICK_INTERVAL_S": "3600",
            "FUSIONHUB_STREAMS__SESSION_TIMEOUT_S": "6",
            "FUSIONHUB_SINK__RETRY_MAX_S": "2",
        }
    )
    for key, centre in settings.api.centres.items():
        prefix = f"FUSIONHUB_API__CENTRES__{key.upper()}__"
        env[prefix + "NAME"] = centre.name
        env[prefix + "TOKEN"] = centre.token.get_secret_value()
        for field in ("county", "township", "department"):
            value = getattr(centre, field)
            if value is not None:
                env[prefix + field.upper()] = value
    return env


# The command centres of the e2e hubs: the examples are reports from 枫桥镇 in 诸暨市.
CENTRES = {
    "fengqiao": ("枫桥镇综治中心", {"township": "330681109"}),
    "zhuji": ("诸暨市社会治理中心", {"county": "330681"}),
    "market": ("市场监管所", {"department": "市场监管所", "county": "330681"}),
}


def centre_settings() -> dict[str, CentreSettings]:
    """The centres above, each with a fresh token."""
    return {
        key: CentreSettings(name=name, token=secrets.token_urlsafe(18), **reach)
        for key, (name, reach) in CENTRES.items()
    }


def hub_settings_for(base: Settings, database_url: str, data_dir: Path) -> Settings:
    ingest_token, api_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    return base.model_copy(
        update={
            "data_dir": data_dir,
            "database": DatabaseSettings(url=database_url),
            "sink": SinkSettings(retry_max_s=2),
            "ingest": IngestSettings(
                port=free_port(), token=ingest_token, cameras_csv=EXAMPLES / "cameras.csv"
            ),
            "api": ApiSettings(port=free_port(), token=api_token, centres=centre_settings()),
            "console": ConsoleSettings(port=free_port()),
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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item, so a fixture can tell that its test failed
    (the console's browser tests then save a screenshot)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
