"""Create the case store: cases, case_members, case_history, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)
# Frozen copy of the score names at this revision: later schema changes need their own revision.
_FLOAT_SCORES = (
    "total",
    "ref",
    "person",
    "distance",
    "place",
    "address",
    "time",
    "category",
    "text",
)


def upgrade() -> None:
    """Create every table and index of the first schema."""
    _create_cases()
    _create_members_and_history()
    _create_events()


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    for table in ("case_history", "case_members", "events", "cases"):
        op.drop_table(table)


def _create_cases() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("county_code", sa.Text),
        sa.Column("township_code", sa.Text),
        sa.Column("village_code", sa.Text),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("deadline", _TS, nullable=False),
        sa.Column("repeat_of", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("evaluation", sa.Text),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("report_count", sa.Integer, nullable=False),
        sa.Column("person_token_count", sa.Integer, nullable=False),
        sa.Column("last_change", sa.Text),
    )
    op.create_index("ix_cases_county_status", "cases", ["county_code", "status"])
    op.create_index("ix_cases_township_status", "cases", ["township_code", "status"])
    op.create_index("ix_cases_platform", "cases", ["platform"])
    op.create_index("ix_cases_priority", "cases", ["priority"])
    op.create_index("ix_cases_opened_at", "cases", ["opened_at"])
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])


def _create_members_and_history() -> None:
    case_fk = sa.ForeignKey("cases.case_id", ondelete="CASCADE")
    op.create_table(
        "case_members",
        sa.Column("event_ref", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, case_fk, nullable=False),
        sa.Column("claimed_at", _TS, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        *[sa.Column(f"score_{name}", sa.Float) for name in _FLOAT_SCORES],
        sa.Column("score_veto", sa.Text),
    )
    op.create_index("ix_case_members_case_id", "case_members", ["case_id"])
    op.create_table(
        "case_history",
        sa.Column(
            "case_id", sa.Text, sa.ForeignKey("cases.case_id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_case_history"),
    )


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("event_ref", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        *[
            sa.Column(name, sa.Text)
            for name in (
                "county_code",
                "township_code",
                "village_code",
                "grid_code",
                "county_rule",
                "township_rule",
                "village_rule",
            )
        ],
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("attributes", sa.Text, nullable=False),
    )
