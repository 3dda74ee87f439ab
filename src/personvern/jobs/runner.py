"""The in-process job runner, on the engine's own ``jobs`` table (SQLite, one machine).

A job is ``queued`` until a worker claims it. Claiming is one compare-and-set ``UPDATE``::

    UPDATE jobs SET status='running', locked_at=:now, attempts=attempts+1
    WHERE id=:id AND (status='queued' OR (status='running' AND locked_at < :stale))

so of two workers that picked the same job only one changes a row; the other sees a row
count of 0 and looks for another job. A ``running`` job whose ``locked_at`` is older than
the lease belongs to a worker that died: it is claimed again (its attempt counted). A
worker finishes a job only while it still holds it (its ``locked_at``), so a worker that
was presumed dead cannot overwrite the outcome of the one that took over.

A failed attempt is retried after a backoff (``base · 2^(attempts-1)``, capped) until
``max_attempts``; then, or at once for a :class:`~personvern.jobs.registry.PermanentJobError`,
the job is ``failed`` with the error. Each claim and each outcome is its own short
transaction; the job function opens its own sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from personvern.audit.chain import utc
from personvern.jobs.registry import (
    JOB_NAME_MAX,
    PERIODIC,
    JobEnvironment,
    PermanentJobError,
    load_jobs,
    run_job,
)
from personvern.store.models import TEXT_MAX, Job

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
DEFAULT_LEASE = timedelta(minutes=15)
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
_jobs = cast(sa.Table, Job.__table__)


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(UTC)


def enqueue(
    connection: sa.Connection | sa.orm.Session, kind: str, payload: Mapping[str, Any],
    *, run_after: datetime | None = None, now: datetime | None = None,
) -> int:
    """Queue the job ``kind`` with ``payload`` in the caller's transaction; its id."""
    if not kind or len(kind) > JOB_NAME_MAX:
        raise ValueError(f"a job name is 1 to {JOB_NAME_MAX} characters")
    at = _now(now)
    result = connection.execute(_jobs.insert().values(
        kind=kind, payload=dict(payload), status=QUEUED, attempts=0,
        run_after=utc(run_after) if run_after else at,
    ).returning(_jobs.c.id))
    return int(result.scalar_one())


@dataclass(frozen=True)
class Claim:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    locked_at: datetime


@dataclass
class InProcessRunner:
    """Runs queued jobs in the calling thread; any number of these may share a database."""

    environment: JobEnvironment
    lease: timedelta = DEFAULT_LEASE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: timedelta = DEFAULT_BACKOFF

    @property
    def engine(self) -> sa.Engine:
        return self.environment.engine

    def _claimable(self, now: datetime) -> sa.ColumnElement[bool]:
        return sa.or_(
            sa.and_(_jobs.c.status == QUEUED, _jobs.c.run_after <= now),
            sa.and_(_jobs.c.status == RUNNING, _jobs.c.locked_at < now - self.lease),
        )

    def claim(self, worker_id: str, now: datetime | None = None) -> Claim | None:
        """Take the oldest job that is due (or abandoned), or None when there is none."""
        at = _now(now)
        while True:
            with self.engine.begin() as connection:
                row = connection.execute(
                    sa.select(_jobs.c.id, _jobs.c.attempts).where(self._claimable(at))
                    .order_by(_jobs.c.run_after, _jobs.c.id).limit(1)
                ).first()
                if row is None:
                    return None
                if row.attempts >= self.max_attempts:  # abandoned on its last attempt
                    connection.execute(_jobs.update().where(
                        _jobs.c.id == row.id, self._claimable(at)).values(
                        status=FAILED, finished_at=at, locked_at=None,
                        error=f"the worker was lost on attempt {row.attempts} of "
                              f"{self.max_attempts}"))
                    continue
                taken = connection.execute(
                    _jobs.update().where(_jobs.c.id == row.id, self._claimable(at))
                    .values(status=RUNNING, locked_at=at, attempts=_jobs.c.attempts + 1)
                    .returning(_jobs.c.kind, _jobs.c.payload, _jobs.c.attempts)
                ).first()
            if taken is not None:
                log.debug("worker %s took job %s", worker_id, row.id)
                return Claim(row.id, taken.kind, dict(taken.payload or {}), taken.attempts, at)
            # Another worker took it between our read and our update: look again.

    def _finish(self, claim: Claim, values: Mapping[str, Any]) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(_jobs.update().where(
                _jobs.c.id == claim.id, _jobs.c.status == RUNNING,
                _jobs.c.locked_at == claim.locked_at).values(**values))
            return result.rowcount == 1

    def backoff_after(self, attempts: int) -> timedelta:
        wait: timedelta = self.backoff * (2 ** max(attempts - 1, 0))
        return min(wait, MAX_BACKOFF)

    def run(self, claim: Claim, now: datetime | None = None) -> str:
        """Run a claimed job and record the outcome; the job's new status."""
        try:
            run_job(claim.kind, claim.payload, self.environment)
        except Exception as error:
            at = _now(now)
            message = f"{type(error).__name__}: {error}"[:TEXT_MAX]
            permanent = isinstance(error, PermanentJobError)
            if permanent or claim.attempts >= self.max_attempts:
                self._finish(claim, {"status": FAILED, "finished_at": at, "locked_at": None,
                                     "error": message})
                log.warning("job %s (%s) failed: %s", claim.id, claim.kind, message)
                return FAILED
            self._finish(claim, {"status": QUEUED, "locked_at": None, "error": message,
                                 "run_after": at + self.backoff_after(claim.attempts)})
            return QUEUED
        at = _now(now)
        self._finish(claim, {"status": DONE, "finished_at": at, "locked_at": None,
                             "error": None})
        return DONE

    def queue_periodic(self, now: datetime | None = None) -> list[str]:
        """Queue each periodic job (``@job(name, every=…)``) whose last run finished at
        least its period ago and that is not queued or running; the names queued.

        A read finds what is due (a worker asks every few seconds, so it must not take
        SQLite's write lock each time); only then are the check and the insert repeated
        in one transaction holding the write lock, so two workers on one database queue a
        periodic job once."""
        at = _now(now)
        load_jobs()
        with self.engine.connect() as connection:
            due = [name for name, every in sorted(PERIODIC.items())
                   if self._periodic_due(connection, name, every, at)]
        if not due:
            return []
        queued: list[str] = []
        with self.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(sa.text("UPDATE jobs SET rowid = rowid WHERE 0"))
            for name in due:
                if self._periodic_due(connection, name, PERIODIC[name], at):
                    enqueue(connection, name, {"scheduled": True}, now=at)
                    queued.append(name)
        return queued

    @staticmethod
    def _periodic_due(connection: sa.Connection, name: str, every: timedelta,
                      at: datetime) -> bool:
        pending = connection.scalar(sa.select(sa.func.count()).where(
            _jobs.c.kind == name, _jobs.c.status.in_((QUEUED, RUNNING))))
        last = connection.scalar(sa.select(sa.func.max(_jobs.c.finished_at)).where(
            _jobs.c.kind == name, _jobs.c.status.in_((DONE, FAILED))))
        return not pending and (last is None or utc(last) <= at - every)

    def run_pending(self, worker_id: str, now: datetime | None = None,
                    limit: int | None = None) -> int:
        """Run due jobs one after another until none is left (or ``limit``); how many ran.

        ``now`` (for tests) is the moment used for claiming and for the outcome."""
        count = 0
        while limit is None or count < limit:
            claim = self.claim(worker_id, now)
            if claim is None:
                break
            self.run(claim, now)
            count += 1
        return count


def job_counts(engine: sa.Engine) -> dict[str, int]:
    """How many jobs are in each status."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(_jobs.c.status, sa.func.count())
                                  .group_by(_jobs.c.status)).all()
    return {str(status): int(count) for status, count in rows}
