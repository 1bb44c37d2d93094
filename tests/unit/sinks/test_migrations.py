from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from fusionhub.sinks import migrate, open_engine
from fusionhub.sinks.database import migrate_engine, migration_config
from fusionhub.sinks.schema import metadata

pytestmark = pytest.mark.unit


def schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_the_migrations_create_exactly_the_tables_and_indexes_the_code_uses(engine: Engine) -> None:
    migrate_engine(engine)
    assert schema_drift(engine) == []
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("cases")}
    assert {"ix_cases_county_status", "ix_cases_township_status", "ix_cases_opened_at"} <= indexes


def test_migrating_twice_is_harmless_and_records_the_head_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'cases.db'}"
    migrate(url)
    migrate(url)
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0003"
    finally:
        engine.dispose()


def test_a_downgrade_to_base_removes_every_table_of_the_store(engine: Engine) -> None:
    migrate_engine(engine)
    config = migration_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}


def test_migration_0003_fills_the_open_flag_and_the_resolution_time_from_stored_histories(
    engine: Engine,
) -> None:
    from sqlalchemy import text

    migrate_engine(engine, "0002")
    case = (
        "INSERT INTO cases (case_id, version, category, platform, priority, status, level, "
        "opened_at, updated_at, deadline, sources, report_count, person_token_count) VALUES "
        "(:id, 3, 'noise', '综合执法', 3, :status, 'township', '2026-11-25 00:00:00.000000', "
        "'2026-11-26 00:00:00.000000', '2026-11-28 00:00:00.000000', 'grid', 1, 0)"
    )
    step = "INSERT INTO case_history VALUES (:id, :seq, :at, :status, 'x', '')"
    with engine.begin() as conn:
        for case_id, status in (("C-closed", "closed"), ("C-open", "reopened")):
            conn.execute(text(case), {"id": case_id, "status": status})
            for seq, (at, moved_to) in enumerate(
                [
                    ("2026-11-25 01:00:00.000000", "resolved"),
                    ("2026-11-25 05:00:00.000000", "resolved"),
                ],
                start=1,
            ):
                conn.execute(text(step), {"id": case_id, "seq": seq, "at": at, "status": moved_to})
    migrate_engine(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT case_id, is_open, resolved_at FROM cases ORDER BY case_id")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("C-closed", 0, "2026-11-25 05:00:00.000000"),
        ("C-open", 1, None),
    ]
