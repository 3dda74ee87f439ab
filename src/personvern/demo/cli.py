"""``personvern demo``: the demo shop."""

from __future__ import annotations

import os
from datetime import date, datetime

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from personvern import lint
from personvern.datastores.connect import read_schema
from personvern.datastores.plan import build_plan
from personvern.datastores.verify import verify
from personvern.demo import DEFAULT_URL, MANIFEST
from personvern.demo import generate as generation
from personvern.lint.report import render_text
from personvern.manifest.load import load_manifest
from personvern.manifest.summary import render_summary

app = typer.Typer(
    help="The demo shop. Without a sub-command: build it on SQLite and walk through it.",
    no_args_is_help=False,
    invoke_without_command=True,
)


@app.callback()
def tour(
    ctx: typer.Context,
    customers: int = typer.Option(2_000, "--customers", "-n", min=1,
                                  help="Customers in a newly built demo shop."),
    db: str = typer.Option(DEFAULT_URL, "--db", envvar="PERSONVERN_DEMO_DB",
                           help="SQLAlchemy URL of the demo shop's database."),
) -> None:
    """Check the demo manifest, build the demo shop if needed, and compare the two."""
    if ctx.invoked_subcommand is not None:
        return
    console = Console(soft_wrap=True)
    os.environ["PERSONVERN_DEMO_DB"] = db  # the manifest takes its url from here
    console.rule("1. The manifest: lint against the GDPR")
    result = lint.check_manifest(MANIFEST)
    render_text([result], console, hints=False)
    if not result.loaded:
        raise typer.Exit(1)
    loaded = load_manifest(MANIFEST)
    render_summary(loaded, console)
    console.rule("2. The demo shop's database")
    engine = sa.create_engine(db)
    try:
        exists = sa.inspect(engine).has_table("customers")
    finally:
        engine.dispose()
    if exists:
        console.print(f"using the demo shop in {db} (delete it to build a new one)")
    else:
        report = generation.generate(db, customers, seed=1)
        console.print(f"built the demo shop in {db}: {customers:,} customers, "
                      f"{sum(report.counts.values()):,} rows")
    console.rule("3. The manifest against the real database")
    store = loaded.manifest.datastores["shop"]
    findings = verify(store, read_schema(store, name="shop"), name="shop", loaded=loaded)
    for finding in findings:
        console.print(f"{finding.location}: {finding.kind} {finding.place}: {finding.message}")
    console.print("[green]✓ every table and column is declared[/]" if not findings else
                  f"[yellow]{len(findings)} differences[/]")
    console.rule("4. How a request finds one person (by e-mail)")
    plan = build_plan(store, "email", default_region=loaded.manifest.organization.country)
    for number, step in enumerate(plan.steps, start=1):
        console.print(f"{number:>2}. {step.collection}: {step.sql}", highlight=False)
    console.rule("Next")
    console.print(f"personvern check {MANIFEST}\n"
                  f"personvern datastores plan {MANIFEST} --identity phone\n"
                  "personvern init my-shop.yaml", highlight=False)


def _reference(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y-%m-%d").date() if value else None


@app.command("generate")
def generate_command(
    customers: int = typer.Option(..., "--customers", "-n", min=0,
                                  help="How many customer accounts to make."),
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL of the database to fill.",
                           envvar="PERSONVERN_DEMO_DB"),
    seed: int = typer.Option(1, "--seed", help="The same seed gives the same rows."),
    batch_size: int = typer.Option(generation.DEFAULT_BATCH, "--batch-size", min=1,
                                   help="Customers generated and loaded per chunk."),
    reference_date: str | None = typer.Option(
        None, "--reference-date", help="'Today' for the data (YYYY-MM-DD); default: today."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Drop existing demo tables first."),
) -> None:
    """Fill a database with the demo shop: customers, orders and all around them."""
    console = Console()
    columns = (TextColumn("customers"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("generate", total=customers)
        try:
            report = generation.generate(
                db, customers, seed=seed, reference=_reference(reference_date),
                batch_size=batch_size, replace=replace,
                progress=lambda done: progress.update(task, completed=done),
            )
        except generation.DemoTablesExistError as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
    console.print(f"demo shop in {report.backend}, seed {seed}, as of {report.reference}")
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in report.counts.items():
        table.add_row(name, f"{count:,}")
    table.add_row("[b]total[/b]", f"[b]{report.rows:,}[/b]")
    console.print(table)
    console.print(
        f"{report.rows:,} rows in {report.seconds:.1f} s "
        f"(load {report.load_seconds:.1f} s, indexes {report.index_seconds:.1f} s): "
        f"{report.rows_per_second:,.0f} rows/s"
    )
