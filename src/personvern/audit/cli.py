"""``personvern audit``: read and check the audit log."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from personvern.store.cli import DatabaseOption, open_engine

app = typer.Typer(help="The hash-chained audit log: verify it, read it.", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)


@app.command("verify")
def verify_command(
    database: DatabaseOption = None,
    expected_head: Annotated[
        str | None,
        typer.Option(help="A head hash printed by an earlier verify: also catch truncation."),
    ] = None,
) -> None:
    """Check the whole chain. Exit 0 when intact, 1 naming the first bad entry."""
    from personvern.audit.chain import verify
    from personvern.store.database import transaction

    with transaction(open_engine(database)) as session:
        result = verify(session, expected_head=expected_head)
    if not result.intact:
        errors.print(str(result), markup=False)
        raise typer.Exit(1)
    console.print(f"{result}\nhead: {result.head}", markup=False)


@app.command("log")
def log_command(
    database: DatabaseOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many entries.")] = 50,
) -> None:
    """Show the newest entries, oldest first."""
    from personvern.audit.chain import recent, utc
    from personvern.store.database import transaction

    with transaction(open_engine(database)) as session:
        entries = recent(session, limit)
    # One entry per line, like a log file: it stays greppable and never wraps mid-value.
    for entry in entries:
        console.print(
            f"#{entry.id} {utc(entry.at).strftime('%Y-%m-%d %H:%M:%S')} {entry.actor} "
            f"{entry.action} {_short(entry.subject)} {_pairs(entry.detail)} "
            f"[{entry.hash[:12]}]",
            markup=False,
        )
    if not entries:
        console.print("the audit log is empty")


def _short(subject: str | None) -> str:
    """Request ids shortened as in ``requests list``; other subjects as they are."""
    if subject and len(subject) == 36 and subject.count("-") == 4:
        return subject[:8]
    return subject or ""


def _pairs(detail: dict[str, Any]) -> str:
    return ", ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in sorted(detail.items())
    )
