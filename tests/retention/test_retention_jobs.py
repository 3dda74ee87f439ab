"""The daily ``retention_sweep`` job: registered as periodic, run by the in-process runner."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from personvern.demo.generate import generate
from personvern.jobs.registry import PERIODIC, JobEnvironment, load_jobs
from personvern.jobs.runner import InProcessRunner, job_counts
from personvern.retention.jobs import RETENTION_SWEEP
from personvern.store.database import make_engine
from personvern.store.models import AuditEntry, Job, RetentionSweep

DEMO_MANIFEST = Path(__file__).parents[2] / "src" / "personvern" / "demo" / "manifest.yaml"


def test_the_sweep_is_a_daily_job() -> None:
    assert RETENTION_SWEEP in load_jobs()
    assert PERIODIC[RETENTION_SWEEP].days == 1


def test_the_worker_queues_and_runs_it(sqlite_url: str, store_path: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Reference yesterday so that retention finds rows due today, whatever today is.
    generate(sqlite_url, 20, seed=4, reference=date.today())
    monkeypatch.setenv("PERSONVERN_DEMO_DB", sqlite_url)
    engine = make_engine(store_path)
    worker = InProcessRunner(JobEnvironment(engine=engine, manifest_path=DEMO_MANIFEST))
    assert RETENTION_SWEEP in worker.queue_periodic()
    assert RETENTION_SWEEP not in worker.queue_periodic()  # queued once
    worker.run_pending("test")
    with engine.connect() as connection:
        kinds = dict(connection.execute(sa.select(Job.kind, Job.status)).all())
        swept = connection.scalar(sa.select(sa.func.count()).select_from(RetentionSweep))
        entries = connection.scalars(sa.select(AuditEntry.action)).all()
    assert kinds[RETENTION_SWEEP] == "done"
    assert swept == 11
    assert entries.count("retention.delete") == 7 and entries.count("retention.anonymize") == 4
    engine.dispose()


def test_without_a_manifest_it_fails_at_once(store_path: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERSONVERN_MANIFEST", raising=False)
    engine = make_engine(store_path)
    worker = InProcessRunner(JobEnvironment(engine=engine))
    worker.queue_periodic()
    worker.run_pending("test")
    assert job_counts(engine).get("failed", 0) >= 1
    with engine.connect() as connection:
        error = connection.scalar(sa.select(Job.error).where(Job.kind == RETENTION_SWEEP))
    assert error is not None and "no manifest" in error
    engine.dispose()
