"""``personvern demo``: the demo shop."""

from __future__ import annotations

import typer

app = typer.Typer(help="The demo shop: schema, data generator and manifest.", no_args_is_help=False)
