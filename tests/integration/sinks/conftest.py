"""PostgreSQL for the sink's integration tests: one throwaway cluster per session (tests/pg.py),
a fresh database per test, and a ``database_url`` fixture that runs a test on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PostgresCluster, PostgresUnavailableError, start_cluster


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
