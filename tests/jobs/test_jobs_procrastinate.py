"""procrastinate on PostgreSQL: the same job functions, deferred and run by workers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import procrastinate
import pytest
import sqlalchemy as sa
from jobs_recorded import executed

from personvern.jobs import queue
from personvern.jobs.registry import JobEnvironment
from personvern.store.database import make_engine, upgrade

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_environment(postgres_url: str) -> Iterator[JobEnvironment]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield JobEnvironment(engine=engine)
    engine.dispose()


def _statuses(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")).all()
    return {str(status): int(count) for status, count in rows}


def _app(url: str, environment: JobEnvironment) -> procrastinate.App:
    return queue.make_app(url, environment=environment)


def test_schema_is_applied_once(postgres_url: str, pg_environment: JobEnvironment) -> None:
    app = _app(postgres_url, pg_environment)
    assert queue.apply_schema(app) is True
    assert queue.apply_schema(app) is False


def test_defer_and_run(postgres_url: str, pg_environment: JobEnvironment) -> None:
    app = _app(postgres_url, pg_environment)
    queue.apply_schema(app)
    queue.defer_sync(app, "test.record", {"n": 1})

    async def work() -> None:
        async with app.open_async():
            await queue.defer(app, "test.record", {"n": 2})
            await queue.run_worker(app, wait=False)

    asyncio.run(work())
    assert executed == {1: 1, 2: 1}
    assert _statuses(pg_environment.engine) == {"succeeded": 2}


def test_a_permanent_failure_is_not_retried(postgres_url: str,
                                            pg_environment: JobEnvironment) -> None:
    app = _app(postgres_url, pg_environment)
    queue.apply_schema(app)
    queue.defer_sync(app, "run_request", {"request_id": "00000000-0000-0000-0000-000000000000"})

    async def work() -> None:
        async with app.open_async():
            await queue.run_worker(app, wait=False)

    asyncio.run(work())
    assert _statuses(pg_environment.engine) == {"failed": 1}


def test_two_workers_do_not_run_a_job_twice(postgres_url: str,
                                            pg_environment: JobEnvironment) -> None:
    first, second = _app(postgres_url, pg_environment), _app(postgres_url, pg_environment)
    queue.apply_schema(first)
    jobs = 40

    async def work() -> None:
        async with first.open_async(), second.open_async():
            for n in range(jobs):
                await queue.defer(first, "test.record", {"n": n})
            await asyncio.gather(queue.run_worker(first, wait=False, name="one"),
                                 queue.run_worker(second, wait=False, name="two"))

    asyncio.run(work())
    assert executed == {n: 1 for n in range(jobs)}
    assert _statuses(pg_environment.engine) == {"succeeded": jobs}
