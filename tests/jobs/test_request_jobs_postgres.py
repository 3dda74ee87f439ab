"""Requests run as jobs on PostgreSQL: approved through the API, queued on procrastinate
in the same transaction, run by a procrastinate worker; a job whose worker died is queued
again and finishes with one package."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import procrastinate
import pytest
import sqlalchemy as sa
from request_jobs_shop import MANIFEST, Shop, open_shop
from typer.testing import CliRunner

from personvern.cli import app as cli
from personvern.jobs import queue
from personvern.requests import lifecycle
from personvern.store.database import transaction
from personvern.store.models import RequestStatus

pytestmark = pytest.mark.postgres


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_url: str
         ) -> Iterator[Shop]:
    yield from open_shop(monkeypatch, tmp_path, postgres_url)


def _app(shop: Shop) -> procrastinate.App:
    url = shop.store.url.render_as_string(hide_password=False)
    return queue.make_app(url, environment=shop.environment)


def _jobs(shop: Shop) -> list[tuple[str, str, int]]:
    with shop.store.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT task_name, status, attempts FROM procrastinate_jobs ORDER BY id")).all()
    return [(str(name), str(status), int(attempts)) for name, status, attempts in rows]


def _work(app: procrastinate.App) -> None:
    async def work() -> None:
        async with app.open_async():
            await queue.run_worker(app, wait=False)

    asyncio.run(work())


def test_approve_queues_on_procrastinate_and_a_worker_answers(shop: Shop) -> None:
    app = _app(shop)
    queue.apply_schema(app)
    request_id = shop.create("access")
    shop.approve(request_id)
    assert _jobs(shop) == [("run_request", "todo", 0)]
    _work(app)
    assert _jobs(shop) == [("run_request", "succeeded", 1)]  # one attempt
    assert shop.status(request_id) is RequestStatus.completed
    [customer] = shop.package_data(request_id)["datastores"]["shop"]["customers"]
    assert customer["email"] == shop.email


def test_without_the_queue_nothing_is_approved(shop: Shop) -> None:
    request_id = shop.create("erasure")
    refused = shop.client.post(f"/api/v1/requests/{request_id}/approve", headers=shop.auth)
    assert refused.status_code == 503
    assert "personvern worker --setup" in refused.json()["error"]["message"]
    assert shop.status(request_id) is RequestStatus.identity_verified


def test_a_run_waiting_on_the_queue_is_not_queued_twice(shop: Shop) -> None:
    from personvern.jobs.requests import schedule_run

    queue.apply_schema(_app(shop))
    request_id = shop.create("access")
    shop.approve(request_id)
    with transaction(shop.store) as session:
        again = schedule_run(session, request_id)
    assert again is not None and again.job is None
    assert _jobs(shop) == [("run_request", "todo", 0)]


def test_a_job_of_a_dead_worker_is_retried_to_one_package(shop: Shop) -> None:
    app = _app(shop)
    queue.apply_schema(app)
    request_id = shop.create("access")
    shop.approve(request_id)

    async def take_and_die() -> None:
        async with app.open_async():
            worker = await app.job_manager.register_worker()
            job = await app.job_manager.fetch_job([queue.QUEUE], worker)
            assert job is not None and job.task_name == "run_request"

    asyncio.run(take_and_die())
    # What the dead worker had committed: the request is running. Its heartbeat stopped.
    with transaction(shop.store) as session:
        lifecycle.start(session, request_id, actor="worker")
    with shop.store.begin() as connection:
        connection.execute(sa.text("UPDATE procrastinate_workers SET last_heartbeat = "
                                   "now() - interval '10 minutes'"))
    assert _jobs(shop) == [("run_request", "doing", 0)]
    _work(app)
    assert _jobs(shop) == [("run_request", "succeeded", 2)]  # the lost one, and this
    assert shop.status(request_id) is RequestStatus.completed
    assert len(shop.packages(request_id)) == 1


def test_a_live_workers_job_is_left_alone(shop: Shop) -> None:
    app = _app(shop)
    queue.apply_schema(app)
    shop.approve(shop.create("access"))

    async def take_and_check() -> int:
        async with app.open_async():
            worker = await app.job_manager.register_worker()
            assert await app.job_manager.fetch_job([queue.QUEUE], worker) is not None
            return await queue.retry_stalled(app)

    assert asyncio.run(take_and_check()) == 0  # its heartbeat is fresh
    assert _jobs(shop) == [("run_request", "doing", 0)]


def test_periodic_jobs_are_scheduled_only_for_long_running_workers(shop: Shop) -> None:
    url = shop.store.url.render_as_string(hide_password=False)
    periodic = queue.make_app(url, environment=shop.environment, periodic=True)
    plain = queue.make_app(url, environment=shop.environment)
    assert {task.task.name for task in periodic.periodic_registry.periodic_tasks.values()} \
        >= {"purge_packages"}
    assert plain.periodic_registry.periodic_tasks == {}


def test_personvern_worker_once_carries_out_an_erasure(shop: Shop) -> None:
    url = shop.store.url.render_as_string(hide_password=False)
    runner = CliRunner()
    request_id = shop.create("erasure")
    refused = runner.invoke(cli, ["requests", "approve", request_id, "--database", url])
    assert refused.exit_code == 1 and "personvern worker --setup" in refused.output
    assert shop.status(request_id) is RequestStatus.identity_verified
    assert runner.invoke(cli, ["worker", "--setup", "--database", url]).exit_code == 0
    approved = runner.invoke(cli, ["requests", "approve", request_id, "--database", url])
    assert approved.exit_code == 0, approved.output
    assert "procrastinate" in approved.output
    ran = runner.invoke(cli, ["worker", "--once", "--manifest", str(MANIFEST),
                              "--database", url])
    assert ran.exit_code == 0, ran.output
    assert _jobs(shop) == [("run_request", "succeeded", 1)]
    assert shop.status(request_id) is RequestStatus.running  # Art. 19 tasks are open
    with shop.store.connect() as connection:
        steps = connection.execute(sa.text(
            "SELECT status FROM erasure_steps WHERE request_id = :r"),
            {"r": request_id}).scalars().all()
    assert steps == ["done"]


def test_a_job_deferred_by_the_cron_deferrer_runs(shop: Shop) -> None:
    # procrastinate's periodic deferrer calls the task with its tick's ``timestamp``.
    app = _app(shop)
    queue.apply_schema(app)
    with app.open():
        app.configure_task("purge_packages", queue=queue.QUEUE).defer(timestamp=1_700_000_000)
    _work(app)
    assert _jobs(shop) == [("purge_packages", "succeeded", 1)]
