"""The manifest as a command loads it: a missing or broken one ends the command cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from personvern.manifest.errors import ManifestError
from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest

errors = Console(stderr=True, soft_wrap=True, highlight=False)


def _usage(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]")
    raise typer.Exit(2)


def manifest_for_command(path: Path) -> Manifest:
    """The manifest at ``path``; when there is none, or it does not load, its problems go
    to stderr and the command ends with exit code 2 (a usage error), never a traceback."""
    if not path.is_file() and not path.is_dir():
        _usage(f"no manifest at {path}; give --manifest PATH or set $PERSONVERN_MANIFEST")
    try:
        return load_manifest(path).manifest
    except ManifestError as error:
        for problem in error.problems:
            errors.print(str(problem), markup=False)
        _usage(f"the manifest {path} does not load; run personvern check {path}")
