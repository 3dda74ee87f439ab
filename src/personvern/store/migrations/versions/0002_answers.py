"""Access packages and download tokens, erasure progress and deferred erasures,
restrictions and objections, API keys, and the in-process job queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def _request_id(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[str]:
    return sa.Column("request_id", sa.String(36),
                     sa.ForeignKey("requests.id", ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "access_packages",
        sa.Column("id", sa.String(36), primary_key=True),
        _request_id(),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(16), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
    )
    op.create_index("ix_access_packages_request_id", "access_packages", ["request_id"])
    op.create_table(
        "download_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("package_id", sa.String(36),
                  sa.ForeignKey("access_packages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC),
        sa.Column("max_uses", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False),
    )
    op.create_index("ix_download_tokens_package_id", "download_tokens", ["package_id"])
    op.create_table(
        "erasure_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _request_id(),
        sa.Column("datastore", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("finished_at", UTC, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.UniqueConstraint("request_id", "datastore",
                            name="uq_erasure_steps_request_id_datastore"),
    )
    op.create_index("ix_erasure_steps_request_id", "erasure_steps", ["request_id"])
    op.create_table(
        "deferred_erasures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _request_id(),
        sa.Column("datastore", sa.String(100), nullable=False),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("row_keys", sa.JSON, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("law", sa.String(500), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("done_at", UTC),
    )
    op.create_index("ix_deferred_erasures_request_id", "deferred_erasures", ["request_id"])
    op.create_index("ix_deferred_erasures_due_on", "deferred_erasures", ["due_on"])
    op.create_table(
        "subject_limits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("identity_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        _request_id(nullable=True, ondelete="SET NULL"),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("lifted_at", UTC),
        sa.Column("reason", sa.String(2000)),
    )
    op.create_index("ix_subject_limits_identity_hash", "subject_limits", ["identity_hash"])
    op.create_index("ix_subject_limits_request_id", "subject_limits", ["request_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_after", UTC, nullable=False),
        sa.Column("locked_at", UTC),
        sa.Column("finished_at", UTC),
        sa.Column("error", sa.String(2000)),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])


def downgrade() -> None:
    for table in ("jobs", "api_keys", "subject_limits", "deferred_erasures", "erasure_steps",
                  "download_tokens", "access_packages"):
        op.drop_table(table)
