"""Lint results as text (Rich), JSON, and SARIF 2.1.0 for code-scanning UIs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape

from personvern import __version__
from personvern.lint.rule import RULES, Finding, Rule, Severity
from personvern.manifest.errors import Problem

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


@dataclass
class CheckResult:
    """The outcome of checking one manifest: load problems, or lint findings."""

    path: str
    problems: list[Problem] = field(default_factory=list)  # the manifest did not load
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # loaded, with notes (unset env)
    ignored: list[Finding] = field(default_factory=list)  # rules the manifest ignores
    ignore_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def loaded(self) -> bool:
        return not self.problems

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or self.count(Severity.ERROR) > 0


def _finding_line(finding: Finding) -> str:
    where = str(finding.location) if finding.location else "?"
    rule = finding.rule
    return (
        f"{escape(where)}: [{STYLE[rule.severity]}]{rule.severity.value}[/] "
        f"{escape(finding.message)} [dim]({rule.id} {rule.name}; {escape(rule.article)})[/]"
    )


def render_text(results: Sequence[CheckResult], console: Console, *, hints: bool = True) -> None:
    for result in results:
        if not result.loaded:
            console.print(f"[bold red]✗ {escape(result.path)} does not load[/]")
            for problem in result.problems:
                console.print(f"{escape(str(problem.location or result.path))}: "
                              f"[bold red]error[/] {escape(problem.message)}")
            continue
        for note in result.warnings:
            console.print(f"{escape(str(note.location))}: [yellow]note[/] {escape(note.message)}")
        for finding in result.findings:
            console.print(_finding_line(finding))
            if hints:
                console.print(f"    [dim]fix: {escape(finding.rule.fix)}[/]")
        counts = ", ".join(
            f"{result.count(s)} {s.value}{'s' if result.count(s) != 1 else ''}" for s in Severity
        )
        if result.ignored:
            counts += f" ({len(result.ignored)} ignored by lint.ignore)"
        mark = "[bold red]✗[/]" if result.failed else "[green]✓[/]"
        console.print(f"{mark} {escape(result.path)}: {counts}")


def _finding_json(finding: Finding) -> dict[str, Any]:
    location = finding.location
    return {
        "rule": finding.rule.id,
        "name": finding.rule.name,
        "severity": finding.severity.value,
        "article": finding.rule.article,
        "message": finding.message,
        "fix": finding.rule.fix,
        "path": list(finding.path),
        "file": location.file if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
    }


def render_json(results: Sequence[CheckResult]) -> str:
    return json.dumps(
        {
            "tool": {"name": "personvern", "version": __version__},
            "manifests": [
                {
                    "path": r.path,
                    "loaded": r.loaded,
                    "problems": [
                        {
                            "message": p.message,
                            "file": p.location.file if p.location else r.path,
                            "line": p.location.line if p.location else None,
                            "column": p.location.column if p.location else None,
                        }
                        for p in r.problems
                    ],
                    "findings": [_finding_json(f) for f in r.findings],
                    "ignored": [_finding_json(f) for f in r.ignored],
                    "summary": {s.value: r.count(s) for s in Severity},
                }
                for r in results
            ],
        },
        indent=2,
        ensure_ascii=False,
    )


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": {"text": f"{rule.fix}\n\nEnforces: {rule.article}."},
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
        "properties": {"article": rule.article, "tags": ["privacy", "gdpr"]},
    }


def _sarif_location(file: str, line: int | None, column: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": file}}
    if line:
        physical["region"] = {"startLine": line, "startColumn": column or 1}
    return {"physicalLocation": physical}


def render_sarif(results: Sequence[CheckResult]) -> str:
    rules = sorted(RULES.values(), key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rules)}
    sarif_results: list[dict[str, Any]] = []
    for result in results:
        for problem in result.problems:
            location = problem.location
            sarif_results.append({
                "ruleId": "PV000",
                "level": "error",
                "message": {"text": problem.message},
                "locations": [_sarif_location(
                    location.file if location else result.path,
                    location.line if location else None,
                    location.column if location else None,
                )],
            })
        ignored = result.ignore_reasons
        for finding in [*result.findings, *result.ignored]:
            location = finding.location
            sarif_results.append({
                "ruleId": finding.rule.id,
                "ruleIndex": index[finding.rule.id] + 1,
                "level": SARIF_LEVEL[finding.severity],
                **({"suppressions": [{"kind": "inSource", "justification": ignored[
                    finding.rule.id]}]} if finding.rule.id in ignored else {}),
                "message": {"text": f"{finding.message} ({finding.rule.article})"},
                "locations": [_sarif_location(
                    location.file if location else result.path,
                    location.line if location else None,
                    location.column if location else None,
                )],
            })
    load_rule = {
        "id": "PV000",
        "name": "ManifestDoesNotLoad",
        "shortDescription": {"text": "The manifest is not valid YAML or not a valid manifest."},
        "defaultConfiguration": {"level": "error"},
    }
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "personvern",
                "version": __version__,
                "informationUri": "https://github.com/personvern/personvern",
                "rules": [load_rule, *(_sarif_rule(r) for r in rules)],
            }},
            "results": sarif_results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def explain(rule: Rule) -> str:
    """The text of ``check --explain``."""
    return "\n".join([
        f"{rule.id} {rule.name} ({rule.severity.value})",
        f"Enforces: {rule.article}",
        "",
        rule.summary,
        "",
        rule.rationale,
        "",
        f"Fix: {rule.fix}",
    ]).replace("\n\n\n", "\n\n")


RULES_MARKDOWN_HEAD = """\
# Lint rules

This file is generated from the rule registry (`personvern.lint.RULES`) by
`personvern check --list-rules --format markdown`, so it says exactly what the code says;
regenerate it rather than editing it (a test fails when it is out of date). Print one rule
with `personvern check --explain PV040` (by id) or
`personvern check --explain third-country-without-transfer` (by name).

Each rule has a severity. `personvern check` exits with code 1 when a manifest has a finding
of severity error (with `--strict`, also of severity warning); info findings never fail the
check. A shop may set a rule aside, with its reason, under `lint: ignore:` in the manifest
(see [manifest.md](manifest.md#lint)).
"""


def rules_markdown() -> str:
    """docs/lint-rules.md: an index table, then each rule's explanation."""
    rules = sorted(RULES.values(), key=lambda r: r.id)
    lines = [RULES_MARKDOWN_HEAD, "| id | name | severity | enforces |", "|---|---|---|---|"]
    lines += [
        f"| [{r.id}](#{r.id.lower()}-{r.name}) | `{r.name}` | {r.severity.value} | {r.article} |"
        for r in rules
    ]
    for r in rules:
        lines += [
            "", f"## {r.id} {r.name}", "", f"- **Severity:** {r.severity.value}",
            f"- **Enforces:** {r.article}", "", r.summary, "", r.rationale, "",
            f"**Fix:** {r.fix}",
        ]
    return "\n".join(lines) + "\n"


def summary_by_rule(findings: Iterable[Finding]) -> Counter[str]:
    return Counter(f.rule.id for f in findings)
