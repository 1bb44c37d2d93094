"""The console's board and statistics: cases.is_open, cases.resolved_at and their indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

FINISHED = ("resolved", "closed", "merged")
INDEXES = {
    "ix_cases_open_urgency": ["is_open", "priority", "deadline", "case_id"],
    "ix_cases_county_open_urgency": ["county_code", "is_open", "priority", "deadline", "case_id"],
    "ix_cases_township_open_urgency": [
        "township_code",
        "is_open",
        "priority",
        "deadline",
        "case_id",
    ],
    "ix_cases_county_opened": ["county_code", "opened_at", "case_id"],
    "ix_cases_township_opened": ["township_code", "opened_at", "case_id"],
    "ix_cases_department": ["department", "is_open"],
}


def upgrade() -> None:
    """Add the columns, fill them from the stored states and histories, index the board."""
    op.add_column(
        "cases", sa.Column("is_open", sa.Boolean, nullable=False, server_default=sa.true())
    )
    op.add_column("cases", sa.Column("resolved_at", sa.DateTime(timezone=True)))
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.Text),
        sa.column("status", sa.Text),
        sa.column("is_open", sa.Boolean),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
    )
    history = sa.table(
        "case_history",
        sa.column("case_id", sa.Text),
        sa.column("status", sa.Text),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    op.execute(cases.update().where(cases.c.status.in_(FINISHED)).values(is_open=False))
    last_resolved = (
        sa.select(sa.func.max(history.c.at))
        .where(history.c.case_id == cases.c.case_id, history.c.status == "resolved")
        .scalar_subquery()
    )
    op.execute(
        cases.update()
        .where(cases.c.status.in_(("resolved", "closed")))
        .values(resolved_at=last_resolved)
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)


def downgrade() -> None:
    """Drop what ``upgrade`` added."""
    for name in INDEXES:
        op.drop_index(name, "cases")
    op.drop_column("cases", "resolved_at")
    op.drop_column("cases", "is_open")
