"""``personvern serve`` (the web app under uvicorn) and ``personvern apikeys``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from personvern.store.cli import DatabaseOption, store_session

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

apikeys_app = typer.Typer(help="API keys for the shop's backend.", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)


def _session(database: str | None) -> AbstractContextManager[Session]:
    from personvern.requests.apikeys import ApiKeyError

    return store_session(database, (ApiKeyError,))


@apikeys_app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. shop-backend.")],
    database: DatabaseOption = None,
) -> None:
    """Make a key; it is printed once and only its hash is kept."""
    from personvern.requests.apikeys import NAME_MAX, create_api_key

    if not name.strip() or len(name) > NAME_MAX:
        errors.print(f"[red]the name must be 1 to {NAME_MAX} characters[/]")
        raise typer.Exit(2)
    with _session(database) as session:
        key, row = create_api_key(session, name, actor="cli")
        prefix = row.prefix
    console.print(key)
    errors.print(f"API key {prefix} created; store it now: it is not shown again.")


@apikeys_app.command("list")
def list_command(database: DatabaseOption = None) -> None:
    """Keys by prefix and name (never the key)."""
    from personvern.requests.apikeys import list_api_keys

    with _session(database) as session:
        keys = list_api_keys(session)
        table = Table(title=f"API keys ({len(keys)})", box=box.SIMPLE_HEAD)
        for column in ("prefix", "name", "created", "revoked"):
            table.add_column(column)
        for key in keys:
            table.add_row(key.prefix, key.name, f"{key.created_at:%Y-%m-%d %H:%M}",
                          f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "")
    console.print(table)


@apikeys_app.command("revoke")
def revoke_command(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, as `list` shows it.")],
    database: DatabaseOption = None,
) -> None:
    """Refuse the key: at once for new lookups, within 10 s in running servers."""
    from personvern.requests.apikeys import VerifiedKeys, revoke

    with _session(database) as session:
        row = revoke(session, prefix, actor="cli")
        console.print(f"API key {row.prefix} ({row.name}) revoked; running servers refuse "
                      f"it within {VerifiedKeys.ttl:g} seconds.")


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", "-m", envvar="PERSONVERN_MANIFEST",
                     help="The shop's manifest (default: personvern.yaml)."),
    ] = None,
    database: DatabaseOption = None,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Web processes (one per core; they share the database).")] = 1,
    access_log: Annotated[bool, typer.Option(
        help="Log each request with the client's address (personal data: off by default).",
    )] = False,
) -> None:
    """Run the web app (JSON API at /api/v1, notice at /privacy, docs at /docs)."""
    import dataclasses
    import os

    import uvicorn

    from personvern.manifest.errors import ManifestError
    from personvern.store.database import URL_VARIABLE, SchemaNotCurrentError
    from personvern.web.app import create_app
    from personvern.web.settings import MANIFEST_VARIABLE, Settings

    settings = Settings.from_env()
    settings = dataclasses.replace(settings, database_url=database or settings.database_url,
                                   manifest_path=manifest or settings.manifest_path)
    try:
        app = create_app(settings)  # in this process first: a misconfiguration fails here
    except ManifestError as error:
        for problem in error.problems:
            errors.print(str(problem), markup=False)
        errors.print(f"[red]the manifest {settings.manifest_path} does not load[/]")
        raise typer.Exit(2) from None
    except (SchemaNotCurrentError, OSError) as error:
        errors.print(f"[red]{error}[/]", markup=False)
        raise typer.Exit(1) from None
    options = {"host": host, "port": port, "proxy_headers": True, "server_header": False,
               "access_log": access_log}
    if workers == 1:
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    # Each worker process builds its own app (and database pool) from the environment.
    app.state.personvern.engine.dispose()
    os.environ[URL_VARIABLE] = settings.database_url
    os.environ[MANIFEST_VARIABLE] = str(settings.manifest_path)
    uvicorn.run("personvern.web.app:create_app", factory=True, workers=workers,
                **options)  # type: ignore[arg-type]
