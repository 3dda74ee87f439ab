"""Art. 19 notification tasks: listed, marked done once with who/when/how, audit-logged,
and the last one completes a running erasure; hostile input writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from personvern.audit.chain import verify
from personvern.cli import app
from personvern.requests import lifecycle, tasks
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import session_factory
from personvern.store.models import (
    TEXT_MAX,
    AuditEntry,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Task,
    TaskStatus,
)

AT = datetime(2027, 3, 1, 9, tzinfo=UTC)
NOTE = "E-mailed Klarna's privacy team on 2027-03-02, their ticket KL-4711."


def running_with_tasks(session: Session, kind: RequestKind = RequestKind.erasure,
                       recipients: tuple[str, ...] = ("klarna", "bring")) -> str:
    request = lifecycle.create_request(
        session, kind=kind, identity=SubjectIdentity(email="kari@example.no"),
        language="nb", country="NO", received_at=AT)
    lifecycle.verify_identity(session, request.id, method="email_link", now=AT)
    lifecycle.approve(session, request.id, now=AT)
    lifecycle.start(session, request.id, now=AT)
    lifecycle.add_recipient_tasks(session, request.id, recipients, now=AT)
    session.commit()
    return request.id


@pytest.fixture
def store(engine: sa.Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


def counts(session: Session) -> tuple[int, int, int]:
    session.rollback()
    return tuple(  # type: ignore[return-value]
        int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
        for table in (Task, RequestEvent, AuditEntry))


def test_list_then_mark_done_with_who_when_and_how(store: Session) -> None:
    request_id = running_with_tasks(store)
    listed = tasks.list_tasks(store, request_id=request_id, open_only=True)
    assert [(t.recipient, t.status) for t in listed] == [
        ("bring", TaskStatus.open), ("klarna", TaskStatus.open)]
    klarna = listed[1]
    done = tasks.mark_done(store, klarna.id, note=NOTE, actor="staff:ola",
                           now=datetime(2027, 3, 2, 10, tzinfo=UTC))
    store.commit()
    assert (done.status, done.done_by, done.note) == (TaskStatus.done, "staff:ola", NOTE)
    assert done.done_at == datetime(2027, 3, 2, 10, tzinfo=UTC)
    assert [t.recipient for t in tasks.list_tasks(store, open_only=True)] == ["bring"]
    assert tasks.get_task(store, klarna.id).done_by == "staff:ola"
    entry = store.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "request.task_done")).one()
    assert entry.actor == "staff:ola" and entry.detail["recipient"] == "klarna"
    assert "KL-4711" not in str(entry.detail)  # the note stays on the timeline only
    assert lifecycle.get_request(store, request_id).status is RequestStatus.running
    assert verify(store).intact


def test_the_last_task_completes_a_running_erasure(store: Session) -> None:
    request_id = running_with_tasks(store)
    for task in tasks.list_tasks(store, request_id=request_id):
        tasks.mark_done(store, task.id, note=f"Told {task.recipient}.", actor="staff:ola")
    store.commit()
    request = lifecycle.get_request(store, request_id)
    assert request.status is RequestStatus.completed
    assert [e.kind for e in request.events][-3:] == ["task_done", "task_done", "completed"]


def test_tasks_done_before_the_run_do_not_complete_the_request(store: Session) -> None:
    # Only a running request has done its work; an approved one has yet to run.
    request = lifecycle.create_request(
        store, kind=RequestKind.restriction, identity=SubjectIdentity(email="k@example.no"),
        language="nb", country="NO", received_at=AT)
    lifecycle.verify_identity(store, request.id, method="email_link", now=AT)
    lifecycle.approve(store, request.id, now=AT)
    [task] = lifecycle.add_recipient_tasks(store, request.id, ["klarna"], now=AT)
    store.commit()
    tasks.mark_done(store, task.id, note="Told Klarna.")
    store.commit()
    assert lifecycle.get_request(store, request.id).status is RequestStatus.approved


def test_marking_done_twice_keeps_the_first_note(store: Session) -> None:
    request_id = running_with_tasks(store)
    task = tasks.list_tasks(store, request_id=request_id)[0]
    tasks.mark_done(store, task.id, note=NOTE)
    store.commit()
    before = counts(store)
    with pytest.raises(tasks.TaskDoneError, match="already done"):
        tasks.mark_done(store, task.id, note="Something else.")
    store.rollback()
    assert counts(store) == before
    assert tasks.get_task(store, task.id).note == NOTE


@pytest.mark.parametrize("note", ["", "   ", "x" * (TEXT_MAX + 1)])
def test_a_missing_or_oversized_note_writes_nothing(store: Session, note: str) -> None:
    request_id = running_with_tasks(store)
    task = tasks.list_tasks(store, request_id=request_id)[0]
    before = counts(store)
    with pytest.raises(lifecycle.InvalidRequestError, match="note"):
        tasks.mark_done(store, task.id, note=note)
    store.rollback()
    assert counts(store) == before
    assert tasks.get_task(store, task.id).status is TaskStatus.open


@pytest.mark.parametrize("number", [0, -1, 999_999, 2**31, 2**63, "1; DROP TABLE tasks"])
def test_unknown_task_ids_are_not_found(store: Session, number: int | str) -> None:
    running_with_tasks(store)
    before = counts(store)
    with pytest.raises(lifecycle.RequestNotFoundError):
        tasks.mark_done(store, number, note=NOTE)  # type: ignore[arg-type]
    store.rollback()
    assert counts(store) == before


def test_tasks_of_an_unknown_request_are_not_found(store: Session) -> None:
    with pytest.raises(lifecycle.RequestNotFoundError):
        tasks.list_tasks(store, request_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(lifecycle.InvalidRequestError):
        tasks.list_tasks(store, limit=0)


# --- the CLI ------------------------------------------------------------------------------


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, ["requests", *args], env={"COLUMNS": "200"})


def test_cli_lists_and_marks_done(engine: sa.Engine, store: Session) -> None:
    url = engine.url.render_as_string(hide_password=False)
    request_id = running_with_tasks(store)
    ids = [t.id for t in tasks.list_tasks(store, request_id=request_id)]
    listed = cli("tasks", request_id[:8], "--open", "--database", url)
    assert listed.exit_code == 0, listed.output
    assert "klarna" in listed.output and "bring" in listed.output
    for number in ids:
        done = cli("task-done", str(number), "--note", NOTE, "--actor", "staff:ola",
                   "--database", url)
        assert done.exit_code == 0, done.output
        assert f"task {number}  done" in done.output
    assert f"{request_id}  completed" in done.output
    everything = cli("tasks", "--database", url)
    assert "staff:ola" in everything.output and "KL-4711" in everything.output
    assert "open tasks (0)" in cli("tasks", "--open", "--database", url).output


def test_cli_refusals(engine: sa.Engine, store: Session) -> None:
    url = engine.url.render_as_string(hide_password=False)
    request_id = running_with_tasks(store)
    number = tasks.list_tasks(store, request_id=request_id)[0].id
    before = counts(store)
    assert cli("task-done", str(number), "--note", " ", "--database", url).exit_code == 2
    assert cli("task-done", str(number), "--note", "x" * (TEXT_MAX + 1),
               "--database", url).exit_code == 2
    assert cli("task-done", "999999", "--note", NOTE, "--database", url).exit_code == 1
    assert cli("task-done", "0", "--note", NOTE, "--database", url).exit_code == 2
    assert cli("task-done", "abc", "--note", NOTE, "--database", url).exit_code == 2
    assert cli("tasks", "0000dead", "--database", url).exit_code == 1
    assert counts(store) == before
    assert cli("task-done", str(number), "--note", NOTE, "--database", url).exit_code == 0
    twice = cli("task-done", str(number), "--note", NOTE, "--database", url)
    assert twice.exit_code == 1 and "already done" in twice.output
