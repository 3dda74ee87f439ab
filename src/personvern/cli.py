"""The ``personvern`` command. Each sub-command is a thin shell over a domain function."""

from __future__ import annotations

import typer

from personvern.datastores.cli import app as datastores_app
from personvern.demo.cli import app as demo_app

app = typer.Typer(
    name="personvern",
    help="Privacy operations for online shops: manifest, requests, consent, retention.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(demo_app, name="demo")
app.add_typer(datastores_app, name="datastores")


def main() -> None:
    app()
