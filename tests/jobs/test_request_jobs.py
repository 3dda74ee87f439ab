"""Requests run as jobs on SQLite: approved through the API, carried out by the in-process
worker, retried safely after a worker died."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from request_jobs_shop import MANIFEST, Shop, open_shop
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from personvern.cli import app as cli
from personvern.jobs import request_runs
from personvern.jobs import requests as request_jobs
from personvern.jobs.registry import JobEnvironment
from personvern.jobs.runner import DEFAULT_LEASE, InProcessRunner, job_counts
from personvern.requests import lifecycle
from personvern.store.database import transaction
from personvern.store.models import (
    ErasureStep,
    Job,
    RequestKind,
    RequestStatus,
    Task,
    TaskStatus,
)


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Shop]:
    yield from open_shop(monkeypatch, tmp_path, f"sqlite:///{tmp_path}/store.db")


def _jobs(shop: Shop) -> list[Job]:
    with Session(shop.store) as session:
        return list(session.scalars(sa.select(Job).order_by(Job.id)).all())


def test_approving_queues_the_run_and_the_worker_answers_access(shop: Shop) -> None:
    request_id = shop.create("access")
    assert shop.approve(request_id)["status"] == "approved"
    [queued] = _jobs(shop)
    assert (queued.kind, queued.payload, queued.status) == (
        "run_request", {"request_id": request_id}, "queued")

    assert InProcessRunner(shop.environment).run_pending("w") == 1
    assert shop.status(request_id) is RequestStatus.completed
    assert job_counts(shop.store) == {"done": 1}
    data = shop.package_data(request_id)
    [customer] = data["datastores"]["shop"]["customers"]
    assert customer["email"] == shop.email
    detail = shop.client.get(f"/api/v1/requests/{request_id}", headers=shop.auth).json()
    assert [e["event"] for e in detail["timeline"]][-3:] == [
        "running", "package_created", "completed"]
    assert {e["actor"] for e in detail["timeline"][-3:]} == {"worker"}


def test_portability_runs_as_a_job_too(shop: Shop) -> None:
    request_id = shop.create("portability")
    shop.approve(request_id)
    InProcessRunner(shop.environment).run_pending("w")
    assert shop.status(request_id) is RequestStatus.completed
    assert "report.html" not in str(shop.package_data(request_id))  # Art. 20: data only


def test_an_erasure_job_then_its_art19_tasks_complete_the_request(shop: Shop) -> None:
    request_id = shop.create("erasure")
    shop.approve(request_id)
    InProcessRunner(shop.environment).run_pending("w")
    with Session(shop.store) as session:
        steps = session.scalars(sa.select(ErasureStep.status).where(
            ErasureStep.request_id == request_id)).all()
        open_tasks = session.scalars(sa.select(Task.id).where(
            Task.request_id == request_id, Task.status == TaskStatus.open)).all()
    assert steps == ["done"]
    assert open_tasks, "the demo shop's purposes have recipients to tell (Art. 19)"
    assert shop.status(request_id) is RequestStatus.running  # until every recipient is told
    listed = shop.client.get(f"/api/v1/requests/{request_id}/tasks", headers=shop.auth,
                             params={"open": "true"}).json()["tasks"]
    assert sorted(t["id"] for t in listed) == sorted(open_tasks)
    for task in listed:
        done = shop.client.post(f"/api/v1/tasks/{task['id']}/done", headers=shop.auth,
                                json={"note": f"Told {task['recipient']} by e-mail."})
        assert done.status_code == 200, done.text
        assert done.json()["done_by"].startswith("api:")
    assert shop.status(request_id) is RequestStatus.completed
    # The customer is gone from the shop: an access request now finds nothing of theirs.
    again = shop.create("access")
    shop.approve(again)
    InProcessRunner(shop.environment).run_pending("w")
    assert shop.package_data(again)["datastores"].get("shop", {}).get("customers") in (
        None, [])


def test_a_rectification_job_writes_the_change(shop: Shop) -> None:
    request_id = shop.create("rectification",
                             {"changes": {"customers.last_name": "Nordmann-Berg"}})
    shop.approve(request_id)
    InProcessRunner(shop.environment).run_pending("w")
    with Session(shop.store) as session:
        request = lifecycle.get_request(session, request_id)
        assert request.status in (RequestStatus.running, RequestStatus.completed)
    engine = sa.create_engine(shop.url)
    with engine.connect() as connection:
        assert connection.scalar(sa.text(
            "SELECT last_name FROM customers WHERE email = :email"),
            {"email": shop.email}) == "Nordmann-Berg"
    engine.dispose()


def test_a_refused_change_fails_the_job_at_once_and_writes_nothing(shop: Shop) -> None:
    request_id = shop.create("rectification", {"changes": {"customers.id": "42"}})
    shop.approve(request_id)
    InProcessRunner(shop.environment).run_pending("w")
    [failed] = _jobs(shop)
    assert failed.status == "failed" and failed.attempts == 1  # permanent: no retry
    assert "customers.id" in (failed.error or "")
    assert shop.status(request_id) is RequestStatus.approved
    detail = shop.client.get(f"/api/v1/requests/{request_id}", headers=shop.auth).json()
    assert detail["timeline"][-1]["event"] == "run_failed"  # where staff will see it


def test_a_request_rejected_after_approval_is_not_carried_out(shop: Shop) -> None:
    request_id = shop.create("erasure")
    shop.approve(request_id)
    rejected = shop.client.post(f"/api/v1/requests/{request_id}/reject", headers=shop.auth,
                                json={"reason": "The account is under a legal claim."})
    assert rejected.status_code == 200, rejected.text
    assert InProcessRunner(shop.environment).run_pending("w") == 1
    assert job_counts(shop.store) == {"done": 1}
    assert shop.status(request_id) is RequestStatus.rejected
    with Session(shop.store) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ErasureStep)) == 0


def test_an_objection_job_records_the_objection(shop: Shop) -> None:
    request_id = shop.create("objection", {"purposes": ["newsletter", "preferences"]})
    shop.approve(request_id)
    InProcessRunner(shop.environment).run_pending("w")
    assert shop.status(request_id) is RequestStatus.completed
    for purpose, article in (("newsletter", "Art. 21(3)"), ("preferences", "Art. 21(1)")):
        check = shop.client.post("/api/v1/limits/check", headers=shop.auth, json={
            "identities": {"email": shop.email}, "purpose": purpose}).json()
        assert check["allowed"] is False and check["articles"] == [article]


def test_a_restriction_job_records_it_and_waits_for_the_recipients(shop: Shop) -> None:
    request_id = shop.create("restriction", {"ground": "18(1)(a)", "purpose": "payment"})
    shop.approve(request_id)
    InProcessRunner(shop.environment).run_pending("w")
    check = shop.client.post("/api/v1/limits/check", headers=shop.auth, json={
        "identities": {"email": shop.email}, "purpose": "payment"}).json()
    assert check["allowed"] is False and check["restricted"] is True
    tasks = shop.client.get(f"/api/v1/requests/{request_id}/tasks",
                            headers=shop.auth).json()["tasks"]
    assert sorted(t["recipient"] for t in tasks) == ["klarna", "nets", "paypal",
                                                     "vipps_mobilepay"]
    assert shop.status(request_id) is RequestStatus.running
    for task in tasks:
        shop.client.post(f"/api/v1/tasks/{task['id']}/done", headers=shop.auth,
                         json={"note": "Told them through their DPA portal."})
    assert shop.status(request_id) is RequestStatus.completed


def test_a_run_is_queued_once(shop: Shop) -> None:
    request_id = shop.create("access")
    shop.approve(request_id)
    with transaction(shop.store) as session:
        queued = request_jobs.schedule_run(session, request_id)
    assert queued is not None and queued.job is None  # the first is still waiting
    assert len(_jobs(shop)) == 1
    with transaction(shop.store) as session, pytest.raises(lifecycle.TransitionError):
        request_jobs.schedule_run(session, shop.create("access"))  # not approved


# --- a worker that died -----------------------------------------------------------------


def test_a_job_whose_worker_died_mid_run_is_retried_to_one_package(shop: Shop) -> None:
    request_id = shop.create("access")
    shop.approve(request_id)
    runner = InProcessRunner(shop.environment)
    now = datetime.now(UTC)
    assert runner.claim("lost-worker", now=now) is not None
    # What the lost worker had committed before it died: the request is running.
    with transaction(shop.store) as session:
        lifecycle.start(session, request_id, actor="worker")
    assert runner.run_pending("w", now=now + timedelta(minutes=1)) == 0  # still leased
    assert runner.run_pending("w", now=now + DEFAULT_LEASE + timedelta(minutes=1)) == 1
    [job] = _jobs(shop)
    assert (job.status, job.attempts) == ("done", 2)
    assert shop.status(request_id) is RequestStatus.completed
    assert len(shop.packages(request_id)) == 1


def test_a_job_whose_worker_died_after_the_answer_does_nothing_again(shop: Shop) -> None:
    request_id = shop.create("access")
    shop.approve(request_id)
    runner = InProcessRunner(shop.environment)
    now = datetime.now(UTC)
    claim = runner.claim("lost-worker", now=now)
    assert claim is not None
    # The lost worker answered the request, then died before it could mark the job done.
    request_runs.answer_access(shop.environment, request_id)
    [package] = shop.packages(request_id)
    assert runner.run_pending("w", now=now + DEFAULT_LEASE + timedelta(minutes=1)) == 1
    assert job_counts(shop.store) == {"done": 1}
    assert shop.packages(request_id) == [package]  # the same package, not a second one


def test_a_retried_erasure_resumes(shop: Shop) -> None:
    request_id = shop.create("erasure")
    shop.approve(request_id)
    runner = InProcessRunner(shop.environment)
    now = datetime.now(UTC)
    assert runner.claim("lost-worker", now=now) is not None
    request_runs.carry_out_erasure(shop.environment, request_id)  # done, then lost
    with Session(shop.store) as session:
        tasks_before = session.scalars(sa.select(Task.id).where(
            Task.request_id == request_id)).all()
    assert runner.run_pending("w", now=now + DEFAULT_LEASE + timedelta(minutes=1)) == 1
    with Session(shop.store) as session:
        assert session.scalars(sa.select(Task.id).where(
            Task.request_id == request_id)).all() == tasks_before  # not planned twice
    assert job_counts(shop.store) == {"done": 1}


def test_a_worker_without_manifest_fails_the_job_with_the_reason(shop: Shop) -> None:
    request_id = shop.create("access")
    shop.approve(request_id)
    InProcessRunner(JobEnvironment(engine=shop.store)).run_pending("w")
    [failed] = _jobs(shop)
    assert failed.status == "failed" and "--manifest" in (failed.error or "")
    assert shop.status(request_id) is RequestStatus.approved


# --- the periodic sweep -------------------------------------------------------------------


def test_the_package_sweep_is_queued_hourly(shop: Shop) -> None:
    runner = InProcessRunner(shop.environment)
    now = datetime.now(UTC)
    sweep = request_jobs.PURGE_PACKAGES
    assert sweep in runner.queue_periodic(now)
    assert sweep not in runner.queue_periodic(now)  # queued already
    assert runner.run_pending("w", now=now) >= 1
    with Session(shop.store) as session:
        assert session.scalar(sa.select(Job.status).where(Job.kind == sweep)) == "done"
    assert sweep not in runner.queue_periodic(now + timedelta(minutes=59))
    assert sweep in runner.queue_periodic(now + timedelta(minutes=61))


# --- the command line -----------------------------------------------------------------------


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def test_cli_approve_queues_the_worker_runs_and_link_opens_the_package(
    shop: Shop, tmp_path: Path,
) -> None:
    url = shop.store.url.render_as_string(hide_password=False)
    request_id = shop.create("access")
    approved = _cli("requests", "approve", request_id[:8], "--database", url)
    assert approved.exit_code == 0, approved.output
    assert "run queued for `personvern worker` (jobs: job 1)" in approved.output
    ran = _cli("worker", "--once", "--manifest", str(MANIFEST), "--database", url)
    assert ran.exit_code == 0, ran.output
    assert "ran 1 job(s)" in ran.output
    assert shop.status(request_id) is RequestStatus.completed
    link = _cli("requests", "link", request_id, "--max-uses", "1", "--database", url)
    assert link.exit_code == 0, link.output
    token = link.output.split("token: ")[1].split()[0]
    answer = tmp_path / "answer.zip"
    exported = _cli("requests", "export", request_id, "--token", token, "-o", str(answer),
                    "--database", url)
    assert exported.exit_code == 0, exported.output
    assert shop.email.encode() in zipfile.ZipFile(answer).read("data.json")
    assert _cli("requests", "export", request_id, "--token", token, "-o", str(answer),
                "--database", url).exit_code == 1  # its one use is spent


def test_cli_run_carries_out_any_kind(shop: Shop) -> None:
    url = shop.store.url.render_as_string(hide_password=False)
    erasure = shop.create("erasure")
    assert _cli("requests", "approve", erasure, "--no-run", "--database", url).exit_code == 0
    assert _jobs(shop) == []
    ran = _cli("requests", "run", erasure, "--manifest", str(MANIFEST), "--database", url)
    assert ran.exit_code == 0, ran.output
    assert "Art. 19 tasks:" in ran.output and shop.email not in ran.output
    assert shop.status(erasure) is RequestStatus.running  # the recipients are to be told
    rectification = shop.create("rectification",
                                {"changes": {"customers.first_name": "Kari"}})
    _cli("requests", "approve", rectification, "--no-run", "--database", url)
    fixed = _cli("requests", "run", rectification, "--manifest", str(MANIFEST),
                 "--database", url)
    assert fixed.exit_code == 0, fixed.output
    assert "rows changed" in fixed.output
    objection = shop.create("objection", {"purposes": ["newsletter"]})
    _cli("requests", "approve", objection, "--no-run", "--database", url)
    recorded = _cli("requests", "run", objection, "--manifest", str(MANIFEST),
                    "--database", url)
    assert recorded.exit_code == 0, recorded.output
    assert "limits recorded: " in recorded.output
    assert shop.status(objection) is RequestStatus.completed
    refused = shop.create("objection", {"purposes": ["order_fulfilment"]})  # a contract
    _cli("requests", "approve", refused, "--no-run", "--database", url)
    denied = _cli("requests", "run", refused, "--manifest", str(MANIFEST),
                  "--database", url)
    assert denied.exit_code == 1 and "Art. 21(1)" in denied.output
    assert shop.status(refused) is RequestStatus.approved


def test_cli_link_refuses_without_a_package(shop: Shop) -> None:
    url = shop.store.url.render_as_string(hide_password=False)
    request_id = shop.create("access")
    refused = _cli("requests", "link", request_id, "--database", url)
    assert refused.exit_code == 1 and "has no package" in refused.output


def test_queueing_a_run_loads_no_engine() -> None:
    # The runners are named by dotted path: approve_and_schedule, which the web and CLI
    # call, loads neither the engines nor procrastinate; a worker does when it runs one.
    code = ("import sys; from personvern.jobs.requests import approve_and_schedule; "
            "print(sorted(m for m in ('personvern.requests.access', "
            "'personvern.requests.erasure', 'personvern.requests.rectification', "
            "'personvern.jobs.request_runs', 'procrastinate') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    assert request_jobs.runner_for(RequestKind.erasure) is request_runs.carry_out_erasure
