"""The jobs of data-subject requests: carrying out an approved request, and the sweep of
expired access packages.

``run_request`` looks up the request's kind in :data:`RUNNERS` and calls the runner for
it. Runners are registered with :func:`register_runner`, either as a function or by
dotted name (``"personvern.jobs.request_runs:answer_access"``), which is imported only
when a job needs it: a web process that only queues runs never loads the engines. Every
kind is registered below (restriction and objection record their limits from the
request's payload, :mod:`personvern.requests.limit_requests`); a job for a kind without a
runner would fail at once (no retry) with "not implemented for kind X".

A runner is called as ``runner(environment, request_id)``, opens its own sessions, and is
safe to run again: after a crash the job is retried (the in-process runner's lease,
procrastinate's stalled-worker check), and the runner finishes what the first attempt
left, or does nothing if it had finished.

:func:`approve_and_schedule` is the one way to approve a request so that it runs: the API,
the CLI and the admin console call it. :func:`schedule_run` queues the run, in the
caller's transaction: on PostgreSQL on procrastinate's queue, elsewhere on the engine's
``jobs`` table. Either way the job and the approval are committed together, and a worker
cannot see the job before the request is approved.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.jobs.registry import JobEnvironment, PermanentJobError, job
from personvern.requests import lifecycle
from personvern.requests.lifecycle import RequestError
from personvern.store.database import session_factory
from personvern.store.models import (
    TEXT_MAX,
    DataSubjectRequest,
    Job,
    RequestEvent,
    RequestKind,
    RequestStatus,
)

RUN_REQUEST = "run_request"
PURGE_PACKAGES = "purge_packages"
PURGE_EVERY = timedelta(hours=1)

RequestRunner: TypeAlias = Callable[[JobEnvironment, str], None]
RUNNERS: dict[RequestKind, RequestRunner | str] = {}


class NotImplementedForKindError(PermanentJobError):
    def __init__(self, kind: RequestKind) -> None:
        super().__init__(f"run_request: not implemented for kind {kind.value}")
        self.kind = kind


def register_runner(kind: RequestKind, runner: RequestRunner | str) -> None:
    """Make ``runner`` (a function, or ``"module:function"``) carry out requests of ``kind``."""
    RUNNERS[kind] = runner


def resolve(target: RequestRunner | str) -> RequestRunner:
    if not isinstance(target, str):
        return target
    module, _, name = target.replace(":", ".").rpartition(".")
    return cast(RequestRunner, getattr(importlib.import_module(module), name))


def runner_for(kind: RequestKind) -> RequestRunner:
    target = RUNNERS.get(kind)
    if target is None:
        raise NotImplementedForKindError(kind)
    return resolve(target)


_RUNS = "personvern.jobs.request_runs"
register_runner(RequestKind.access, f"{_RUNS}:answer_access")
register_runner(RequestKind.portability, f"{_RUNS}:answer_access")
register_runner(RequestKind.erasure, f"{_RUNS}:carry_out_erasure")
register_runner(RequestKind.rectification, f"{_RUNS}:carry_out_rectification")
register_runner(RequestKind.restriction, f"{_RUNS}:record_limits")
register_runner(RequestKind.objection, f"{_RUNS}:record_limits")


def runs_as_job(kind: RequestKind) -> bool:
    """Whether an approved request of ``kind`` has work for a worker."""
    return kind in RUNNERS


class QueueNotReadyError(RequestError):
    """The job queue of this database is not set up, so no run can be queued."""


@dataclass(frozen=True)
class QueuedRun:
    """A run queued for a worker: ``job`` is the job's id on ``queue`` (None when a run
    of the request was already waiting there)."""

    request_id: str
    queue: str  # "procrastinate" or "jobs"
    job: int | None


def _waiting_in_jobs_table(session: Session, request_id: str) -> int | None:
    """The id of a queued or running ``run_request`` job for the request, if any."""
    return session.scalar(sa.select(Job.id).where(
        Job.status.in_(("queued", "running")), Job.kind == RUN_REQUEST,
        Job.payload["request_id"].as_string() == request_id).limit(1))


def schedule_run(session: Session, request_id: str, *, now: datetime | None = None
                 ) -> QueuedRun | None:
    """Queue the run of an approved request in the caller's transaction; None for a kind
    without an execution step. A run already waiting is not queued twice.

    Raises :class:`QueueNotReadyError` on PostgreSQL before ``personvern worker --setup``:
    an approval whose run could not be queued would wait for ever, unnoticed."""
    request = lifecycle.get_request(session, request_id)
    if request.status is not RequestStatus.approved:
        raise lifecycle.TransitionError(request.id, request.status, "run")
    if not runs_as_job(request.kind):
        return None
    payload = {"request_id": request.id}
    if session.get_bind().dialect.name == "postgresql":
        from personvern.jobs import queue

        if not queue.schema_present(session):
            raise QueueNotReadyError(
                "the job queue is not set up in this database: run `personvern worker "
                "--setup` once, then approve again")
        # The lock keeps two runs of one request from overlapping on two hosts.
        return QueuedRun(request.id, "procrastinate", queue.defer_in_transaction(
            session, RUN_REQUEST, payload, lock=f"request:{request.id}",
            queueing_lock=f"request:{request.id}"))
    from personvern.jobs.runner import enqueue

    waiting = _waiting_in_jobs_table(session, request.id)
    if waiting is not None:
        return QueuedRun(request.id, "jobs", None)
    return QueuedRun(request.id, "jobs", enqueue(session, RUN_REQUEST, payload, now=now))


def approve_and_schedule(
    session: Session, request_id: str, *, actor: str = lifecycle.SYSTEM,
    now: datetime | None = None, run: bool = True,
) -> tuple[DataSubjectRequest, QueuedRun | None]:
    """Approve the request and, with ``run``, queue its run: one transaction (the
    caller's), so an approval never stands without its job. Does not commit."""
    request = lifecycle.approve(session, request_id, actor=actor, now=now)
    session.flush()
    return request, schedule_run(session, request.id, now=now) if run else None


@job(RUN_REQUEST)
def run_request(payload: dict[str, Any], environment: JobEnvironment) -> None:
    """Carry out the request ``payload["request_id"]`` with the runner for its kind."""
    request_id = payload.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise PermanentJobError("run_request: the payload needs a request_id")
    with session_factory(environment.engine)() as session:
        request = session.get(DataSubjectRequest, request_id)
        if request is None:
            raise PermanentJobError(f"run_request: no request {request_id[:36]}")
        kind = request.kind
    try:
        runner_for(kind)(environment, request_id)
    except PermanentJobError as error:
        _note_failure(environment, request_id, str(error))
        raise


def _note_failure(environment: JobEnvironment, request_id: str, message: str) -> None:
    """Put a run that cannot succeed on the request's timeline, where staff look (the
    request stays where it was: approved, or running to be resumed)."""
    with session_factory(environment.engine).begin() as session:
        session.add(RequestEvent(request_id=request_id, at=datetime.now(UTC),
                                 kind="run_failed", actor="worker",
                                 detail={"error": message[:TEXT_MAX]}))


@job(PURGE_PACKAGES, every=PURGE_EVERY)
def purge_packages(_payload: dict[str, Any], environment: JobEnvironment) -> None:
    """Delete access packages and download tokens past their lifetime (Art. 5(1)(e))."""
    from personvern.requests.expiry import purge_all

    with session_factory(environment.engine)() as session:
        purge_all(session)
