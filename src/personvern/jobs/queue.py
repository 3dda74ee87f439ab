"""Jobs on PostgreSQL, with procrastinate: many workers on many hosts, one database.

The procrastinate app uses the engine store's own database (its tables live beside
personvern's, prefixed ``procrastinate_``); every job function of
:mod:`personvern.jobs.registry` becomes a task of the same name on the queue
``personvern``. Procrastinate locks each job for one worker (``SELECT … FOR UPDATE SKIP
LOCKED`` inside its ``procrastinate_fetch_job``), so two workers never run the same job.

Its schema is applied by ``personvern worker --setup`` (:func:`apply_schema`), once per
database; it is not an Alembic migration because procrastinate versions its own schema.
Retries: up to :data:`MAX_ATTEMPTS` with exponential waits, none for a
:class:`~personvern.jobs.registry.PermanentJobError`. A job whose worker died (killed, the
host lost) stays ``doing`` in procrastinate; :func:`retry_stalled` puts it back on the
queue once that worker has missed its heartbeats for :data:`STALLED_AFTER_SECONDS`. Every
worker does so when it starts and then every minute (:func:`run_worker`).

:func:`defer_in_transaction` queues a job inside the caller's SQLAlchemy transaction (one
commit for "approved" and "queued", and a worker woken only by that commit). Periodic
jobs (``@job(name, every=…)``) are deferred by procrastinate's cron deferrer in workers
made with ``make_app(periodic=True)``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate.jobs import Job as ProcrastinateJob
from procrastinate.jobs import Status as ProcrastinateStatus
from sqlalchemy.orm import Session

from personvern.jobs.registry import (
    PERIODIC,
    JobEnvironment,
    PermanentJobError,
    load_jobs,
    run_job,
    schedule_of,
)
from personvern.store.database import libpq_conninfo, make_engine

log = logging.getLogger(__name__)

QUEUE = "personvern"
MAX_ATTEMPTS = 5
BASE_WAIT_SECONDS = 30
# procrastinate's workers beat every 10 s; a worker silent for this long is taken as dead.
STALLED_AFTER_SECONDS = 60
STALLED_CHECK_SECONDS = 60


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
    if sa.make_url(database_url).get_backend_name() != "postgresql":
        raise ValueError("procrastinate needs PostgreSQL; on SQLite use the in-process runner")
    return libpq_conninfo(database_url)


def _task(name: str, environment: JobEnvironment) -> Any:
    # Deferred jobs carry ``payload``; the cron deferrer passes ``timestamp`` instead.
    def task(payload: dict[str, Any] | None = None, timestamp: int | None = None) -> None:
        run_job(name, payload if payload is not None else {"scheduled": True}, environment)

    task.__name__ = task.__qualname__ = name.replace(".", "_")
    return task


def make_app(database_url: str, *, manifest_path: Path | None = None,
             environment: JobEnvironment | None = None,
             periodic: bool = False) -> procrastinate.App:
    """A procrastinate app on ``database_url`` with every registered job as a task;
    with ``periodic``, the periodic jobs are also deferred on their schedule by the
    workers of this app (a long-running worker; ``--once`` runs only what is queued)."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url)))
    env = environment or JobEnvironment(engine=make_engine(database_url),
                                        manifest_path=manifest_path)
    for name in load_jobs():
        task = app.task(name=name, queue=QUEUE, retry=Retry(),
                        pass_context=False)(_task(name, env))
        if periodic and name in PERIODIC:
            app.periodic(cron=schedule_of(PERIODIC[name]), periodic_id=name)(task)
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


def schema_present(session: Session) -> bool:
    """Whether procrastinate's tables exist in the session's database."""
    return bool(session.scalar(sa.text(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL")))


def defer_in_transaction(
    session: Session, name: str, payload: Mapping[str, Any], *, lock: str | None = None,
    queueing_lock: str | None = None,
) -> int | None:
    """Queue the job ``name`` in the caller's transaction; procrastinate's job id, or None
    when a job with the same ``queueing_lock`` is already waiting.

    The row is written by procrastinate's own ``procrastinate_defer_jobs_v1``, the function
    its ``defer`` calls, so it is the same job, and its insert trigger notifies the
    workers when the caller commits. ``lock``: jobs with the same lock never run at the
    same time.
    """
    statement = sa.text(
        "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, "
        ":queueing_lock, CAST(:args AS jsonb), NULL::timestamptz)]"
        "::procrastinate_job_to_defer_v1[]))")
    values = {"queue": QUEUE, "task": name, "lock": lock, "queueing_lock": queueing_lock,
              "args": json.dumps({"payload": dict(payload)})}
    try:
        with session.begin_nested():  # a refused queueing lock must not end the transaction
            return int(session.execute(statement, values).scalar_one())
    except sa.exc.IntegrityError:
        if queueing_lock is None:
            raise
        return None


async def retry_stalled(app: procrastinate.App,
                        seconds_since_heartbeat: float = STALLED_AFTER_SECONDS) -> int:
    """Put back on the queue the jobs of workers that stopped beating (the app must be
    open); how many. A job already on its last attempt fails instead: a job that kills
    its worker every time must not go round for ever."""
    manager = app.job_manager
    count = 0
    for stalled in await manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=seconds_since_heartbeat):
        assert stalled.id is not None
        try:
            if stalled.attempts + 1 >= MAX_ATTEMPTS:
                await manager.finish_job_by_id_async(
                    stalled.id, status=ProcrastinateStatus.FAILED, delete_job=False)
                log.warning("job %s (%s) failed: its worker was lost on the last attempt",
                            stalled.id, stalled.task_name)
                continue
            await manager.retry_job(stalled)
        except procrastinate.exceptions.ConnectorException:
            continue  # another worker took care of it first
        log.warning("job %s (%s): its worker was lost; queued again", stalled.id,
                    stalled.task_name)
        count += 1
    return count


async def _retry_stalled_forever(app: procrastinate.App) -> None:
    while True:
        await asyncio.sleep(STALLED_CHECK_SECONDS)
        try:
            await retry_stalled(app)
        except procrastinate.exceptions.ConnectorException as error:
            log.warning("could not look for stalled jobs: %s", type(error).__name__)


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
    stop once the queue is empty. Jobs of dead workers are queued again first, and, while
    waiting, every minute."""
    await retry_stalled(app)
    sweeper = asyncio.create_task(_retry_stalled_forever(app)) if wait else None
    try:
        await app.run_worker_async(queues=[QUEUE], wait=wait, name=name,
                                   concurrency=concurrency, install_signal_handlers=wait)
    finally:
        if sweeper is not None:
            sweeper.cancel()
