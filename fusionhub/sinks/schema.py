"""Table definitions of the case store (SQLAlchemy Core), shared by the writer and the queries.

The migrations in ``fusionhub/sinks/migrations`` create exactly these tables; a test compares the
two so they cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in timezone-aware and comes out aware in UTC on every database.

    SQLite has no timestamp type: SQLAlchemy stores text there, and text only sorts and compares
    correctly when every value is in the same zone, so values are normalised to UTC on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Called by SQLAlchemy for every bound value; a naive datetime is a programming error."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the case store; pass an aware one")
        in_utc = value.astimezone(UTC)
        return in_utc.replace(tzinfo=None) if dialect.name == "sqlite" else in_utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Called by SQLAlchemy for every fetched value: always aware, always UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("county_code", Text),
    Column("township_code", Text),
    Column("village_code", Text),
    Column("category", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("repeat_of", Text),
    Column("department", Text),
    Column("evaluation", Text),
    # Comma-joined source names (grid,hotline): few values, read whole, never filtered on.
    Column("sources", Text, nullable=False),
    Column("report_count", Integer, nullable=False),
    Column("person_token_count", Integer, nullable=False),
    Column("last_change", Text),
    # Set once the case was merged away: the case its reports went into.
    Column("merged_into", Text),
    # False once resolved, closed or merged: the board's open cases, found by index.
    Column("is_open", Boolean, nullable=False),
    # When the case was last resolved, while it is resolved or closed (statistics).
    Column("resolved_at", UtcDateTime),
    Index("ix_cases_county_status", "county_code", "status"),
    Index("ix_cases_township_status", "township_code", "status"),
    Index("ix_cases_platform", "platform"),
    Index("ix_cases_priority", "priority"),
    Index("ix_cases_opened_at", "opened_at"),
    Index("ix_cases_updated_at", "updated_at"),
    # The console's board: open cases by urgency (priority, then deadline), keyset-paged.
    Index("ix_cases_open_urgency", "is_open", "priority", "deadline", "case_id"),
    Index(
        "ix_cases_county_open_urgency", "county_code", "is_open", "priority", "deadline", "case_id"
    ),
    Index(
        "ix_cases_township_open_urgency",
        "township_code",
        "is_open",
        "priority",
        "deadline",
        "case_id",
    ),
    Index("ix_cases_county_opened", "county_code", "opened_at", "case_id"),
    Index("ix_cases_township_opened", "township_code", "opened_at", "case_id"),
    Index("ix_cases_department", "department", "is_open"),
)

# One row per report: an event belongs to exactly one case at a time. ``claimed_at`` is the
# ``updated_at`` of the case version that placed it here, so when two cases claim the same event
# (a report moved between cases) the later change wins whatever order the records arrive in.
case_members = Table(
    "case_members",
    metadata,
    Column("event_ref", Text, primary_key=True),
    Column("case_id", Text, ForeignKey("cases.case_id", ondelete="CASCADE"), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    # Order of the report within its case (0 is the report that opened it).
    Column("position", Integer, nullable=False),
    # The score columns are NULL for the report that opened the case: nothing was compared.
    Column("score_total", Float),
    Column("score_ref", Float),
    Column("score_person", Float),
    Column("score_distance", Float),
    Column("score_place", Float),
    Column("score_address", Float),
    Column("score_time", Float),
    Column("score_category", Float),
    Column("score_text", Float),
    Column("score_veto", Text),
    Index("ix_case_members_case_id", "case_id"),
)

case_history = Table(
    "case_history",
    metadata,
    Column("case_id", Text, ForeignKey("cases.case_id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("note", Text, nullable=False),
    PrimaryKeyConstraint("case_id", "seq", name="pk_case_history"),
)

# One row per dispatcher correction (merge or split), by the command that made it: the labels a
# tuning run learns from. Written from every case record carrying it, so the first one wins and
# a redelivery or the other case's copy changes nothing. The refs are JSON lists.
case_corrections = Table(
    "case_corrections",
    metadata,
    Column("command_id", Text, primary_key=True),
    Column("action", Text, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("other_case_id", Text, nullable=False),
    Column("county_code", Text),
    Column("moved_refs", Text, nullable=False),
    Column("kept_refs", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_case_corrections_at", "at"),
)

events = Table(
    "events",
    metadata,
    Column("event_ref", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("source_id", Text, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("category", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("county_code", Text),
    Column("township_code", Text),
    Column("village_code", Text),
    Column("grid_code", Text),
    Column("county_rule", Text),
    Column("township_rule", Text),
    Column("village_rule", Text),
    Column("lon", Float),
    Column("lat", Float),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("address", Text),
    # JSON text: parties hold masked and tokenised fields only (see records.to_event_row).
    Column("parties", Text, nullable=False),
    Column("refs", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("attributes", Text, nullable=False),
)

SCORE_FIELDS = (
    "total",
    "ref",
    "person",
    "distance",
    "place",
    "address",
    "time",
    "category",
    "text",
    "veto",
)
