"""``personvern worker``: on SQLite the in-process runner, on PostgreSQL procrastinate."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from jobs_recorded import executed
from typer.testing import CliRunner

from personvern.cli import app as cli
from personvern.jobs import queue
from personvern.jobs.registry import JobEnvironment
from personvern.jobs.runner import enqueue, job_counts


def test_worker_once_on_sqlite(sqlite_url: str, environment: JobEnvironment) -> None:
    with environment.engine.begin() as connection:
        enqueue(connection, "test.record", {"n": 3})
        enqueue(connection, "run_request", {"request_id": "not-there"})
    result = CliRunner().invoke(cli, ["worker", "--once", "--database", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "ran 2 job(s)" in result.stdout
    assert executed == {3: 1}
    assert job_counts(environment.engine) == {"done": 1, "failed": 1}


@pytest.mark.postgres
def test_worker_setup_then_once_on_postgres(postgres_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade", "--database", postgres_url]).exit_code == 0
    setup = runner.invoke(cli, ["worker", "--setup", "--database", postgres_url])
    assert setup.exit_code == 0 and "created" in setup.stdout
    again = runner.invoke(cli, ["worker", "--setup", "--database", postgres_url])
    assert "exist" in again.stdout
    engine = sa.create_engine(postgres_url)
    try:
        app = queue.make_app(postgres_url, environment=JobEnvironment(engine=engine))
        queue.defer_sync(app, "test.record", {"n": 9})
        ran = runner.invoke(cli, ["worker", "--once", "--database", postgres_url])
        assert ran.exit_code == 0, ran.output
        assert executed == {9: 1}
    finally:
        engine.dispose()
