"""Alembic environment of the case store.

Only online migrations over a connection handed in by ``fusionhub.sinks.database`` are supported:
the hub builds its Alembic config in code, so there is no ini file with a URL to fall back on.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from fusionhub.sinks.schema import metadata


def run_migrations() -> None:
    """Run the pending revisions on the connection in ``config.attributes['connection']``."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run case-store migrations through fusionhub.sinks.database.migrate()")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can alter little in place; batch mode rebuilds tables for later revisions.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported for the case store")
run_migrations()
