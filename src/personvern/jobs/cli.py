"""``personvern worker``: run background jobs.

On PostgreSQL the worker is procrastinate's, on the queue ``personvern``; run
``personvern worker --setup`` once per database (after ``personvern db upgrade``) to create
procrastinate's tables. On SQLite it is the in-process runner on the ``jobs`` table.

A long-running worker also runs the periodic jobs (the sweep of expired access packages)
on their schedule; ``--once`` runs only what is queued.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from personvern.store.cli import DatabaseOption, open_engine

console = Console(soft_wrap=True, highlight=False)
POLL_SECONDS = 2.0


def worker_command(
    setup: Annotated[
        bool, typer.Option("--setup", help="PostgreSQL: create procrastinate's tables, exit.")
    ] = False,
    once: Annotated[
        bool, typer.Option("--once", help="Run what is due, then stop (no waiting).")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=64)] = 1,
    name: Annotated[str, typer.Option(help="The worker's name in logs.")] = "worker",
    manifest: Annotated[
        Path | None, typer.Option("--manifest", "-m", envvar="PERSONVERN_MANIFEST")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Run background jobs (requests to carry out) until stopped."""
    from personvern.jobs.registry import JobEnvironment
    from personvern.store.database import database_url

    url = database_url(database)
    engine = open_engine(database)
    environment = JobEnvironment(engine=engine, manifest_path=manifest)
    if engine.dialect.name == "postgresql":
        from personvern.jobs import queue

        app = queue.make_app(url, environment=environment, periodic=not once)
        if setup:
            created = queue.apply_schema(app)
            console.print("procrastinate's tables " + ("created." if created else "exist."))
            return

        async def work() -> None:
            async with app.open_async():
                await queue.run_worker(app, wait=not once, name=name, concurrency=concurrency)

        asyncio.run(work())
        return
    if setup:
        console.print("nothing to set up: on SQLite the jobs table comes with `db upgrade`.")
        return
    from personvern.jobs.runner import InProcessRunner

    runner = InProcessRunner(environment)
    try:
        while True:
            if not once:
                runner.queue_periodic()
            ran = runner.run_pending(name)
            if ran:
                console.print(f"{name}: ran {ran} job(s)")
            if once:
                return
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return
