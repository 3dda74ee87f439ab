"""Alembic environment for the engine's own database.

Run through :func:`personvern.store.database.upgrade`, which hands over an open connection
in ``config.attributes["connection"]``; a ``sqlalchemy.url`` option works too (offline or
from an ``alembic`` command line during development).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from personvern.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as opened:
        _configure(opened)
        opened.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
