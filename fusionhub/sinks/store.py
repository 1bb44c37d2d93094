"""The SQL case store, a ``CaseSink``: idempotent, batched writes of case states and events.

Each case record is the case's whole state with a version, so the store keeps, per case, the
row with the highest version and rebuilds that case's members and history from it. Writing the
same batch twice changes nothing, which is what lets the sink commit Kafka offsets only after the
database commit and still survive redelivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Insert, delete
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from fusionhub.sinks import rows
from fusionhub.sinks.contract import CaseSink, RetriableSinkError, SinkBatch
from fusionhub.sinks.database import migrate_engine, open_engine
from fusionhub.sinks.schema import case_corrections, case_history, case_members, cases, events

_CASE_UPDATE_COLUMNS = [c.name for c in cases.columns if c.name != "case_id"]
_MEMBER_UPDATE_COLUMNS = [c.name for c in case_members.columns if c.name != "event_ref"]

# Failures that say "the database is not there right now", not "this batch is wrong".
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    OSError,
)


class SqlCaseStore(CaseSink):
    """Writes decoded ``fusionhub.Case`` and ``fusionhub.Event`` records to SQLite or PostgreSQL.

    Created once by the composition root for the sink loop (or by the benchmark); not shared
    between threads while writing. The schema is migrated to head before the first write, so a
    database that is down at start-up fails the first ``write`` (retryable) rather than the
    constructor.
    """

    name = "sql"

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(
                f"the case store supports sqlite and postgresql, not {engine.dialect.name}"
            )
        self.engine = engine
        self._migrated = False

    @classmethod
    def from_url(cls, url: str) -> SqlCaseStore:
        """A store on a fresh engine for ``url`` (see ``database.open_engine``)."""
        return cls(open_engine(url))

    def ensure_schema(self) -> None:
        """Migrate the database to head once per store; raises OperationalError when it is down."""
        if not self._migrated:
            migrate_engine(self.engine)
            self._migrated = True

    def write(self, batch: SinkBatch) -> None:
        """Store ``batch`` in one transaction (see ``write_batch``).

        Raises ``RetriableSinkError`` when the database cannot be reached or times out; any
        other database error (a constraint violation: a batch that can never be stored)
        propagates as it is.
        """
        try:
            self.write_batch(batch.cases, batch.events)
        except UNAVAILABLE_ERRORS as exc:
            raise RetriableSinkError(f"{type(exc).__name__}: {exc}") from exc

    def flush(self) -> None:
        """Nothing to do: each ``write`` is a committed transaction when it returns."""

    def close(self) -> None:
        """Close pooled connections; called when the loop stops."""
        self.dispose()

    def write_batch(
        self, case_records: list[dict[str, Any]], event_records: list[dict[str, Any]]
    ) -> int:
        """Store a batch in one transaction; returns how many cases moved to a newer version.

        Called by ``write`` for every batch the loop polled from Kafka, before it commits offsets.
        Case records older than or equal to the stored version change nothing; events are stored
        once by ``event_ref``, merges and splits once by command id (``case_corrections``). A
        report moved by a merge or split belongs to the case whose newer state claimed it.
        Raises ``sqlalchemy.exc.OperationalError`` (and other ``DBAPIError``s) when the database
        fails; nothing of the batch is then stored and the caller may retry the same batch.
        """
        self.ensure_schema()
        latest = _latest_per_case(case_records)
        with self.engine.begin() as conn:
            advanced = self._upsert_cases(conn, latest)
            moved_on = [c for c in latest if c["case_id"] in advanced]
            self._replace_children(conn, moved_on)
            self._insert_corrections(conn, moved_on)
            self._insert_events(conn, event_records)
        return len(advanced)

    def dispose(self) -> None:
        """Close pooled connections (``close``; the benchmark calls it directly)."""
        self.engine.dispose()

    def _insert(self, table: Any) -> Insert:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        stmt: Insert = dialect.insert(table)
        return stmt

    def _upsert_cases(self, conn: Connection, latest: list[dict[str, Any]]) -> set[str]:
        if not latest:
            return set()
        stmt: Any = self._insert(cases)
        excluded = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=[cases.c.case_id],
            set_={name: excluded[name] for name in _CASE_UPDATE_COLUMNS},
            where=cases.c.version < excluded.version,
        ).returning(cases.c.case_id)
        # RETURNING yields only the rows inserted or updated: exactly the cases that advanced.
        result = conn.execute(stmt, [rows.case_row(c) for c in latest])
        return {row.case_id for row in result}

    def _replace_children(self, conn: Connection, advanced: list[dict[str, Any]]) -> None:
        if not advanced:
            return
        ids = [c["case_id"] for c in advanced]
        conn.execute(delete(case_history).where(case_history.c.case_id.in_(ids)))
        conn.execute(delete(case_members).where(case_members.c.case_id.in_(ids)))
        history = [r for c in advanced for r in rows.history_rows(c)]
        if history:
            conn.execute(case_history.insert(), history)
        members = _latest_claims(r for c in advanced for r in rows.member_rows(c))
        if members:
            stmt: Any = self._insert(case_members)
            excluded = stmt.excluded
            # Another case may still hold the event: the claim by the later case change wins.
            stmt = stmt.on_conflict_do_update(
                index_elements=[case_members.c.event_ref],
                set_={name: excluded[name] for name in _MEMBER_UPDATE_COLUMNS},
                where=case_members.c.claimed_at <= excluded.claimed_at,
            )
            conn.execute(stmt, members)

    def _insert_corrections(self, conn: Connection, advanced: list[dict[str, Any]]) -> None:
        # Both cases of a merge or split carry it, and later versions carry it again: the row
        # is written once, by command id, and never changed.
        unique = {r["command_id"]: r for c in advanced for r in rows.correction_rows(c)}
        if unique:
            stmt: Any = self._insert(case_corrections)
            stmt = stmt.on_conflict_do_nothing(index_elements=[case_corrections.c.command_id])
            conn.execute(stmt, list(unique.values()))

    def _insert_events(self, conn: Connection, event_records: list[dict[str, Any]]) -> None:
        unique = {e["event_ref"]: e for e in event_records}
        if unique:
            stmt: Any = self._insert(events)
            stmt = stmt.on_conflict_do_nothing(index_elements=[events.c.event_ref])
            conn.execute(stmt, [rows.event_row(e) for e in unique.values()])


def _latest_per_case(case_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # One row per case per statement: PostgreSQL refuses to update the same row twice in one
    # INSERT ... ON CONFLICT, and only the newest state matters anyway.
    latest: dict[str, dict[str, Any]] = {}
    for record in case_records:
        held = latest.get(record["case_id"])
        if held is None or held["version"] < record["version"]:
            latest[record["case_id"]] = record
    return list(latest.values())


def _latest_claims(member_rows: Iterable[rows.Row]) -> list[rows.Row]:
    claims: dict[str, rows.Row] = {}
    for row in member_rows:
        held = claims.get(row["event_ref"])
        claimed_at: datetime = row["claimed_at"]
        if held is None or held["claimed_at"] <= claimed_at:
            claims[row["event_ref"]] = row
    return list(claims.values())
