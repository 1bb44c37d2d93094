"""Alembic migrations of the case store; run them through ``fusionhub.sinks.database.migrate``."""
