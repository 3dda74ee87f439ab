"""``personvern datastores``: check the manifest against real databases and plan traversals."""

from __future__ import annotations

import typer

app = typer.Typer(help="Connect to the shop's databases: verify, plan, import/export Fides.")
