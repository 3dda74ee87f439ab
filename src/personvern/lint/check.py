"""``check``: load a manifest and lint it, turning every failure into a reported problem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from personvern import catalog
from personvern.lint.report import CheckResult
from personvern.lint.rule import RULES, run_rules
from personvern.manifest.errors import ManifestError, Problem
from personvern.manifest.load import LoadedManifest, load_manifest


def check_loaded(path: str, loaded: LoadedManifest) -> CheckResult:
    """Lint a loaded manifest; findings of rules it ignores (``lint.ignore``) are set apart."""
    ignored = loaded.manifest.lint.ignore
    unknown = [
        Problem(loaded.locate("lint", "ignore", rule_id),
                f"lint.ignore: unknown rule {rule_id!r}" + catalog.suggest(rule_id, list(RULES)))
        for rule_id in ignored if rule_id not in RULES
    ]
    if unknown:
        return CheckResult(path=path, problems=unknown)
    findings = run_rules(loaded)
    return CheckResult(
        path=path,
        findings=[f for f in findings if f.rule.id not in ignored],
        ignored=[f for f in findings if f.rule.id in ignored],
        ignore_reasons=dict(ignored),
        warnings=list(loaded.warnings),
    )


def check_manifest(path: str | Path, environ: Mapping[str, str] | None = None) -> CheckResult:
    """Load and lint one manifest; load failures come back as problems, never raised."""
    try:
        loaded = load_manifest(path, environ)
    except ManifestError as error:
        return CheckResult(path=str(path), problems=list(error.problems))
    return check_loaded(str(path), loaded)
