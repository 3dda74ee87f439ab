"""Retention sweeps: progress per rule, so a killed sweep resumes (issue: retention).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retention_sweeps",
        sa.Column("rule", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cutoff", sa.DateTime(), nullable=False),
        sa.Column("cursor", sa.JSON),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("finished_at", UTC),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("batches", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("rule", name="pk_retention_sweeps"),
    )


def downgrade() -> None:
    op.drop_table("retention_sweeps")
