"""Connecting to the case store and bringing its schema up to date.

SQLite (a file, the default) and PostgreSQL are supported. Both the sink and the read API open
their engine here so they agree on time-outs and SQLite's journal mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from fusionhub.paths import ensure_dir

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Any 64-bit number unique to this purpose: PostgreSQL serialises concurrent migrations on it,
# so a sink and a read API starting together do not both try to create the tables.
_MIGRATION_LOCK_KEY = 0x66686D6967  # "fhmig"

_PG_CONNECT_TIMEOUT_S = 5
_PG_STATEMENT_TIMEOUT_MS = 60_000
_SQLITE_BUSY_TIMEOUT_S = 10.0


def open_engine(url: str) -> Engine:
    """An engine for ``url`` with the store's connection settings.

    Called once per process by the sink runner, the read API and the benchmark. Connection
    failures surface later, on first use, as ``sqlalchemy.exc.OperationalError``.
    """
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            ensure_dir(
                Path(parsed.database).parent, "FUSIONHUB_DATABASE__URL or FUSIONHUB_DATA_DIR"
            )
        connect_args["timeout"] = _SQLITE_BUSY_TIMEOUT_S
    elif parsed.get_backend_name() == "postgresql":
        # Without these a stopped server or a stuck statement can hang the sink indefinitely
        # instead of failing into its retry loop.
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
        connect_args["options"] = f"-c statement_timeout={_PG_STATEMENT_TIMEOUT_MS}"
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the read API read while the sink writes; NORMAL sync is durable at commit in WAL.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def migration_config() -> Config:
    """The Alembic configuration of the case store, built in code (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate_engine(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` in one transaction.

    Called at start-up by ``SqlCaseStore`` (before its first write) and by ``migrate``. Raises
    ``sqlalchemy.exc.OperationalError`` when the database cannot be reached; safe to call again.
    """
    config = migration_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the newest schema).

    For operators and tests; the hub itself migrates through ``SqlCaseStore`` at start-up.
    """
    engine = open_engine(url)
    try:
        migrate_engine(engine, revision)
    finally:
        engine.dispose()
