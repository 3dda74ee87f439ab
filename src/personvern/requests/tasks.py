"""Art. 19 notification tasks, tracked to done.

Art. 19 GDPR: the controller "shall communicate any rectification or erasure of personal
data or restriction of processing ... to each recipient to whom the personal data have been
disclosed, unless this proves impossible or involves disproportionate effort". Erasure and
rectification plan one ``notify_recipient`` task per recipient of the purposes whose data
they changed (:func:`personvern.requests.lifecycle.add_recipient_tasks`); staff tell the
recipient and mark the task done here, with a note saying how (Art. 5(2): the controller
must be able to show that it did).

Who marked a task done and when are on the request's timeline and in the audit log (the
task row keeps when and the note); the audit entry names the task, its kind and the
recipient's manifest key, never the note, which staff write freely and which may quote
the subject.

When the last open task of a running erasure, rectification or restriction is done, the
request is completed in the same transaction: those runs plan their tasks only after their
work is committed (every datastore written, the restriction recorded), so nothing but the
notices was left to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.requests import lifecycle
from personvern.requests.lifecycle import InvalidRequestError, RequestNotFoundError
from personvern.store.models import (
    TEXT_MAX,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Task,
    TaskStatus,
)

TASK_ID_MAX = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
LIST_LIMIT_MAX = 10_000
# Kinds whose run plans its tasks after all its work is done (see the module docstring).
COMPLETE_WHEN_NOTIFIED = frozenset({RequestKind.erasure, RequestKind.rectification,
                                    RequestKind.restriction})


class TaskDoneError(InvalidRequestError):
    """The task was already marked done; the first note and time stand."""


@dataclass(frozen=True)
class TaskView:
    """A task as staff see it: what, for whom, and who closed it, when and how."""

    id: int
    request_id: str
    request_kind: RequestKind
    kind: str
    recipient: str | None
    status: TaskStatus
    done_at: datetime | None
    done_by: str | None
    note: str | None


def task_id(value: int | str) -> int:
    """A task id from outside (a CLI argument, a URL): a positive 32-bit integer."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RequestNotFoundError("a task id is a whole number") from None
    if not 1 <= number <= TASK_ID_MAX:
        raise RequestNotFoundError(f"no task {number}")
    return number


def _done_by(session: Session, tasks: Iterable[Task]) -> dict[int, str]:
    """Who marked each task done: the actor of its ``task_done`` timeline event."""
    done = {task.id: task.request_id for task in tasks if task.status is TaskStatus.done}
    if not done:
        return {}
    events = session.scalars(sa.select(RequestEvent).where(
        RequestEvent.request_id.in_(sorted(set(done.values()))),
        RequestEvent.kind == "task_done").order_by(RequestEvent.id)).all()
    actors: dict[int, str] = {}
    for event in events:
        number = event.detail.get("task")
        if isinstance(number, int) and number in done:
            actors.setdefault(number, event.actor)
    return actors


def _views(session: Session, tasks: list[Task]) -> list[TaskView]:
    actors = _done_by(session, tasks)
    return [TaskView(id=task.id, request_id=task.request_id,
                     request_kind=task.request.kind, kind=task.kind,
                     recipient=task.recipient, status=task.status,
                     done_at=audit.utc(task.done_at) if task.done_at else None,
                     done_by=actors.get(task.id), note=task.note) for task in tasks]


def list_tasks(session: Session, *, request_id: str | None = None, open_only: bool = False,
               limit: int = 500) -> list[TaskView]:
    """Tasks, oldest first: of one request (which must exist) or of all; ``open_only``:
    those still to do."""
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise InvalidRequestError(f"limit is 1 to {LIST_LIMIT_MAX}")
    query = sa.select(Task).order_by(Task.id).limit(limit)
    if request_id is not None:
        lifecycle.get_request(session, request_id)  # 404 for an unknown request
        query = query.where(Task.request_id == request_id)
    if open_only:
        query = query.where(Task.status == TaskStatus.open)
    return _views(session, list(session.scalars(query).all()))


def get_task(session: Session, number: int) -> TaskView:
    task = session.get(Task, task_id(number))
    if task is None:
        raise RequestNotFoundError(f"no task {number}")
    return _views(session, [task])[0]


def mark_done(session: Session, number: int, *, note: str, actor: str = lifecycle.SYSTEM,
              now: datetime | None = None) -> TaskView:
    """Record that the recipient was told (Art. 19): when, by whom, and how (``note``).

    The note is required and checked before anything is written; a task already done is
    refused with :class:`TaskDoneError` and keeps its first note. Does not commit.
    """
    number = task_id(number)
    text = lifecycle.required_text(note, "the note")
    if len(text) > TEXT_MAX:  # required_text checks this too; the bound is the column's
        raise InvalidRequestError(f"the note is longer than {TEXT_MAX} characters")
    existing = session.get(Task, number)
    if existing is None:
        raise RequestNotFoundError(f"no task {number}")
    if existing.status is TaskStatus.done:
        raise TaskDoneError(f"task {number} is already done")
    try:
        task = lifecycle.finish_task(session, number, note=text, actor=actor, now=now)
    except InvalidRequestError as error:
        # Another person marked it done between our read and our lock.
        raise TaskDoneError(str(error)) from None
    session.flush()
    request = lifecycle.get_request(session, task.request_id, for_update=True)
    session.refresh(request, ["tasks"])
    if (request.kind in COMPLETE_WHEN_NOTIFIED and request.status is RequestStatus.running
            and not any(t.status is TaskStatus.open for t in request.tasks)):
        lifecycle.complete(session, request.id, actor=actor, now=now)
    return _views(session, [task])[0]
