"""Consent at scale: the current-state table and monthly partitions (issue: consent).

* ``consent_current``: one row per subject with the newest choice per category and
  purpose, written with each batch of events; filled here from the existing events.
* PostgreSQL only: ``consent_events`` becomes a table partitioned by month on ``at``
  (primary key ``(id, at)``, as PostgreSQL requires the partition key in it), its
  partitions in the schema ``consent_partitions``; ``consent_events_ensure_month(t)``
  makes the partition of ``t``'s month when it is missing. The rows, the id sequence, the
  index and the append-only trigger (0003) carry over. SQLite keeps one plain table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
PARTITIONS = "consent_partitions"
_BACKFILL_CHUNK = 1000

_ENSURE_MONTH = f"""
CREATE FUNCTION consent_events_ensure_month(at timestamptz) RETURNS void AS $$
DECLARE
    first timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'consent_events_' || to_char(first AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass('{PARTITIONS}.' || name) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE IF NOT EXISTS {PARTITIONS}.%I PARTITION OF consent_events '
                   'FOR VALUES FROM (%L) TO (%L)', name, first, first + interval '1 month');
EXCEPTION
    -- Another process made the same partition at the same moment: it exists, as wanted.
    WHEN duplicate_table OR unique_violation THEN NULL;
END;
$$ LANGUAGE plpgsql
"""
_TRIGGER = """
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()
"""
_COLUMNS = ("id, subject_hash, subject_kind, at, choices, notice_version, language, source, "
            "gpc, user_agent_family")
_COLUMN_TYPES = """
    subject_hash VARCHAR(64) NOT NULL,
    subject_kind VARCHAR(16) NOT NULL,
    at TIMESTAMP WITH TIME ZONE NOT NULL,
    choices JSON NOT NULL,
    notice_version VARCHAR(64) NOT NULL,
    language VARCHAR(8) NOT NULL,
    source VARCHAR(16) NOT NULL,
    gpc BOOLEAN NOT NULL,
    user_agent_family VARCHAR(32)
"""


def _utc(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _folded(bind: sa.Connection) -> Iterator[dict[str, Any]]:
    """One consent_current row per subject: the newest choice per key (by time, then id),
    the same fold as personvern.consent.records.fold, frozen here with the migration."""
    rows = bind.execute(sa.text(
        "SELECT id, subject_hash, subject_kind, at, choices, notice_version, source "
        "FROM consent_events ORDER BY subject_hash, at, id"
    ).execution_options(yield_per=_BACKFILL_CHUNK))
    current: dict[str, Any] | None = None
    for event_id, digest, kind, at, choices, version, source in rows:
        if current is None or current["subject_hash"] != digest:
            if current is not None:
                yield current
            current = {"subject_hash": digest, "subject_kind": kind,
                       "choices": {"categories": {}, "purposes": {}}, "last_event_id": 0}
        given = json.loads(choices) if isinstance(choices, str) else choices or {}
        when = _utc(at)
        for section in ("categories", "purposes"):
            for key, granted in given.get(section, {}).items():
                current["choices"][section][key] = [bool(granted), when.isoformat(), version,
                                                    source, event_id]
        current["last_event_id"] = max(current["last_event_id"], event_id)
        current["updated_at"] = when
    if current is not None:
        yield current


def _backfill(bind: sa.Connection) -> None:
    table = sa.table("consent_current", sa.column("subject_hash"), sa.column("subject_kind"),
                     sa.column("choices", sa.JSON), sa.column("last_event_id"),
                     sa.column("updated_at"))
    chunk: list[dict[str, Any]] = []
    for row in _folded(bind):
        chunk.append(row)
        if len(chunk) >= _BACKFILL_CHUNK:
            bind.execute(table.insert(), chunk)
            chunk = []
    if chunk:
        bind.execute(table.insert(), chunk)


def _months(bind: sa.Connection, table: str) -> list[datetime]:
    """The first instant of every month from the oldest event to the next month (UTC)."""
    oldest = bind.scalar(sa.text(f"SELECT min(at) FROM {table}"))  # noqa: S608
    now = datetime.now(UTC)
    start = _utc(oldest) if oldest is not None else now
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    last = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    months = []
    while month <= last:
        months.append(month)
        month = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return months


def _partition(bind: sa.Connection) -> None:
    op.execute("ALTER TABLE consent_events RENAME TO consent_events_unpartitioned")
    op.execute("DROP INDEX ix_consent_events_subject_hash_at")
    pk = sa.inspect(bind).get_pk_constraint("consent_events_unpartitioned")["name"]
    op.execute(f'ALTER TABLE consent_events_unpartitioned DROP CONSTRAINT "{pk}"')
    # The id sequence outlives the old table: new ids continue where the old ones ended.
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY NONE")
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {PARTITIONS}")
    op.execute(f"""CREATE TABLE consent_events (
        id BIGINT NOT NULL DEFAULT nextval('consent_events_id_seq'), {_COLUMN_TYPES},
        CONSTRAINT pk_consent_events PRIMARY KEY (id, at)
    ) PARTITION BY RANGE (at)""")
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY consent_events.id")
    op.execute(_ENSURE_MONTH)
    for month in _months(bind, "consent_events_unpartitioned"):
        bind.execute(sa.text("SELECT consent_events_ensure_month(:at)"), {"at": month})
    op.execute(f"INSERT INTO consent_events ({_COLUMNS}) "  # noqa: S608 (constants only)
               f"SELECT {_COLUMNS} FROM consent_events_unpartitioned")
    op.execute("DROP TABLE consent_events_unpartitioned")
    op.create_index("ix_consent_events_subject_hash_at", "consent_events",
                    ["subject_hash", "at"])
    op.execute(_TRIGGER)


def _unpartition() -> None:
    op.execute("DROP TRIGGER IF EXISTS consent_events_no_update ON consent_events")
    op.execute("ALTER TABLE consent_events RENAME TO consent_events_partitioned")
    op.execute("DROP INDEX ix_consent_events_subject_hash_at")
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY NONE")
    op.execute(f"""CREATE TABLE consent_events (
        id BIGINT NOT NULL DEFAULT nextval('consent_events_id_seq') PRIMARY KEY,
        {_COLUMN_TYPES})""")
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY consent_events.id")
    op.execute(f"INSERT INTO consent_events ({_COLUMNS}) "  # noqa: S608 (constants only)
               f"SELECT {_COLUMNS} FROM consent_events_partitioned")
    op.execute("DROP TABLE consent_events_partitioned")
    op.execute(f"DROP SCHEMA IF EXISTS {PARTITIONS} CASCADE")
    op.execute("DROP FUNCTION IF EXISTS consent_events_ensure_month(timestamptz)")
    op.create_index("ix_consent_events_subject_hash_at", "consent_events",
                    ["subject_hash", "at"])
    op.execute(_TRIGGER)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "consent_current",
        sa.Column("subject_hash", sa.String(64), primary_key=True),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("choices", sa.JSON, nullable=False),
        sa.Column("last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    if bind.dialect.name == "postgresql":
        _partition(bind)
    _backfill(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition()
    op.drop_table("consent_current")
