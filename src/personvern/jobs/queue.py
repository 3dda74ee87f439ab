"""Jobs on PostgreSQL, with procrastinate: many workers on many hosts, one database.

The procrastinate app uses the engine store's own database (its tables live beside
personvern's, prefixed ``procrastinate_``); every job function of
:mod:`personvern.jobs.registry` becomes a task of the same name on the queue
``personvern``. Procrastinate locks each job for one worker (``SELECT … FOR UPDATE SKIP
LOCKED`` inside its ``procrastinate_fetch_job``), so two workers never run the same job.

Its schema is applied by ``personvern worker --setup`` (:func:`apply_schema`), once per
database; it is not an Alembic migration because procrastinate versions its own schema.
Retries: up to :data:`MAX_ATTEMPTS` with exponential waits, none for a
:class:`~personvern.jobs.registry.PermanentJobError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate.jobs import Job as ProcrastinateJob

from personvern.jobs.registry import JobEnvironment, PermanentJobError, load_jobs, run_job
from personvern.store.database import make_engine

QUEUE = "personvern"
MAX_ATTEMPTS = 5
BASE_WAIT_SECONDS = 30


class Retry(procrastinate.BaseRetryStrategy):
    """Exponential waits (30 s, 60 s, 120 s…) up to MAX_ATTEMPTS; never a permanent error."""

    def get_retry_decision(
        self, *, exception: BaseException, job: ProcrastinateJob
    ) -> procrastinate.RetryDecision | None:
        if isinstance(exception, PermanentJobError) or job.attempts + 1 >= MAX_ATTEMPTS:
            return None
        return procrastinate.RetryDecision(
            retry_in={"seconds": BASE_WAIT_SECONDS * 2 ** job.attempts})


def conninfo(database_url: str) -> str:
    """A libpq connection string for an SQLAlchemy PostgreSQL URL."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("procrastinate needs PostgreSQL; on SQLite use the in-process runner")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _task(name: str, environment: JobEnvironment) -> Any:
    def task(payload: dict[str, Any]) -> None:
        run_job(name, payload, environment)

    task.__name__ = task.__qualname__ = name.replace(".", "_")
    return task


def make_app(database_url: str, *, manifest_path: Path | None = None,
             environment: JobEnvironment | None = None) -> procrastinate.App:
    """A procrastinate app on ``database_url`` with every registered job as a task."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url)))
    env = environment or JobEnvironment(engine=make_engine(database_url),
                                        manifest_path=manifest_path)
    for name in load_jobs():
        app.task(name=name, queue=QUEUE, retry=Retry(), pass_context=False)(_task(name, env))
    return app


def apply_schema(app: procrastinate.App) -> bool:
    """Create procrastinate's tables unless they exist; whether they were created."""
    with app.open():
        row = app.connector.get_sync_connector().execute_query_one(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
        if row["present"]:
            return False
        app.schema_manager.apply_schema()
    return True


async def defer(app: procrastinate.App, name: str, payload: Mapping[str, Any]) -> int:
    """Queue the job ``name`` (the app must be open); procrastinate's job id."""
    return await app.configure_task(name, queue=QUEUE).defer_async(payload=dict(payload))


def defer_sync(app: procrastinate.App, name: str, payload: Mapping[str, Any]) -> int:
    """:func:`defer` from synchronous code (a web handler, the CLI)."""
    with app.open():
        return app.configure_task(name, queue=QUEUE).defer(payload=dict(payload))


async def run_worker(app: procrastinate.App, *, wait: bool = True, name: str = "worker",
                     concurrency: int = 1) -> None:
    """Run jobs of the ``personvern`` queue (the app must be open); with ``wait=False``
    stop once the queue is empty."""
    await app.run_worker_async(queues=[QUEUE], wait=wait, name=name, concurrency=concurrency,
                               install_signal_handlers=wait)
