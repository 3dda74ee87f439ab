"""``personvern demo``: the demo shop, and the whole of personvern served on it."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

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
from personvern.demo import MANIFEST
from personvern.demo import generate as generation
from personvern.demo.workspace import (
    OFFICER,
    Workspace,
    WorkspaceError,
    fresh_api_key,
    fresh_officer_password,
    sample_guest,
)
from personvern.lint.report import render_text
from personvern.manifest.load import load_manifest

app = typer.Typer(
    help="The demo shop. Without a sub-command: build it on SQLite, walk through it and "
         "serve personvern on it (portal, admin console, privacy notice, banner).",
    no_args_is_help=False,
    invoke_without_command=True,
)
WORKING_FOLDER = Path()
DEMO_DB_VARIABLE = "PERSONVERN_DEMO_DB"  # the demo manifest takes the shop's url from here
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)


@app.callback()
def tour(
    ctx: typer.Context,
    customers: int = typer.Option(2_000, "--customers", "-n", min=1,
                                  help="Customers in a newly built demo shop."),
    db: str | None = typer.Option(
        None, "--db", envvar=DEMO_DB_VARIABLE, show_default=False,
        help="SQLAlchemy URL of the demo shop's database "
             "[default: personvern-demo.db in the demo's folder]."),
    folder: Annotated[Path, typer.Option(
        "--dir", file_okay=False,
        help="Folder for the demo's files: shop, engine store, mail outbox, secret.",
    )] = WORKING_FOLDER,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535,
                             help="Port to listen on (0: any free port)."),
    no_serve: bool = typer.Option(False, "--no-serve",
                                  help="Build and set up everything, then exit."),
) -> None:
    """Check the demo manifest, build the demo shop, set up personvern on it and serve it."""
    if ctx.invoked_subcommand is not None:
        return
    from personvern.demo import serve as serving

    # Bad options are refused before anything is written: first the address, then the folder.
    listener = None
    try:
        listener = None if no_serve else serving.listen(host, port)
        workspace = Workspace.open(folder)
    except (WorkspaceError, serving.ListenError) as error:
        if listener is not None:
            listener.close()
        errors.print(str(error), style="red", markup=False)
        raise typer.Exit(2) from None
    try:
        os.environ[DEMO_DB_VARIABLE] = shop_url = db or workspace.shop_url
        workspace.use_secret()
        _walk_through(shop_url, customers)
        store = workspace.migrated_store()
        try:
            api_key, password = _set_up(workspace, store)
        finally:
            store.dispose()
        if listener is None:
            _print_ready(workspace, (api_key, password), shop_url, None)
            return
        url = serving.base_url(listener)
        served = serving.demo_app(workspace, url)
        _print_ready(workspace, (api_key, password), shop_url, url)
        with serving.DemoWorker(workspace.store_url):
            stopped_by = serving.serve(served, listener)
    finally:
        if listener is not None:
            listener.close()
    console.print(f"personvern demo stopped ({stopped_by}).")


def _walk_through(shop_url: str, customers: int) -> None:
    """The short tour: lint, build the shop if missing, compare, and one request's plan."""
    console.rule("1. The manifest, checked against the GDPR")
    result = lint.check_manifest(MANIFEST)
    render_text([result], console, hints=False)
    if not result.loaded:
        raise typer.Exit(1)
    loaded = load_manifest(MANIFEST)
    manifest = loaded.manifest
    organization = manifest.organization
    console.print(f"{organization.name} ({organization.country}): "
                  f"{len(manifest.purposes)} purposes, {len(manifest.recipients)} recipients, "
                  f"{len(manifest.cookies)} cookies, notice in "
                  f"{', '.join(organization.languages)}   (personvern show {MANIFEST})")
    console.rule("2. The demo shop's database")
    engine = sa.create_engine(shop_url)
    try:
        exists = sa.inspect(engine).has_table("customers")
    finally:
        engine.dispose()
    if exists:
        console.print(f"using the demo shop in {shop_url} (delete it to build a new one)")
    else:
        report = generation.generate(shop_url, customers, seed=1)
        console.print(f"built the demo shop in {shop_url}: {customers:,} customers, "
                      f"{sum(report.counts.values()):,} rows")
    console.rule("3. The manifest against the real database")
    store = manifest.datastores["shop"]
    findings = verify(store, read_schema(store, name="shop"), name="shop", loaded=loaded)
    for finding in findings:
        console.print(f"{finding.location}: {finding.kind} {finding.place}: {finding.message}")
    console.print("[green]✓ every table and column is declared[/]" if not findings else
                  f"[yellow]{len(findings)} differences[/]")
    console.rule("4. How a request finds one person (by e-mail)")
    plan = build_plan(store, "email", default_region=organization.country)
    console.print(f"{len(plan.steps)} queries, one per table: "
                  f"{', '.join(step.collection for step in plan.steps)}; the customers one:")
    for step in plan.steps:
        if step.collection == "customers":
            console.print(f"  {step.sql}")
    console.print(f"(all of them: personvern datastores plan {MANIFEST} --identity email)")


def _set_up(workspace: Workspace, store: sa.Engine) -> tuple[str, str]:
    """The engine store is migrated; now the API key that uses it and the officer who
    logs in to the admin console. Returns the key and the officer's password."""
    console.rule("5. personvern on the demo shop")
    console.print(f"engine store: {workspace.store_url} (migrated)")
    key = fresh_api_key(store)
    console.print("API key 'demo-shop' made anew (earlier demo keys revoked)")
    password = fresh_officer_password(store)
    console.print(f"admin console user '{OFFICER}' (privacy officer), password set anew")
    return key, password


def _print_ready(workspace: Workspace, secrets: tuple[str, str], shop_url: str,
                 url: str | None) -> None:
    api_key, password = secrets
    lines = []
    if url is not None:
        lines += [
            f"  The shop, with the consent banner   {url}/",
            f"  Privacy portal for customers        {url}/portal",
            f"  Admin console for the privacy team  {url}/admin",
            f"  Privacy notice                      {url}/privacy",
            f"  JSON API and its docs               {url}/docs",
            "",
        ]
    lines += [
        f"  Admin login   {OFFICER} / {password}  (a new password on every run)",
        f"  API key       {api_key}  (a new one on every run)",
        f"  Mail outbox   {workspace.outbox.folder}  (one .eml file per mail)",
    ]
    if guest := sample_guest(shop_url):
        lines.append(f"  Try as        {guest[0].lower()}  (a guest with {guest[1]} orders; "
                     "the portal's codes arrive in the outbox)")
    console.rule("personvern demo is served" if url is not None else "personvern demo is ready")
    console.print("\n".join(lines), markup=False)
    if url is None:
        console.print(f"Serve it: personvern demo --dir {workspace.folder}", markup=False)
    else:
        console.print("Stop with Ctrl+C (the files stay; the next run reuses them).")


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
