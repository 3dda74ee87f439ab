"""The request queue and a request's page: timeline, identities, a preview of the data
found, the decisions (approve, reject, extend), running it, and its Art. 19 tasks.

Every decision goes through the domain (:mod:`personvern.requests.lifecycle`,
:func:`personvern.jobs.requests.approve_and_schedule`, :mod:`personvern.requests.tasks`),
which writes the request's timeline and the audit log with the staff member as actor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.datastores.connect import DatastoreError
from personvern.jobs.requests import QueueNotReadyError, approve_and_schedule
from personvern.keys import SecretError
from personvern.requests import (
    access,
    deadlines,
    erasure,
    lifecycle,
    limit_requests,
    reasons,
    rectification,
    tasks,
)
from personvern.requests.lifecycle import (
    RequestError,
    RequestNotFoundError,
    TransitionError,
)
from personvern.requests.subjects import request_identities, resolve_subject
from personvern.store.models import (
    TEXT_MAX,
    DataSubjectRequest,
    RequestKind,
    RequestStatus,
)
from personvern.web.admin.visit import AdminVisit, Decider, Runner, Viewer, page
from personvern.web.csrf import require_csrf

router = APIRouter()
DUE_SOON_DAYS = 7
QUEUE_LIMIT = 500
PREVIEW_ROWS = 5  # rows shown per collection: enough to recognise the person
# States in which the subject's identity is proven and the data may be looked at.
PREVIEWABLE = frozenset({RequestStatus.identity_verified, RequestStatus.approved,
                         RequestStatus.running})
RUNNABLE = frozenset({RequestStatus.approved, RequestStatus.running})
# Timeline details shown to staff (the rest are ids and counts the audit log also has).
SHOWN_DETAILS = ("reason", "note", "error", "due", "method", "recipients", "total_rows",
                 "notice")


def status_words(v: AdminVisit) -> dict[str, str]:
    return {
        "received": v._("Received"), "awaiting_identity": v._("Awaiting identity"),
        "identity_verified": v._("Identity verified"), "approved": v._("Approved"),
        "running": v._("Running"), "completed": v._("Completed"),
        "rejected": v._("Rejected"),
    }


def kind_words(v: AdminVisit) -> dict[str, str]:
    return {
        "access": v._("Access (Art. 15)"), "portability": v._("Portability (Art. 20)"),
        "erasure": v._("Erasure (Art. 17)"), "rectification": v._("Rectification (Art. 16)"),
        "restriction": v._("Restriction (Art. 18)"), "objection": v._("Objection (Art. 21)"),
    }


def event_words(v: AdminVisit) -> dict[str, str]:
    return {
        **status_words(v), "extended": v._("Deadline extended"),
        "tasks_planned": v._("Recipients to tell planned"),
        "task_done": v._("Recipient told"), "package_created": v._("Package made"),
        "package_purged": v._("Package deleted"), "erasure_answer": v._("Erasure answered"),
        "limit_applied": v._("Limit applied"), "run_failed": v._("Run failed"),
    }


def detail_words(v: AdminVisit) -> dict[str, str]:
    return {
        "from": v._("From"), "reason": v._("Reason"), "note": v._("Note"),
        "error": v._("Error"), "due": v._("Due"), "method": v._("Method"),
        "recipients": v._("Recipients"), "total_rows": v._("Rows"),
        "notice": v._("Told the subject"),
    }


def ground_words(v: AdminVisit) -> list[tuple[str, str]]:
    return [
        ("identity", v._("Identity not confirmed (Art. 11(2), 12(6))")),
        ("excessive", v._("Manifestly unfounded or excessive (Art. 12(5))")),
        ("others", v._("Would harm the rights of others (Art. 15(4))")),
        ("legal_obligation", v._("Legal obligation to keep the data (Art. 17(3)(b))")),
        ("legal_claims", v._("Needed for legal claims (Art. 17(3)(e))")),
        (reasons.OWN_WORDS, v._("Other: in my own words")),
    ]


def today_of(v: AdminVisit) -> date:
    return deadlines.receipt_day(datetime.now(UTC), v.state.country)


@dataclass(frozen=True)
class Urgency:
    """How pressing a request is, as a word (a badge), never only as a colour."""

    css: str  # overdue | soon | paused | ok | done
    label: str
    days_left: int | None


def urgency(v: AdminVisit, request: DataSubjectRequest, today: date) -> Urgency:
    if request.status in lifecycle.TERMINAL:
        return Urgency("done", v._("Closed"), None)
    if request.paused_since is not None:
        # Art. 12(6): the clock is stopped while the subject proves who they are.
        return Urgency("paused", v._("Paused"), None)
    left = deadlines.days_left(request.deadline, today)
    if left < 0:
        return Urgency("overdue", v._("Overdue"), left)
    if left <= DUE_SOON_DAYS:
        return Urgency("soon", v._("Due soon"), left)
    return Urgency("ok", v._("On time"), left)


def _queue_query(state_filter: str, kind_filter: str) -> sa.Select[Any]:
    deadline = sa.func.coalesce(DataSubjectRequest.extended_due_at, DataSubjectRequest.due_at)
    query = sa.select(DataSubjectRequest).order_by(deadline, DataSubjectRequest.received_at)
    if state_filter == "open":
        query = query.where(DataSubjectRequest.status.in_([s.value for s in lifecycle.OPEN]))
    elif state_filter in RequestStatus.__members__:
        query = query.where(DataSubjectRequest.status == RequestStatus(state_filter))
    if kind_filter in RequestKind.__members__:
        query = query.where(DataSubjectRequest.kind == RequestKind(kind_filter))
    return query.limit(QUEUE_LIMIT)


@router.get("")
@router.get("/")
@router.get("/requests")
def queue(v: Viewer, state: str = "open", kind: str = "") -> Response:
    """Open requests by deadline, soonest first; overdue and due-soon ones marked."""
    state_filter = state if state in ("open", "all", *RequestStatus.__members__) else "open"
    kind_filter = kind if kind in RequestKind.__members__ else ""
    today = today_of(v)
    with v.state.transaction() as session:
        found = session.scalars(_queue_query(state_filter, kind_filter)).all()
        rows = [{"id": r.id, "kind": r.kind.value, "status": r.status.value,
                 "received": r.received_on.isoformat(), "deadline": r.deadline.isoformat(),
                 "extended": r.extended_due_at is not None,
                 "urgency": urgency(v, r, today)} for r in found]
    counts = {"overdue": sum(1 for r in rows if r["urgency"].css == "overdue"),
              "soon": sum(1 for r in rows if r["urgency"].css == "soon")}
    return page(v, "queue.html", {
        "rows": rows, "counts": counts, "state_filter": state_filter,
        "kind_filter": kind_filter, "statuses": status_words(v), "kinds": kind_words(v),
        "limit": QUEUE_LIMIT, "today": today.isoformat(),
    })


def _get(session: Session, request_id: str) -> DataSubjectRequest:
    return lifecycle.get_request(session, lifecycle.resolve_request_id(session, request_id[:36]))


def _not_found(v: AdminVisit) -> HTTPException:
    return HTTPException(404, v._("There is no such request."))


def _when(moment: datetime | None) -> str:
    return audit.utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _detail_lines(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    lines = []
    for key in SHOWN_DETAILS:
        value = detail.get(key)
        if value in (None, "", []):
            continue
        lines.append((key, ", ".join(map(str, value)) if isinstance(value, list) else
                      str(value)))
    if "from" in detail:
        lines.insert(0, ("from", str(detail["from"])))
    return lines


def detail_context(v: AdminVisit, session: Session, request: DataSubjectRequest
                   ) -> dict[str, Any]:
    """Everything the request's page shows."""
    today = today_of(v)
    words = status_words(v)
    labels = event_words(v)
    payload = {k: val for k, val in (request.payload or {}).items() if k != "source"}
    task_views = tasks.list_tasks(session, request_id=request.id)
    language = reasons.subject_language(request.language)
    open_state = request.status in lifecycle.OPEN
    return {
        "r": request, "kind_label": kind_words(v)[request.kind.value],
        "status_label": words[request.status.value],
        "urgency": urgency(v, request, today),
        "received": request.received_on.isoformat(), "deadline": request.deadline.isoformat(),
        "given": [(kind, value) for kind, value in (
            ("email", request.email), ("phone", request.phone),
            ("customer_number", request.customer_number)) if value],
        "identities": [(i.kind, i.value, i.method, _when(i.verified_at))
                       for i in request.identities],
        "payload": json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True)
        if payload else "",
        "events": [(_when(e.at), labels.get(e.kind, e.kind), e.actor,
                    _detail_lines(e.detail or {})) for e in request.events],
        "detail_labels": detail_words(v),
        "tasks": task_views, "source": (request.payload or {}).get("source", ""),
        "can_approve": request.status is RequestStatus.identity_verified,
        "can_reject": request.status in lifecycle.TRANSITIONS and
        RequestStatus.rejected in lifecycle.TRANSITIONS[request.status],
        "can_extend": open_state and request.extended_due_at is None,
        "runnable": request.status in RUNNABLE,
        "previewable": request.status in PREVIEWABLE,
        "grounds": ground_words(v), "subject_language": language,
        "extension_text": reasons.extension_text(request.language),
        "ground_texts": {key: texts[language]
                         for key, texts in reasons.REJECTION_REASONS.items()},
        "has_authority": v.state.manifest.organization.supervisory_authority is not None,
        "text_max": TEXT_MAX, "open_state": open_state,
    }


DONE_MESSAGES = ("approved", "rejected", "extended", "ran", "task_done", "queued")


def _done_words(v: AdminVisit) -> dict[str, str]:
    return {
        "approved": v._("The request is approved."),
        "queued": v._("The request is approved and its run is queued for the worker."),
        "rejected": v._("The request is rejected; the subject's status page shows the reason."),
        "extended": v._("The deadline is extended."),
        "ran": v._("The request was carried out."),
        "task_done": v._("The task is marked done."),
    }


def _detail_page(v: AdminVisit, request_id: str, *, flashes: list[tuple[str, str]]
                 | None = None, status: int = 200) -> Response:
    with v.state.transaction() as session:
        try:
            request = _get(session, request_id)
        except RequestNotFoundError:
            raise _not_found(v) from None
        context = detail_context(v, session, request)
    return page(v, "request.html", {**context, "flashes": flashes or []}, status=status)


@router.get("/requests/{request_id}")
def request_page(v: Viewer, request_id: str, done: str = "") -> Response:
    flashes = [("ok", _done_words(v)[done])] if done in DONE_MESSAGES else []
    return _detail_page(v, request_id, flashes=flashes)


def _back(request_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/requests/{request_id}?done={done}", status_code=303)


def _refused(v: AdminVisit, request_id: str, error: Exception) -> Response:
    """A refusal of the domain, shown on the request's page; nothing was written."""
    if isinstance(error, RequestNotFoundError):
        raise _not_found(v)
    status = 409 if isinstance(error, TransitionError) else 422
    return _detail_page(v, request_id, flashes=[("error", str(error))], status=status)


async def _form(v: AdminVisit) -> Mapping[str, Any]:
    return await v.request.form()  # parsed once: require_csrf has read it already


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post("/requests/{request_id}/approve", dependencies=[Depends(require_csrf)])
def approve(v: Decider, request_id: str) -> Response:
    """Approve and queue the run in one transaction (the worker carries it out)."""
    try:
        with v.state.transaction() as session:
            request = _get(session, request_id)
            _approved, queued = approve_and_schedule(session, request.id, actor=v.staff.actor)
            full_id = request.id
    except QueueNotReadyError as error:
        return _detail_page(v, request_id, flashes=[("error", str(error))], status=503)
    except RequestError as error:
        return _refused(v, request_id, error)
    return _back(full_id, "queued" if queued else "approved")


@router.post("/requests/{request_id}/reject", dependencies=[Depends(require_csrf)])
async def reject(v: Decider, request_id: str) -> Response:
    form = await _form(v)
    authority = v.state.manifest.organization.supervisory_authority
    if authority is None:
        return _detail_page(v, request_id, status=409, flashes=[("error", v._(
            "The manifest names no supervisory authority; Art. 12(4) requires the answer "
            "to name it."))])
    with v.state.transaction() as session:
        try:
            language = _get(session, request_id).language
        except RequestNotFoundError:
            raise _not_found(v) from None
    try:
        reason = reasons.rejection_text(_text(form, "ground"), language, _text(form, "words"))
    except ValueError:
        return _detail_page(v, request_id, status=422, flashes=[("error", v._(
            "Choose a ground, or write the reason in your own words."))])
    try:
        with v.state.transaction() as session:
            full_id = lifecycle.reject(session, _get(session, request_id).id, reason=reason,
                                       authority=authority, actor=v.staff.actor).id
    except RequestError as error:
        return _refused(v, request_id, error)
    return _back(full_id, "rejected")


@router.post("/requests/{request_id}/extend", dependencies=[Depends(require_csrf)])
async def extend(v: Decider, request_id: str) -> Response:
    form = await _form(v)
    try:
        with v.state.transaction() as session:
            request = _get(session, request_id)
            lifecycle.extend(session, request.id, reason=_text(form, "reason"),
                             actor=v.staff.actor)
            full_id = request.id
    except RequestError as error:
        return _refused(v, request_id, error)
    return _back(full_id, "extended")


def run_now(v: AdminVisit, request_id: str) -> None:
    """Carry out an approved (or resume a running) request here and now, with the kind's
    engine; each engine commits its own steps and is safe to run again, so a run the worker
    also picks up later does nothing twice."""
    with Session(v.state.engine, expire_on_commit=False) as session:
        request = lifecycle.get_request(session, request_id)
        if request.status not in RUNNABLE:
            raise TransitionError(request.id, request.status, "run")
        actor, manifest = v.staff.actor, v.state.manifest
        if request.kind in (RequestKind.access, RequestKind.portability):
            access.run_access(session, request.id, v.state.loaded, actor=actor)
        elif request.kind is RequestKind.erasure:
            erasure.run_erasure(session, request.id, manifest, actor=actor)
        elif request.kind is RequestKind.rectification:
            rectification.run_rectification(session, request.id, manifest, actor=actor)
        else:
            limit_requests.run_limit_request(session, request.id, manifest, actor=actor)


@router.post("/requests/{request_id}/run", dependencies=[Depends(require_csrf)])
def run(v: Runner, request_id: str) -> Response:
    with v.state.transaction() as session:
        try:
            full_id = _get(session, request_id).id
        except RequestNotFoundError:
            raise _not_found(v) from None
    try:
        run_now(v, full_id)
    except RequestError as error:
        return _refused(v, full_id, error)
    except (DatastoreError, SecretError):
        return _detail_page(v, full_id, status=503, flashes=[("error", v._(
            "The shop's database or the engine's secret could not be used; nothing more "
            "was done. What was done stays done: run it again later."))])
    except SQLAlchemyError:
        # The driver's message may quote rows: name nothing but the kind of failure.
        return _detail_page(v, full_id, status=503, flashes=[("error", v._(
            "A database error stopped the run. What was done stays done: run it again."))])
    return _back(full_id, "ran")


@router.post("/tasks/{task_id}/done", dependencies=[Depends(require_csrf)])
async def task_done(v: Decider, task_id: str) -> Response:
    form = await _form(v)
    try:
        number = tasks.task_id(task_id[:12])
        with v.state.transaction() as session:
            view = tasks.get_task(session, number)
    except RequestNotFoundError:
        raise HTTPException(404, v._("There is no such task.")) from None
    try:
        with v.state.transaction() as session:
            tasks.mark_done(session, number, note=_text(form, "note"), actor=v.staff.actor)
    except RequestError as error:
        return _refused(v, view.request_id, error)
    return _back(view.request_id, "task_done")


@router.get("/requests/{request_id}/preview")
def preview(v: Viewer, request_id: str) -> Response:
    """The rows the access engine finds for the subject, without building a package;
    credentials are withheld as in an answer. Looking is logged (counts only)."""
    with v.state.transaction() as session:
        try:
            request = _get(session, request_id)
        except RequestNotFoundError:
            raise _not_found(v) from None
        if request.status not in PREVIEWABLE:
            raise HTTPException(409, v._(
                "The data is shown only once the subject's identity is verified (Art. "
                "12(6)) and until the request is answered."))
        identities, full_id, kind = request_identities(request), request.id, request.kind.value
    manifest = v.state.manifest
    try:
        found = resolve_subject(manifest, identities)
    except (DatastoreError, SQLAlchemyError):
        raise HTTPException(503, v._("The shop's database did not answer. Try again in a "
                                     "moment.")) from None
    stores = access.withhold_credentials(manifest, access.declared_types(manifest,
                                                                         found.stores))
    with v.state.transaction() as session:
        audit.append(session, actor=v.staff.actor, action="request.previewed",
                     subject=full_id, detail={"rows": found.counts()})
    collections = [(f"{store}.{name}", len(rows), list(rows[0]) if rows else [],
                    [[_cell(row.get(column)) for column in row] for row in rows[:PREVIEW_ROWS]])
                   for store, named in stores.items() for name, rows in named.items() if rows]
    return page(v, "preview.html", {
        "request_id": full_id, "kind_label": kind_words(v)[kind],
        "collections": collections, "total": found.total_rows, "shown": PREVIEW_ROWS,
        "seconds": round(sum(found.seconds.values()), 2),
    })


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 120 else text[:117] + "…"

