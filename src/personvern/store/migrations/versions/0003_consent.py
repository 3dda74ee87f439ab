"""Consent events (append-only) and visitor→customer links.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
_REFUSAL = "consent_events is append-only (Art. 7(1) evidence): record a new event instead"

# A record of consent is evidence (Art. 7(1)): once written it must not change. Deleting
# stays possible, so the retention engine can remove events past their retention period.
_PG_FUNCTION = f"""
CREATE FUNCTION consent_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{_REFUSAL}';
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()
"""
_SQLITE_TRIGGER = f"""
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN
    SELECT RAISE(ABORT, '{_REFUSAL}');
END
"""


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("choices", sa.JSON, nullable=False),
        sa.Column("notice_version", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("gpc", sa.Boolean, nullable=False),
        sa.Column("user_agent_family", sa.String(32)),
    )
    op.create_index("ix_consent_events_subject_hash_at", "consent_events",
                    ["subject_hash", "at"])
    op.create_table(
        "consent_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("visitor_hash", sa.String(64), nullable=False),
        sa.Column("customer_hash", sa.String(64), nullable=False),
        sa.Column("linked_at", UTC, nullable=False),
        sa.UniqueConstraint("visitor_hash", "customer_hash",
                            name="uq_consent_links_visitor_hash_customer_hash"),
    )
    op.create_index("ix_consent_links_visitor_hash", "consent_links", ["visitor_hash"])
    op.create_index("ix_consent_links_customer_hash", "consent_links", ["customer_hash"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    elif dialect == "sqlite":
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_update ON consent_events")
        op.execute("DROP FUNCTION IF EXISTS consent_events_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_update")
    op.drop_table("consent_links")
    op.drop_table("consent_events")
