"""``personvern datastores``: check the manifest against real databases and plan traversals.

Exit codes: 0 clean, 1 findings, 2 the manifest does not load or a database cannot be
reached. Errors are one message each, never a traceback and never a password.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from personvern.datastores.connect import DatastoreError, read_schema
from personvern.datastores.fides import FidesError, export_fides, import_fides, read_fides, to_yaml
from personvern.datastores.plan import TraversalPlan, build_plan
from personvern.datastores.verify import VerifyFinding, verify
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import LoadedManifest, load_manifest
from personvern.manifest.model import Datastore, IdentityKind

app = typer.Typer(
    help="Connect to the shop's databases: verify, plan, import/export Fides.",
    no_args_is_help=True,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class Identity(StrEnum):
    email = "email"
    phone = "phone"
    customer_number = "customer_number"
    national_id = "national_id"
    order_number = "order_number"
    username = "username"
    visitor_id = "visitor_id"


ManifestPath = Annotated[Path, typer.Argument(help="The manifest file or folder.")]
DatastoreOption = Annotated[
    str | None, typer.Option("--datastore", "-d", help="Only this datastore of the manifest.")
]


def _fail(message: str) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(EXIT_UNUSABLE)


def _load(path: Path) -> LoadedManifest:
    try:
        return load_manifest(path)
    except ManifestError as error:
        console = Console(stderr=True)
        console.print(f"[red]error:[/red] the manifest {escape(str(path))} does not load:")
        for problem in error.problems:
            console.print(f"  {escape(str(problem))}")
        raise typer.Exit(EXIT_UNUSABLE) from None


def _datastores(loaded: LoadedManifest, name: str | None) -> dict[str, Datastore]:
    stores = dict(loaded.manifest.datastores)
    if not stores:
        _fail("the manifest declares no datastores:")
    if name is None:
        return stores
    if name not in stores:
        _fail(f"no datastore {name!r} in the manifest (it has: {', '.join(sorted(stores))})")
    return {name: stores[name]}


# --- verify ---------------------------------------------------------------------------


@app.command("verify")
def verify_command(
    manifest: ManifestPath,
    datastore: DatastoreOption = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text for people, json for tools.")
    ] = OutputFormat.text,
) -> None:
    """Compare the manifest's datastores with the real database schemas."""
    loaded = _load(manifest)
    findings: dict[str, list[VerifyFinding]] = {}
    errors: list[str] = []
    for name, store in _datastores(loaded, datastore).items():
        try:
            snapshot = read_schema(store, name=name)
        except DatastoreError as error:
            errors.append(str(error))
            continue
        findings[name] = verify(store, snapshot, name=name, loaded=loaded)
    if output is OutputFormat.json:
        _print_json(findings, errors)
    else:
        _print_findings(findings)
    for message in errors:
        Console(stderr=True).print(f"[red]error:[/red] {escape(message)}")
    if errors:
        raise typer.Exit(EXIT_UNUSABLE)
    raise typer.Exit(EXIT_FINDINGS if any(findings.values()) else EXIT_CLEAN)


def _print_json(findings: dict[str, list[VerifyFinding]], errors: list[str]) -> None:
    document = {
        "clean": not errors and not any(findings.values()),
        "findings": [
            {"datastore": name, **finding.as_dict()}
            for name, found in findings.items() for finding in found
        ],
        "errors": errors,
    }
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _print_findings(findings: dict[str, list[VerifyFinding]]) -> None:
    """One finding a line, ``file:line:col`` first, as compilers and linters print them."""
    console = Console()
    for name, found in findings.items():
        if not found:
            console.print(f"[green]✓[/green] datastore {escape(name)}: "
                          "the manifest matches the database")
            continue
        console.print(f"[bold]datastore {escape(name)}[/bold]: {len(found)} finding(s)")
        for finding in found:
            where = f"{finding.location}: " if finding.location else ""
            console.print(f"  {escape(where)}[yellow]{finding.kind}[/yellow] "
                          f"[bold]{escape(finding.place)}[/bold]: {escape(finding.message)}")


# --- plan -----------------------------------------------------------------------------


@app.command("plan")
def plan_command(
    manifest: ManifestPath,
    identity: Annotated[Identity, typer.Option("--identity", "-i", help="What the person "
                                               "gives to be found by.")],
    datastore: DatastoreOption = None,
) -> None:
    """Show the queries a request would run, in order, without touching a database."""
    loaded = _load(manifest)
    region = loaded.manifest.organization.country
    console = Console()
    kind: IdentityKind = identity.value
    for name, store in _datastores(loaded, datastore).items():
        console.print(_plan_tree(name, build_plan(store, kind, default_region=region)))


def _plan_tree(name: str, plan: TraversalPlan) -> Tree:
    tree = Tree(f"[bold]datastore {escape(name)}[/bold]: find by {plan.identity}")
    for number, step in enumerate(plan.steps, start=1):
        how = [f"{m.field} ({m.method})" for m in step.identity]
        how += [f"via {hop}" for hop in step.via]
        branch = tree.add(f"{number}. hop {step.hop} · [bold]{escape(step.collection)}"
                          f"[/bold] — {escape('; '.join(how))}")
        branch.add(f"[cyan]{escape(step.sql)}[/cyan]")
        if step.through_shared_parent:
            branch.add("[yellow]⚠ reached only through a shared parent without personal "
                       "data: rows may belong to other people; not fetched unless asked"
                       "[/yellow]")
    if not plan.steps:
        tree.add("[yellow]no collection can be searched by this identity[/yellow]")
    if plan.unreachable:
        lost = tree.add("[red]unreachable: personal data no request would find[/red]")
        for collection in plan.unreachable:
            lost.add(escape(collection))
    for note in plan.notes:
        tree.add(f"[dim]note: {escape(note)}[/dim]")
    return tree


# --- Fides ----------------------------------------------------------------------------

OutputPath = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of to stdout.")
]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}")
    Console(stderr=True).print(f"wrote {escape(str(output))}")


@app.command("import-fides")
def import_fides_command(
    dataset: Annotated[Path, typer.Argument(help="A Fides dataset YAML file.")],
    output: OutputPath = None,
) -> None:
    """Turn a Fides dataset file into manifest datastores: YAML."""
    try:
        text = dataset.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"cannot read {dataset}: {getattr(error, 'strerror', None) or error}")
    try:
        imported = import_fides(read_fides(text))
    except FidesError as error:
        _fail(f"{dataset}: {error}")
    for warning in imported.warnings:
        Console(stderr=True).print(f"[yellow]warning:[/yellow] {escape(warning)}")
    _write(imported.to_yaml(), output)


@app.command("export-fides")
def export_fides_command(manifest: ManifestPath, output: OutputPath = None) -> None:
    """Write the manifest's datastores as a Fides dataset file."""
    loaded = _load(manifest)
    document: dict[str, Any] = export_fides(loaded.manifest)
    _write(to_yaml(document), output)
