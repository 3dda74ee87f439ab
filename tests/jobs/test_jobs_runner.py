"""The in-process runner on SQLite: each job claimed once across concurrent workers, an
abandoned job taken again after its lease, retries with backoff, then failure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from jobs_recorded import executed

from personvern.jobs import requests as request_jobs
from personvern.jobs.registry import JobEnvironment
from personvern.jobs.runner import InProcessRunner, enqueue, job_counts
from personvern.requests import lifecycle
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import transaction
from personvern.store.models import Job, RequestKind

T = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def _job(engine: sa.Engine, job_id: int) -> Job:
    with transaction(engine) as session:
        found = session.get(Job, job_id)
        assert found is not None
        return found


def test_two_workers_claim_each_job_once(environment: JobEnvironment) -> None:
    engine = environment.engine
    with engine.begin() as connection:
        for n in range(60):
            enqueue(connection, "test.record", {"n": n})
    runner = InProcessRunner(environment)
    counts: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def work(name: str) -> None:
        barrier.wait()
        counts[name] = runner.run_pending(name)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(counts.values()) == 60
    assert {n: 1 for n in range(60)} == executed
    assert job_counts(engine) == {"done": 60}


def test_an_abandoned_job_is_retried_after_its_lease(environment: JobEnvironment) -> None:
    engine = environment.engine
    with engine.begin() as connection:
        job_id = enqueue(connection, "test.record", {"n": 7}, now=T)
    runner = InProcessRunner(environment, lease=timedelta(minutes=5))
    crashed = runner.claim("crashed", now=T)  # taken, and the worker never comes back
    assert crashed is not None and crashed.attempts == 1
    assert runner.run_pending("w2", now=T + timedelta(minutes=4)) == 0  # lease still held
    assert runner.run_pending("w2", now=T + timedelta(minutes=6)) == 1
    done = _job(engine, job_id)
    assert done.status == "done" and done.attempts == 2 and executed == {7: 1}
    # The presumed-dead worker wakes up: it may not overwrite the outcome.
    assert runner._finish(crashed, {"status": "failed"}) is False
    assert _job(engine, job_id).status == "done"


def test_a_failing_job_is_retried_with_backoff_then_failed(
    environment: JobEnvironment,
) -> None:
    engine = environment.engine
    with engine.begin() as connection:
        job_id = enqueue(connection, "test.always_fails", {}, now=T)
    runner = InProcessRunner(environment, max_attempts=3, backoff=timedelta(seconds=10))
    assert runner.run_pending("w", now=T) == 1
    first = _job(engine, job_id)
    assert (first.status, first.attempts) == ("queued", 1)
    assert "did not answer" in (first.error or "")
    assert runner.run_pending("w", now=T + timedelta(seconds=9)) == 0  # backing off
    assert runner.run_pending("w", now=T + timedelta(seconds=10)) == 1
    assert _job(engine, job_id).attempts == 2
    assert runner.run_pending("w", now=T + timedelta(seconds=29)) == 0  # 20 s now
    assert runner.run_pending("w", now=T + timedelta(seconds=30)) == 1
    failed = _job(engine, job_id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.finished_at is not None
    assert runner.run_pending("w", now=T + timedelta(days=1)) == 0


def test_a_job_abandoned_on_its_last_attempt_fails(environment: JobEnvironment) -> None:
    with environment.engine.begin() as connection:
        job_id = enqueue(connection, "test.record", {"n": 1}, now=T)
    runner = InProcessRunner(environment, max_attempts=1, lease=timedelta(minutes=1))
    assert runner.claim("crashed", now=T) is not None
    assert runner.run_pending("w", now=T + timedelta(minutes=2)) == 0
    lost = _job(environment.engine, job_id)
    assert lost.status == "failed" and "lost" in (lost.error or "")


def _request(environment: JobEnvironment, kind: RequestKind) -> str:
    with transaction(environment.engine) as session:
        request = lifecycle.create_request(
            session, kind=kind, identity=SubjectIdentity(email="kari@example.no"),
            language="nb", country="NO")
        return request.id


def test_run_request_fails_at_once_for_a_kind_without_runner(
    environment: JobEnvironment,
) -> None:
    request_id = _request(environment, RequestKind.objection)
    with environment.engine.begin() as connection:
        job_id = enqueue(connection, "run_request", {"request_id": request_id}, now=T)
    registered = request_jobs.RUNNERS.pop(RequestKind.objection)
    try:
        InProcessRunner(environment).run_pending("w", now=T)
    finally:
        request_jobs.register_runner(RequestKind.objection, registered)
    failed = _job(environment.engine, job_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert "not implemented for kind objection" in (failed.error or "")


def test_run_request_dispatches_on_the_kind(environment: JobEnvironment) -> None:
    seen: list[str] = []
    request_id = _request(environment, RequestKind.rectification)
    registered = request_jobs.RUNNERS[RequestKind.rectification]
    request_jobs.register_runner(RequestKind.rectification,
                                 lambda _env, rid: seen.append(rid))
    try:
        with environment.engine.begin() as connection:
            job_id = enqueue(connection, "run_request", {"request_id": request_id}, now=T)
        InProcessRunner(environment).run_pending("w", now=T)
    finally:
        request_jobs.register_runner(RequestKind.rectification, registered)
    assert seen == [request_id]
    assert _job(environment.engine, job_id).status == "done"


def test_runners_can_be_named_by_dotted_path() -> None:
    registered = request_jobs.RUNNERS[RequestKind.restriction]
    request_jobs.register_runner(RequestKind.restriction, "jobs_recorded:record")
    try:
        assert request_jobs.runner_for(RequestKind.restriction).__name__ == "record"
    finally:
        request_jobs.register_runner(RequestKind.restriction, registered)
