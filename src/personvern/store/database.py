"""Where the engine's own database is, how to open it, and how to bring its schema up to date.

The migrations ship inside the package (``personvern/store/migrations``) and run through
Alembic's API, so an installed personvern needs no ``alembic.ini`` in the working folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///personvern.db"
URL_VARIABLE = "PERSONVERN_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaNotCurrentError(RuntimeError):
    """The database has not been migrated to the revision this code expects."""


def database_url(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The database to use: an explicit option, else ``$PERSONVERN_DATABASE_URL``, else SQLite."""
    if option:
        return option
    environ = os.environ if environ is None else environ
    return environ.get(URL_VARIABLE) or DEFAULT_URL


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets foreign keys and a patient busy timeout."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Writers queue for SQLite's single write lock instead of failing at once.
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True)


def libpq_conninfo(database_url: str) -> str:
    """A libpq connection string for an SQLAlchemy PostgreSQL URL (for psycopg itself)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("a libpq connection string needs a PostgreSQL URL")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[Session]:
    """A session whose work is committed together, or rolled back on any error."""
    with session_factory(engine).begin() as session:
        yield session


def lock_for_writing(session: Session, table: str) -> None:
    """Make the rest of this transaction a writer before it reads what it will change.

    PostgreSQL locks rows with ``SELECT … FOR UPDATE``; SQLite has no row locks and its
    driver starts a transaction only at the first write, so a read-then-write could act
    on a state another writer has just changed. A write statement that touches no row
    takes SQLite's single write lock now: other writers wait until we commit.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text(f"UPDATE {table} SET rowid = rowid WHERE 0"))  # noqa: S608


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the schema to ``revision``; on an up-to-date database it does nothing."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current_schema(engine: sa.Engine) -> None:
    """Fail with a clear message unless the database is at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "has no personvern tables" if current is None else f"is at revision {current}"
        raise SchemaNotCurrentError(
            f"the database {state}, this personvern needs {head}: run `personvern db upgrade`"
        )
