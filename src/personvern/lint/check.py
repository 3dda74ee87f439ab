"""``check``: load a manifest and lint it, turning every failure into a reported problem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from personvern.lint.report import CheckResult
from personvern.lint.rule import run_rules
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import LoadedManifest, load_manifest


def check_loaded(path: str, loaded: LoadedManifest) -> CheckResult:
    return CheckResult(path=path, findings=run_rules(loaded), warnings=list(loaded.warnings))


def check_manifest(path: str | Path, environ: Mapping[str, str] | None = None) -> CheckResult:
    """Load and lint one manifest; load failures come back as problems, never raised."""
    try:
        loaded = load_manifest(path, environ)
    except ManifestError as error:
        return CheckResult(path=str(path), problems=list(error.problems))
    return check_loaded(str(path), loaded)
