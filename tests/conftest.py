"""Shared fixtures. Integration tests get one real Kafka broker per test session, started by the
same launcher operators use; every test gets its own topic prefix."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from fusionhub.broker.launcher import LocalKafkaBroker
from fusionhub.native import staleness
from fusionhub.settings import BrokerSettings, SecretSettings, Settings
from tests.pg import PostgresCluster, PostgresUnavailableError, start_cluster

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"


def pytest_configure(config: pytest.Config) -> None:
    problem = staleness()
    if problem:
        # Tests of old compiled code would pass or fail for the wrong reasons.
        pytest.exit(problem, returncode=2)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafkaBroker]:
    """A real broker on test ports; the session fails (never skips) when it cannot start."""
    port = int(os.environ.get("FUSIONHUB_TEST_BROKER_PORT", "19092"))
    settings = BrokerSettings(
        port=port,
        controller_port=port + 1,
        data_dir=tmp_path_factory.mktemp("broker"),
    )
    broker = LocalKafkaBroker(settings)
    try:
        broker.start()
    except Exception as exc:
        pytest.fail(f"the test broker could not start: {exc}", pytrace=False)
    yield broker
    broker.stop()


@pytest.fixture
def hub_settings(kafka_broker: LocalKafkaBroker) -> Settings:
    """Settings pointing at the test broker, with a topic prefix of this test's own and keys."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bootstrap_servers=kafka_broker.bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}",
        broker=kafka_broker.settings,
        secrets=SecretSettings(
            pii_key=secrets.token_urlsafe(32), sealing_key=Fernet.generate_key().decode()
        ),
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a child ``fusionhub`` process needs to see ``settings``."""
    env = dict(os.environ)
    env.update(
        {
            "FUSIONHUB_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
            "FUSIONHUB_TOPIC_PREFIX": settings.topic_prefix,
            "FUSIONHUB_BROKER__PORT": str(settings.broker.port),
            "FUSIONHUB_BROKER__CONTROLLER_PORT": str(settings.broker.controller_port),
            "FUSIONHUB_BROKER__DATA_DIR": str(settings.broker.data_dir),
            "FUSIONHUB_STREAMS__APP_ID": settings.streams.app_id,
            "FUSIONHUB_STREAMS__WEB_PORT": str(settings.streams.web_port),
            "FUSIONHUB_STREAMS__TOPIC_PARTITIONS": str(settings.streams.topic_partitions),
        }
    )
    for name in ("pii_key", "sealing_key"):
        value = getattr(settings.secrets, name)
        if value is not None:
            env[f"FUSIONHUB_SECRETS__{name.upper()}"] = value.get_secret_value()
    return env


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running PostgreSQL 15 cluster; the tests fail (never skip) when it cannot start."""
    try:
        cluster = start_cluster()
    except PostgresUnavailableError as exc:
        pytest.fail(f"the test PostgreSQL could not start: {exc}", pytrace=False)
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of one database shared by the session (for read-only or additive use)."""
    return postgres_cluster.create_database("fusionhub")


@pytest.fixture
def fresh_postgres_url(postgres_cluster: PostgresCluster) -> str:
    """An empty database of this test's own; restarts the server if a test left it stopped."""
    if not postgres_cluster.running:
        postgres_cluster.start()
    return postgres_cluster.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty case store on each supported database in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cases.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url
