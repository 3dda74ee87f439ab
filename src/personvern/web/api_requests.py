"""``/api/v1/requests``: data-subject requests, over :mod:`personvern.requests.lifecycle`;
``/api/v1/tasks``: their Art. 19 notification tasks (:mod:`personvern.requests.tasks`).

Approving a request queues its run for ``personvern worker``
(:func:`personvern.jobs.requests.approve_and_schedule`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from starlette import status as http

from personvern.audit.chain import utc
from personvern.jobs.requests import QueueNotReadyError, approve_and_schedule
from personvern.requests import deadlines, lifecycle, tasks
from personvern.requests.subject import normalise_language
from personvern.store.models import DataSubjectRequest, RequestStatus
from personvern.web.auth import Actor, State
from personvern.web.schemas import (
    NewRequest,
    Reason,
    RequestCreated,
    RequestDetail,
    RequestList,
    RequestSummary,
    TaskList,
    TaskNote,
    TaskView,
    TimelineEvent,
    Verification,
    subject_of,
)

# One router for the app to include: the two below, joined at the end of this module.
router = APIRouter()
requests_router = APIRouter(prefix="/requests", tags=["requests"])
tasks_router = APIRouter(prefix="/tasks", tags=["requests"])
RequestId = Annotated[str, Path(max_length=36, description="The request's id (a UUID).")]
TaskId = Annotated[int, Path(ge=1, le=tasks.TASK_ID_MAX, description="The task's id.")]


def _summary(request: DataSubjectRequest) -> RequestSummary:
    return RequestSummary(
        id=request.id, kind=request.kind, status=request.status, language=request.language,
        received_at=utc(request.received_at), due_at=request.due_at,
        extended_due_at=request.extended_due_at, deadline=request.deadline,
        paused=request.paused_since is not None)


def _detail(request: DataSubjectRequest) -> RequestDetail:
    # Events only by kind, time and actor: their details may hold reasons written by staff.
    timeline = [TimelineEvent(at=utc(event.at), event=event.kind, actor=event.actor,
                              status_from=event.detail.get("from"))
                for event in request.events]
    return RequestDetail(**_summary(request).model_dump(), timeline=timeline)


@requests_router.post("", status_code=http.HTTP_201_CREATED, response_model=RequestCreated,
             summary="Register a request that has arrived")
def create_request(body: NewRequest, state: State, actor: Actor) -> RequestCreated:
    """Starts the one-month clock (Art. 12(3)); answers the id and the due date."""
    identity = subject_of(body.identities, state.country)
    language = normalise_language(body.language or state.manifest.organization.languages[0])
    with state.transaction() as session:
        request = lifecycle.create_request(
            session, kind=body.kind, identity=identity, language=language,
            country=state.country, payload=body.payload, actor=actor)
        return RequestCreated(id=request.id, kind=request.kind, status=request.status,
                              due_at=request.due_at)


@requests_router.get("", response_model=RequestList, summary="Requests by deadline")
def list_requests(
    state: State, _actor: Actor,
    status: RequestStatus | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> RequestList:
    """Soonest deadline first; ``overdue``: open requests past their deadline."""
    today = deadlines.receipt_day(datetime.now(UTC), state.country)
    with state.transaction() as session:
        found = lifecycle.list_requests(session, today=today, overdue=overdue, status=status,
                                        limit=limit)
        return RequestList(requests=[_summary(request) for request in found])


@requests_router.get("/{request_id}", response_model=RequestDetail,
                     summary="A request and its timeline")
def get_request(request_id: RequestId, state: State, _actor: Actor) -> RequestDetail:
    with state.transaction() as session:
        found = lifecycle.get_request(
            session, lifecycle.resolve_request_id(session, request_id))
        return _detail(found)


@requests_router.post("/{request_id}/verify", response_model=RequestDetail,
             summary="Record that the subject proved who they are (Art. 12(6))")
def verify(request_id: RequestId, body: Verification, state: State, actor: Actor) -> RequestDetail:
    """The shop vouches for the subject (logged in, e-mail link, order number)."""
    with state.transaction() as session:
        return _detail(lifecycle.verify_identity(
            session, request_id, method=body.method, identity_kind=body.identity_kind,
            actor=actor))


@requests_router.post("/{request_id}/approve", response_model=RequestDetail,
             summary="Decide to carry out a verified request")
def approve(request_id: RequestId, state: State, actor: Actor) -> RequestDetail:
    """409 unless the subject's identity is verified. Queues the run for `personvern
    worker`; 503, and nothing approved, when the job queue is not set up (`personvern
    worker --setup` on PostgreSQL)."""
    try:
        with state.transaction() as session:
            request, _queued = approve_and_schedule(session, request_id, actor=actor)
            return _detail(request)
    except QueueNotReadyError as error:
        raise HTTPException(http.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from None


@requests_router.post("/{request_id}/reject", response_model=RequestDetail,
             summary="Decline a request (Art. 12(4))")
def reject(request_id: RequestId, body: Reason, state: State, actor: Actor) -> RequestDetail:
    """With reasons; the notice names the supervisory authority from the manifest."""
    authority = state.manifest.organization.supervisory_authority
    if authority is None:
        raise lifecycle.InvalidRequestError(
            "the manifest names no supervisory authority; Art. 12(4) requires it")
    with state.transaction() as session:
        return _detail(lifecycle.reject(session, request_id, reason=body.reason,
                                        authority=authority, actor=actor))


@requests_router.post("/{request_id}/extend", response_model=RequestDetail,
             summary="Extend the deadline by two months (Art. 12(3))")
def extend(request_id: RequestId, body: Reason, state: State, actor: Actor) -> RequestDetail:
    """Once, within the first month, with the reason the subject will be told."""
    with state.transaction() as session:
        return _detail(lifecycle.extend(session, request_id, reason=body.reason, actor=actor))


def _task(view: tasks.TaskView) -> TaskView:
    return TaskView(id=view.id, request_id=view.request_id, kind=view.kind,
                    recipient=view.recipient, status=view.status, done_at=view.done_at,
                    done_by=view.done_by, note=view.note)


@requests_router.get("/{request_id}/tasks", response_model=TaskList,
                     summary="The request's Art. 19 notification tasks")
def request_tasks(
    request_id: RequestId, state: State, _actor: Actor, open_only: Annotated[
        bool, Query(alias="open", description="Only the tasks still to do.")] = False,
) -> TaskList:
    """One task per recipient to tell of an erasure, rectification or restriction."""
    with state.transaction() as session:
        found = tasks.list_tasks(session, open_only=open_only,
                                 request_id=lifecycle.resolve_request_id(session, request_id))
        return TaskList(tasks=[_task(view) for view in found])


@tasks_router.post("/{task_id}/done", response_model=TaskView,
                   summary="Record that a recipient was told (Art. 19)")
def task_done(task_id: TaskId, body: TaskNote, state: State, actor: Actor) -> TaskView:
    """With a note saying how; 422 if the task is already done (the first note stands).
    The last task of a running erasure, rectification or restriction completes it."""
    with state.transaction() as session:
        return _task(tasks.mark_done(session, task_id, note=body.note, actor=actor))


router.include_router(requests_router)
router.include_router(tasks_router)
