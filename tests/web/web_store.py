"""Helpers for the web tests (a module of its own: ``conftest`` names clash across folders)."""

from __future__ import annotations

import sqlalchemy as sa

TABLES = ("requests", "request_events", "identities", "audit_entries", "subject_limits",
          "api_keys", "jobs")


def row_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per table of the engine store (to show nothing was written)."""
    with engine.connect() as connection:
        return {table: int(connection.execute(
            sa.text(f"SELECT count(*) FROM {table}")).scalar_one()) for table in TABLES}
