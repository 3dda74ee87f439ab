"""``personvern audience export``: hashed customer lists for Meta and Google, from consent.

Exit codes: 0 written, 1 a datastore could not be read, 2 wrong input (nothing written).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from personvern.store.cli import DatabaseOption, open_engine

if TYPE_CHECKING:
    from personvern.manifest.model import Manifest

app = typer.Typer(help="Audiences for advertising platforms, from recorded consent "
                       "(GDPR Art. 6(1)(a), 7(3), 21).", no_args_is_help=True)
errors = Console(stderr=True, soft_wrap=True, highlight=False)


class Format(str, Enum):
    """The platforms of :class:`personvern.consent.audience.Platform`, named here so that
    starting the command does not import the export (SQLAlchemy, phonenumbers)."""

    meta = "meta"
    google = "google"

ManifestOption = Annotated[
    Path,
    typer.Option("--manifest", "-m", envvar="PERSONVERN_MANIFEST",
                 help="The shop's manifest: purposes and the datastores with the customers."),
]


@app.callback()
def audience() -> None:
    """Hashed customer lists for advertising platforms, from recorded consent."""


def _usage(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]")
    raise typer.Exit(2)


def _manifest(path: Path) -> Manifest:
    from personvern.manifest.command import manifest_for_command

    return manifest_for_command(path)


def _write(text: str, output: Path | None) -> None:
    """To ``output`` readable by its owner only (hashed contacts are still personal data:
    the platform can match them), or to standard output."""
    if output is None:
        sys.stdout.write(text)
        return
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)


@app.command("export")
def export_command(
    purpose: Annotated[str, typer.Option(
        "--purpose", help="The consent purpose, e.g. custom_audience.")],
    platform: Annotated[Format, typer.Option(
        "--format", help="meta or google: the platform's columns and normalisation.")],
    since: Annotated[str | None, typer.Option(
        help="List the removals instead: customers whose consent held at this date "
             "(2026-01-31, midnight UTC) or moment, and no longer does.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the CSV here (mode 0600); default: standard output.")
    ] = None,
    manifest: ManifestOption = Path("personvern.yaml"),
    database: DatabaseOption = None,
) -> None:
    """Write SHA-256 hashes of the e-mails and phones of exactly the customers whose
    consent to PURPOSE holds now (not withdrawn, objected to or restricted)."""
    from personvern.consent.audience import (
        AudienceError,
        Platform,
        consent_purpose,
        export,
        since_moment,
    )
    from personvern.datastores.connect import DatastoreError
    from personvern.store.database import transaction

    loaded = _manifest(manifest)
    try:
        consent_purpose(loaded, purpose)
        moment = since_moment(since) if since is not None else None
    except AudienceError as error:
        _usage(str(error))
    engine = open_engine(database)
    try:
        with transaction(engine) as session:
            audience = export(session, loaded, purpose, Platform(platform.value),
                              since=moment, actor="cli")
    except AudienceError as error:
        _usage(str(error))
    except DatastoreError as error:
        errors.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    _write(audience.csv(), output)
    what = "to remove" if audience.removals else "with consent"
    errors.print(f"{audience.customers} customers {what} for {purpose}, "
                 f"{platform.value} format" + (f", written to {output}" if output else ""))
