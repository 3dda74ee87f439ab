"""What a lint rule is, what it finds, and the registry of all rules."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from personvern.manifest.errors import Location

if TYPE_CHECKING:
    from personvern.manifest.load import LoadedManifest

ManifestPath = tuple[str | int, ...]
Hit = tuple[ManifestPath, str]
"""What a rule's check yields: where in the manifest, and what is wrong there."""


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    article: str  # the GDPR article or national law the rule enforces
    summary: str
    rationale: str
    fix: str
    check: Callable[[LoadedManifest], Iterable[Hit]]


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message: str
    path: ManifestPath
    location: Location | None

    @property
    def severity(self) -> Severity:
        return self.rule.severity


RULES: dict[str, Rule] = {}


Check = Callable[["LoadedManifest"], Iterable[Hit]]


def rule(
    id: str, name: str, severity: str, article: str, *, fix: str
) -> Callable[[Check], Check]:
    """Register a check. Its docstring's first line is the summary, the rest the rationale."""

    def register(
        check: Callable[[LoadedManifest], Iterable[Hit]],
    ) -> Callable[[LoadedManifest], Iterable[Hit]]:
        doc = inspect.cleandoc(check.__doc__ or name)
        first, _, rationale = doc.partition("\n\n")
        summary = " ".join(first.split())
        if id in RULES:
            raise ValueError(f"rule {id} is registered twice")
        RULES[id] = Rule(
            id=id, name=name, severity=Severity(severity), article=article,
            summary=summary.strip(), rationale=rationale.strip(), fix=fix, check=check,
        )
        return check

    return register


def find_rule(key: str) -> Rule | None:
    """A rule by id (``PV001``, case-insensitive) or by name (``purpose-without-retention``)."""
    wanted = key.strip()
    return RULES.get(wanted.upper()) or next(
        (r for r in RULES.values() if r.name == wanted.lower()), None
    )


def run_rules(loaded: LoadedManifest, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Run every rule (or the given ones) and return the findings in source order."""
    findings: list[Finding] = []
    for current in rules if rules is not None else sorted(RULES.values(), key=lambda r: r.id):
        findings.extend(_findings(current, loaded))
    return sorted(
        findings,
        key=lambda f: (f.location or Location("", 0, 0), f.severity.rank, f.rule.id),
    )


def _findings(current: Rule, loaded: LoadedManifest) -> Iterator[Finding]:
    for path, message in current.check(loaded):
        yield Finding(current, message, path, loaded.locate(*path))
