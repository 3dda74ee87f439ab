"""The ``personvern`` command. Each sub-command is a thin shell over a domain function."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from personvern import lint
from personvern.audit.cli import app as audit_app
from personvern.consent.audience_cli import app as audience_app
from personvern.consent.cli import app as consent_app
from personvern.datastores.cli import app as datastores_app
from personvern.demo.cli import app as demo_app
from personvern.jobs.cli import worker_command
from personvern.lint.report import (
    explain,
    render_json,
    render_sarif,
    render_text,
    rules_markdown,
)
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import load_manifest
from personvern.manifest.scaffold import (
    ScaffoldAnswers,
    check_vendor,
    scaffold,
    to_yaml,
    vendors_for,
)
from personvern.manifest.summary import render_summary
from personvern.notice.cli import app as notice_app
from personvern.requests.cli import app as requests_app
from personvern.retention.cli import app as retention_app
from personvern.staff.cli import app as users_app
from personvern.store.cli import app as db_app
from personvern.web.cli import apikeys_app, serve_command

app = typer.Typer(
    name="personvern",
    help="Privacy operations for online shops: manifest, requests, consent, retention.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(demo_app, name="demo")
app.add_typer(datastores_app, name="datastores")
app.add_typer(notice_app, name="notice")
app.add_typer(requests_app, name="requests")
app.add_typer(retention_app, name="retention")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(consent_app, name="consent")
app.add_typer(audience_app, name="audience")
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(users_app, name="users")
app.command("serve")(serve_command)
app.command("worker")(worker_command)

# soft_wrap: a finding stays on one line (file:line:col: message), so it can be grepped.
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

YAML_SUFFIXES = (".yaml", ".yml")


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"  # --list-rules only


def _manifest_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Split arguments into manifests (YAML files, folders) and files that are not."""
    manifests: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        is_manifest = path.is_dir() or path.suffix.lower() in YAML_SUFFIXES or not path.exists()
        (manifests if is_manifest else skipped).append(path)
    return manifests, skipped


def _list_rules(output_format: OutputFormat) -> None:
    rules = sorted(lint.RULES.values(), key=lambda r: r.id)
    if output_format is OutputFormat.markdown:
        sys.stdout.write(rules_markdown())
        return
    if output_format is not OutputFormat.text:
        listing = [{"id": r.id, "name": r.name, "severity": r.severity.value,
                    "article": r.article, "summary": r.summary, "fix": r.fix} for r in rules]
        sys.stdout.write(json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title="personvern lint rules", show_lines=False)
    for column in ("id", "name", "severity", "enforces"):
        table.add_column(column)
    for rule in rules:
        table.add_row(rule.id, rule.name, rule.severity.value, rule.article)
    console.print(table)


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Manifest files or folders.", show_default=False)
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json or sarif.")
    ] = OutputFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    explain_rule: Annotated[
        str | None, typer.Option("--explain", help="Print the rationale of a rule and exit.")
    ] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List all rules.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the check too.")] = False,
    hints: Annotated[bool, typer.Option(help="Show a fix hint under each finding.")] = True,
) -> None:
    """Validate manifests and lint them against the GDPR.

    Exit code 0 when nothing is wrong, 1 when a manifest does not load or has errors
    (with --strict: warnings too), 2 on wrong usage.
    """
    if explain_rule:
        rule = lint.find_rule(explain_rule)
        if rule is None:
            errors.print(f"[red]No rule {explain_rule!r}.[/] See personvern check --list-rules.")
            raise typer.Exit(2)
        console.print(explain(rule), markup=False, highlight=False)
        return
    if list_rules:
        _list_rules(output_format)
        return
    if output_format is OutputFormat.markdown:
        errors.print("[red]--format markdown goes with --list-rules.[/]")
        raise typer.Exit(2)
    if not paths:
        errors.print("[red]Give at least one manifest file or folder.[/]")
        raise typer.Exit(2)
    manifests, skipped = _manifest_paths(paths)
    for path in skipped:
        errors.print(f"[dim]skipped {path}: not a YAML manifest[/]")
    results = [lint.check_manifest(path) for path in manifests]
    if output_format is OutputFormat.text and output is None:
        render_text(results, console, hints=hints)
    else:
        rendered = {
            OutputFormat.json: render_json,
            OutputFormat.sarif: render_sarif,
        }.get(output_format)
        if rendered is None:  # text into a file
            with output.open("w", encoding="utf-8") as stream:  # type: ignore[union-attr]
                render_text(results, Console(file=stream, width=120, no_color=True), hints=hints)
        elif output is None:
            sys.stdout.write(rendered(results) + "\n")
        else:
            output.write_text(rendered(results) + "\n", encoding="utf-8")
    failed = any(r.failed for r in results) or (
        strict and any(r.count(lint.Severity.WARNING) for r in results)
    )
    raise typer.Exit(1 if failed else 0)


@app.command()
def show(
    path: Annotated[Path, typer.Argument(help="A manifest file or folder.")],
    language: Annotated[str | None, typer.Option("--lang", help="Language of the texts.")] = None,
) -> None:
    """Summarise what a manifest declares: purposes, recipients, cookies, datastores."""
    try:
        loaded = load_manifest(path)
    except ManifestError as error:
        for problem in error.problems:
            errors.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(1) from None
    render_summary(loaded, console, language)


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _ask_text(value: str | None, question: str, interactive: bool, default: str = "") -> str:
    if value is not None:
        return value
    if not interactive:
        if default:
            return default
        errors.print(f"[red]Missing answer: {question}[/] (give it as an option)")
        raise typer.Exit(2)
    return str(typer.prompt(question, default=default or None, show_default=bool(default)))


def _ask_vendors(given: list[str] | None, kind: str, interactive: bool) -> list[str]:
    if given is None and interactive:
        known = ", ".join(vendors_for(kind))
        reply = typer.prompt(f"{kind.capitalize()} ({known}; comma-separated, or none)",
                             default="none")
        given = [] if reply.strip().lower() in ("", "none", "-") else reply.split(",")
    chosen = [key.strip().lower() for key in given or [] if key.strip()]
    for key in chosen:
        problem = check_vendor(key, kind)
        if problem:
            errors.print(f"[red]{kind}: {problem}[/]; known: {', '.join(vendors_for(kind))}")
            raise typer.Exit(2)
    return chosen


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the manifest.")] = Path(
        "personvern.yaml"
    ),
    name: Annotated[str | None, typer.Option(help="Legal name of the shop's company.")] = None,
    country: Annotated[str | None, typer.Option(help="Country code: NO, SE, DK, FI, DE.")] = None,
    email: Annotated[str | None, typer.Option(help="Privacy contact e-mail.")] = None,
    org_number: Annotated[str | None, typer.Option(help="Organisation number.")] = None,
    street: Annotated[str | None, typer.Option(help="Street address.")] = None,
    postal_code: Annotated[str | None, typer.Option(help="Postal code.")] = None,
    city: Annotated[str | None, typer.Option(help="City.")] = None,
    platform: Annotated[str | None, typer.Option(help="shopify, wix… or none.")] = None,
    payment: Annotated[list[str] | None, typer.Option(help="Payment provider (repeat).")] = None,
    carrier: Annotated[list[str] | None, typer.Option(help="Carrier (repeat).")] = None,
    analytics: Annotated[list[str] | None, typer.Option(help="Analytics tool (repeat).")] = None,
    advertising: Annotated[
        list[str] | None, typer.Option(help="Advertising platform (repeat).")
    ] = None,
    newsletter: Annotated[str | None, typer.Option(help="Newsletter tool, or none.")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a first manifest from a few questions (or options); it passes check."""
    if path.exists() and not force:
        errors.print(f"[red]{path} exists[/]; use --force to overwrite it.")
        raise typer.Exit(2)
    interactive = not no_input and _stdin_is_terminal()
    answers = ScaffoldAnswers(
        name=_ask_text(name, "Company name", interactive),
        country=_ask_text(country, "Country (NO, SE, DK, FI, DE)", interactive, "NO").upper(),
        email=_ask_text(email, "Privacy contact e-mail", interactive),
        org_number=_ask_text(org_number, "Organisation number", interactive, "-"),
        street=_ask_text(street, "Street address", interactive, "-"),
        postal_code=_ask_text(postal_code, "Postal code", interactive, "-"),
        city=_ask_text(city, "City", interactive, "-"),
        platform=_first(_ask_vendors([platform] if platform else None, "platform",
                                     interactive)),
        payments=_ask_vendors(payment, "payments", interactive),
        carriers=_ask_vendors(carrier, "carriers", interactive),
        analytics=_ask_vendors(analytics, "analytics", interactive),
        advertising=_ask_vendors(advertising, "advertising", interactive),
        newsletter=_first(_ask_vendors(
            None if newsletter is None else [] if newsletter == "none" else [newsletter],
            "newsletter", interactive,
        )),
    )
    for attribute in ("org_number", "street", "postal_code", "city"):
        if getattr(answers, attribute) == "-":
            setattr(answers, attribute, None if attribute == "org_number" else "")
    if not (answers.street and answers.postal_code and answers.city):
        answers.street = answers.postal_code = answers.city = ""
    path.write_text(to_yaml(scaffold(answers), name=answers.name, file=str(path)),
                    encoding="utf-8")
    result = lint.check_manifest(path)
    render_text([result], console, hints=False)
    console.print(f"Wrote {path}. Next: edit it, then run [bold]personvern check {path}[/].")
    raise typer.Exit(1 if result.failed else 0)


def main() -> None:
    app()
