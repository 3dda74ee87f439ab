"""Requests, their timeline, verified identities, tasks, and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("access", "portability", "erasure", "rectification", "restriction", "objection")
STATUSES = (
    "received", "awaiting_identity", "identity_verified", "approved", "running",
    "completed", "rejected",
)


def _enum(name: str, values: Sequence[str], length: int = 32) -> sa.Enum:
    # Stored as VARCHAR without a CHECK: a new status is a code change, not a migration.
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _request_id() -> sa.Column[str]:
    return sa.Column(
        "request_id", sa.String(36),
        sa.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", _enum("requestkind", KINDS), nullable=False),
        sa.Column("status", _enum("requeststatus", STATUSES), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("customer_number", sa.String(64), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("controller_country", sa.String(2), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.Date(), nullable=False),
        sa.Column("extended_due_at", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.String(2000), nullable=True),
        sa.Column("rejection_reason", sa.String(2000), nullable=True),
        sa.Column("paused_since", sa.Date(), nullable=True),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
    )
    op.create_index(op.f("ix_requests_due_at"), "requests", ["due_at"])
    op.create_index(op.f("ix_requests_status"), "requests", ["status"])

    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _request_id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    op.create_index(op.f("ix_request_events_request_id"), "request_events", ["request_id"])

    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _request_id(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(254), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
    )
    op.create_index(op.f("ix_identities_request_id"), "identities", ["request_id"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _request_id(),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(100), nullable=True),
        sa.Column("status", _enum("taskstatus", ("open", "done"), 8), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(op.f("ix_tasks_request_id"), "tasks", ["request_id"])

    op.create_table(
        "audit_entries",
        # The chain position, assigned under the chain lock (no sequence: see models.py).
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entries_hash")),
    )
    op.create_index(op.f("ix_audit_entries_subject"), "audit_entries", ["subject"])


def downgrade() -> None:
    op.drop_table("audit_entries")
    op.drop_table("tasks")
    op.drop_table("identities")
    op.drop_table("request_events")
    op.drop_table("requests")
