"""``personvern db``: the engine's own database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

app = typer.Typer(help="The engine's own database: migrations.", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database", "--db",
        help="SQLAlchemy URL of the engine database "
             "(default: $PERSONVERN_DATABASE_URL, else sqlite:///personvern.db).",
        show_default=False,
    ),
]


def _shown(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def open_engine(database: str | None, *, migrated: bool = True) -> sa.Engine:
    """The engine for ``--database``; with ``migrated``, exit 1 unless the schema is current."""
    from personvern.store.database import (
        SchemaNotCurrentError,
        database_url,
        make_engine,
        require_current_schema,
    )

    url = database_url(database)
    try:
        engine = make_engine(url)
        with engine.connect():  # fail here, with a clear message, if it is unreachable
            pass
        if migrated:
            require_current_schema(engine)
    except SchemaNotCurrentError as error:
        errors.print(f"[red]{error}[/]", markup=True)
        raise typer.Exit(1) from None
    except Exception as error:  # a wrong URL, a server that is down: say so, briefly
        errors.print(f"[red]cannot open the database {_shown(url)}:[/] {type(error).__name__}")
        raise typer.Exit(2) from None
    return engine


@contextmanager
def store_session(database: str | None,
                  refusals: tuple[type[Exception], ...] = ()) -> Iterator[Session]:
    """One transaction on the engine store for a command; a domain refusal (one of
    ``refusals``) is printed, rolls everything back and exits 1."""
    from personvern.store.database import transaction

    engine = open_engine(database)
    try:
        with transaction(engine) as session:
            yield session
    except refusals as error:
        errors.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@app.command("upgrade")
def upgrade_command(database: DatabaseOption = None) -> None:
    """Create or migrate the tables to the newest revision (safe to run again)."""
    from personvern.store.database import current_revision, database_url, upgrade

    engine = open_engine(database, migrated=False)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    where = _shown(database_url(database))
    if before == after:
        console.print(f"{where} is up to date (revision {after}).")
    else:
        console.print(f"{where} migrated from {before or 'empty'} to revision {after}.")


@app.command("current")
def current_command(database: DatabaseOption = None) -> None:
    """Print the schema revision of the database and the one this personvern needs."""
    from personvern.store.database import current_revision, head_revision

    engine = open_engine(database, migrated=False)
    console.print(f"database: {current_revision(engine) or 'empty'}; needed: {head_revision()}")
