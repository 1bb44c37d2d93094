"""Dispatcher corrections: cases.merged_into and the case_corrections table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the merge pointer to cases and a table of merges and splits."""
    op.add_column("cases", sa.Column("merged_into", sa.Text))
    op.create_table(
        "case_corrections",
        sa.Column("command_id", sa.Text, primary_key=True),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("other_case_id", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text),
        sa.Column("moved_refs", sa.Text, nullable=False),
        sa.Column("kept_refs", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_corrections_at", "case_corrections", ["at"])


def downgrade() -> None:
    """Drop what ``upgrade`` added."""
    op.drop_table("case_corrections")
    # In place (SQLite 3.35+ drops columns): rebuilding cases would cascade to its children.
    op.drop_column("cases", "merged_into")
