"""``personvern retention``: plan, run and verify the manifest's retention rules.

Thin shells over :mod:`personvern.retention`. Exit codes: 0 done (``verify``: nothing past
due), 1 refused or past due (``verify``), or a datastore that cannot be used, 2 wrong
input (nothing is written).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from personvern.store.cli import DatabaseOption, open_engine

if TYPE_CHECKING:
    from personvern.manifest.model import Manifest
    from personvern.retention.sweep import Moment

app = typer.Typer(help="Retention: scheduled deletion and anonymisation (GDPR Art. 5(1)(e)).",
                  no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)


class PlanFormat(str, Enum):
    text = "text"
    json = "json"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


ManifestOption = Annotated[
    Path,
    typer.Option("--manifest", "-m", envvar="PERSONVERN_MANIFEST",
                 help="The shop's manifest: its datastores and retention rules."),
]
NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Count as if it were this moment (ISO 8601; UTC unless an "
                               "offset is given). Default: now.", show_default=False),
]


def _usage(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]", markup=True)
    raise typer.Exit(2)


def _refused(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]", markup=True)
    raise typer.Exit(1)


def _manifest(path: Path) -> Manifest:
    from personvern.manifest.command import manifest_for_command

    return manifest_for_command(path)


def _moment(now: str | None, manifest: Manifest) -> Moment:
    from personvern.retention.sweep import Moment

    if now is None:
        return Moment.at(datetime.now(UTC), manifest.organization.country)
    if len(now) > 40:
        _usage("--now is not an ISO 8601 moment (2025-01-01T03:00:00Z)")
    try:
        moment = datetime.fromisoformat(now.strip())
    except ValueError:
        _usage("--now is not an ISO 8601 moment (2025-01-01T03:00:00Z)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return Moment.at(moment, manifest.organization.country)


def _resolved(manifest: Manifest) -> list[str]:
    from personvern.retention.rules import RuleError, resolve

    try:
        return [sweep.id for sweep in resolve(manifest)]
    except RuleError as error:
        _usage(f"retention rules that cannot be carried out: {error}")


def _datastore_refusal(error: Exception) -> NoReturn:
    _refused(str(error))


# --- plan --------------------------------------------------------------------------------


@app.command("plan")
def plan_command(
    manifest: ManifestOption,
    now: NowOption = None,
    output_format: Annotated[PlanFormat, typer.Option("--format")] = PlanFormat.text,
) -> None:
    """For each rule: how many rows are due now, and when the next fall due. No writes."""
    import json

    from personvern.datastores.connect import DatastoreError
    from personvern.retention.plan import plan

    loaded = _manifest(manifest)
    moment = _moment(now, loaded)
    _resolved(loaded)
    try:
        plans = plan(loaded, moment)
    except DatastoreError as error:
        _datastore_refusal(error)
    if output_format is PlanFormat.json:
        console.print_json(json.dumps({"today": moment.today.isoformat(),
                                       "rules": [p.to_json() for p in plans]}))
        return
    table = Table(title=f"Retention plan, {moment.today.isoformat()}")
    for column in ("rule", "action", "after", "from", "due now", "next due"):
        table.add_column(column, justify="right" if column == "due now" else "left")
    for item in plans:
        sweep = item.sweep
        what = sweep.action if sweep.action == "delete" else \
            f"anonymise {', '.join(sorted(sweep.fields))}"
        table.add_row(sweep.id, what, str(sweep.after), sweep.describe_anchor(),
                      f"{item.due.rows:,}",
                      item.next_due_on.isoformat() if item.next_due_on else "—")
    console.print(table)


# --- run ---------------------------------------------------------------------------------


@app.command("run")
def run_command(
    manifest: ManifestOption,
    database: DatabaseOption = None,
    now: NowOption = None,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=100, max=1_000_000,
        help="Rows per transaction at most (fewer, to keep each near 0.2 s).")] = 100_000,
    pause: Annotated[float, typer.Option(
        "--pause", min=0.0, max=60.0, help="Seconds to wait between two batches.")] = 0.0,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what is due, change nothing (as `retention plan`).")] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="Look at every due row again, not only those due since the last "
                       "run.")] = False,
    rule: Annotated[list[str] | None, typer.Option(
        "--rule", help="Only this rule (repeatable), e.g. shop.access_logs.retention[0].",
        show_default=False)] = None,
) -> None:
    """Delete and anonymise what is due, in batches; resumable after a kill."""
    if dry_run:
        plan_command(manifest, now, PlanFormat.text)
        return
    from personvern.datastores.connect import DatastoreError
    from personvern.retention.plan import plan
    from personvern.retention.rules import Sweep
    from personvern.retention.sweep import Settings, run
    from personvern.store.database import session_factory

    loaded = _manifest(manifest)
    moment = _moment(now, loaded)
    known = _resolved(loaded)
    chosen = list(dict.fromkeys(rule or ()))
    unknown = [name for name in chosen if name not in known]
    if unknown:
        _usage(f"no retention rule {unknown[0][:200]!r}; the rules are: {', '.join(known)}")
    engine = open_engine(database)
    try:
        totals = {p.sweep.id: p.due.rows for p in plan(loaded, moment)}
    except DatastoreError as error:
        _datastore_refusal(error)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        tasks = {name: progress.add_task(name, total=totals.get(name, 0) or None)
                 for name in known if not chosen or name in chosen}

        def advance(sweep: Sweep, seen: int, _changed: int) -> None:
            progress.advance(tasks[sweep.id], seen)

        try:
            with session_factory(engine)() as session:
                report = run(session, loaded, moment,
                             Settings(batch_size=batch_size, pause=pause, full=full,
                                      actor="cli"),
                             rules=chosen, on_batch=advance)
        except DatastoreError as error:
            _datastore_refusal(error)
        for task in tasks.values():
            progress.update(task, total=progress.tasks[task].completed or 1,
                            completed=progress.tasks[task].completed or 1)
    for result in report.sweeps:
        verb = "deleted" if result.action == "delete" else "anonymised"
        note = " (resumed)" if result.resumed else ""
        console.print(f"{result.rule}: {result.rows:,} rows {verb} in {result.batches} "
                      f"batches{note}")
    if report.deferred_completed:
        console.print(f"{report.deferred_completed} erasures deferred under legal holds "
                      "completed (their hold has ended).")


# --- verify ------------------------------------------------------------------------------


@app.command("verify")
def verify_command(
    manifest: ManifestOption,
    database: DatabaseOption = None,
    now: NowOption = None,
    output_format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.text,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report here instead of printing it.",
        show_default=False)] = None,
) -> None:
    """The compliance report: per rule the oldest row still present and whether it is
    past due. Exit 1 if anything is past due."""
    from personvern.datastores.connect import DatastoreError
    from personvern.retention.verify import render_html, render_json, render_text, verify
    from personvern.store.database import session_factory

    loaded = _manifest(manifest)
    moment = _moment(now, loaded)
    _resolved(loaded)
    if output is not None and output.is_dir():
        _usage(f"--output {output} is a folder")
    engine = open_engine(database)
    try:
        with session_factory(engine)() as session:
            report = verify(loaded, moment, session)
    except DatastoreError as error:
        _datastore_refusal(error)
    render = {ReportFormat.text: render_text, ReportFormat.json: render_json,
              ReportFormat.html: render_html}[output_format]
    text = render(report)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            _usage(f"cannot write {output}: {error.strerror}")
        console.print(f"wrote {output}")
    else:
        console.out(text, end="", highlight=False)
    if not report.compliant:
        raise typer.Exit(1)
