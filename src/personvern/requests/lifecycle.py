"""The life of a data-subject request, as an explicit state machine.

::

    received ──────────────────────────┐
      │  │                             │
      │  └─▶ awaiting_identity ──┐     │      (clock stopped, Art. 12(6))
      │                          ▼     │
      └────────────────▶ identity_verified
                                 │     │
                                 ▼     │
                              approved │
                                 │     │
                                 ▼     ▼
                              running  rejected  (Art. 12(4): reasons + right to complain;
                                 │               from any state before running)
                                 ▼
                             completed

An **extension** (Art. 12(3)) is not a state: it is a field on the request (a later
deadline and its reason), allowed once, in any open state, within the first month. A state
would have to remember where to go back to, and the request goes on exactly as before,
only with more time.

Every change here writes one ``request_events`` row (the request's timeline, which may
hold reasons written by staff) and one audit entry (ids, states and dates only: no
personal data), in the caller's transaction, so both are committed with the change or
not at all. The functions take a :class:`~sqlalchemy.orm.Session` and never commit:
a web handler or a CLI command owns the transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.manifest.model import SupervisoryAuthority
from personvern.requests import deadlines, subject
from personvern.requests.notices import complaint_notice
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import lock_for_writing
from personvern.store.models import (
    TEXT_MAX,
    DataSubjectRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Task,
    TaskStatus,
    VerifiedIdentity,
)

S = RequestStatus
TRANSITIONS: Mapping[RequestStatus, frozenset[RequestStatus]] = {
    S.received: frozenset({S.awaiting_identity, S.identity_verified, S.rejected}),
    S.awaiting_identity: frozenset({S.identity_verified, S.rejected}),
    S.identity_verified: frozenset({S.approved, S.rejected}),
    S.approved: frozenset({S.running, S.rejected}),
    S.running: frozenset({S.completed}),
    S.completed: frozenset(),
    S.rejected: frozenset(),
}
TERMINAL = frozenset(status for status, onward in TRANSITIONS.items() if not onward)
OPEN = frozenset(RequestStatus) - TERMINAL
# Art. 19: after rectification, erasure or restriction, each recipient is told.
NOTIFY_RECIPIENTS = frozenset({RequestKind.rectification, RequestKind.erasure,
                               RequestKind.restriction})
PAYLOAD_MAX_BYTES = 64 * 1024
IDENTITY_KINDS = ("email", "phone", "customer_number")
_ID_PREFIX = re.compile(r"^[0-9a-f-]+$")
SYSTEM = "system"


class RequestError(Exception):
    """Base of the errors a caller can show to a person as they are."""


class TransitionError(RequestError):
    """The request cannot go from its current state to the one asked for."""

    def __init__(self, request_id: str, current: RequestStatus, wanted: str) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (final)"
        super().__init__(
            f"request {request_id} is {current.value} and cannot be {wanted}; "
            f"from {current.value} it can go to: {allowed}"
        )
        self.request_id, self.current, self.wanted = request_id, current, wanted


class RequestNotFoundError(RequestError):
    pass


class InvalidRequestError(RequestError):
    """Input that does not make a valid request (a missing reason, an oversized payload)."""


def _now(now: datetime | None) -> datetime:
    return audit.utc(now) if now is not None else datetime.now(UTC)


def required_text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidRequestError(f"{what} must not be empty")
    if len(text) > TEXT_MAX:
        raise InvalidRequestError(f"{what} is longer than {TEXT_MAX} characters")
    return text


def _payload(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    data = dict(payload or {})
    try:
        encoded = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidRequestError("the payload must be plain JSON data") from None
    if len(encoded.encode("utf-8")) > PAYLOAD_MAX_BYTES:
        raise InvalidRequestError(f"the payload is larger than {PAYLOAD_MAX_BYTES} bytes")
    return data


def _record(
    session: Session, request: DataSubjectRequest, kind: str, actor: str, at: datetime,
    detail: Mapping[str, Any] | None = None, audit_detail: Mapping[str, Any] | None = None,
) -> None:
    """One timeline row and one audit entry for one change, in the same transaction."""
    session.add(RequestEvent(request_id=request.id, at=at, kind=kind, actor=actor,
                             detail=dict(detail or {})))
    audit.append(session, actor=actor, action=f"request.{kind}", subject=request.id,
                 detail={"status": request.status.value, **(audit_detail or {})}, at=at)


def _move(
    session: Session, request: DataSubjectRequest, to: RequestStatus, *, actor: str,
    at: datetime, detail: Mapping[str, Any] | None = None,
    audit_detail: Mapping[str, Any] | None = None,
) -> DataSubjectRequest:
    if to not in TRANSITIONS[request.status]:
        raise TransitionError(request.id, request.status, to.value)
    previous = request.status
    request.status, request.updated_at = to, at
    _record(session, request, to.value, actor, at,
            {"from": previous.value, **(detail or {})},
            {"from": previous.value, **(audit_detail or {})})
    return request


def get_request(session: Session, request_id: str, *, for_update: bool = False
                ) -> DataSubjectRequest:
    """The request with ``request_id``.

    ``for_update``: the caller is about to change it, so lock it first (its row on
    PostgreSQL, the database on SQLite) and read it fresh, so that two people acting on
    the same request at once cannot both move it from the same state.
    """
    query = sa.select(DataSubjectRequest).where(DataSubjectRequest.id == request_id)
    if for_update:
        lock_for_writing(session, DataSubjectRequest.__tablename__)
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.scalars(query).first()
    if request is None:
        raise RequestNotFoundError(f"no request {request_id}")
    return request


def resolve_request_id(session: Session, given: str) -> str:
    """The full id for ``given``: an id, or a unique prefix of at least 8 characters
    (lists show the first 8, as ``git`` shows short hashes)."""
    if len(given) > 36 or not _ID_PREFIX.match(given):
        raise RequestNotFoundError("a request id is hexadecimal digits and dashes")
    if len(given) == 36 or len(given) < 8:
        return given
    matches = session.scalars(
        sa.select(DataSubjectRequest.id).where(DataSubjectRequest.id.startswith(given))
        .limit(2)
    ).all()
    if len(matches) > 1:
        raise RequestNotFoundError(f"{given} is the start of more than one request id")
    return matches[0] if matches else given


def _today(request: DataSubjectRequest, at: datetime, today: date | None) -> date:
    return today if today is not None else deadlines.receipt_day(at, request.controller_country)


def _refresh_deadlines(request: DataSubjectRequest) -> None:
    received, country = request.received_on, request.controller_country
    paused = request.paused_days
    request.due_at = deadlines.due_date(received, country, paused)
    if request.extended_due_at is not None:
        request.extended_due_at = deadlines.extended_due_date(received, country, paused)


def create_request(
    session: Session,
    *,
    kind: RequestKind,
    identity: SubjectIdentity,
    language: str,
    country: str,
    received_at: datetime | None = None,
    payload: Mapping[str, Any] | None = None,
    actor: str = SYSTEM,
) -> DataSubjectRequest:
    """Register a request as received; its one-month deadline starts now (Art. 12(3))."""
    at = _now(received_at)
    country = country.upper()
    received_on = deadlines.receipt_day(at, country)
    try:
        language = subject.normalise_language(language)
        due = deadlines.due_date(received_on, country)
    except ValueError as error:  # an unknown language code or holiday calendar
        raise InvalidRequestError(str(error)) from None
    request = DataSubjectRequest(
        id=str(uuid.uuid4()), kind=kind, status=RequestStatus.received,
        email=identity.email, phone=identity.phone,
        customer_number=identity.customer_number, language=language,
        controller_country=country, received_at=at, received_on=received_on,
        due_at=due, paused_days=0,
        payload=_payload(payload), updated_at=at,
    )
    session.add(request)
    session.flush()
    # Which kinds of identifier were given is not personal data; their values are.
    facts = {"kind": kind.value, "due": request.due_at.isoformat(), "country": country,
             "identified_by": sorted(identity.present())}
    _record(session, request, "received", actor, at, facts, facts)
    return request


def request_identity(
    session: Session, request_id: str, *, reason: str, actor: str = SYSTEM,
    now: datetime | None = None, today: date | None = None,
) -> DataSubjectRequest:
    """Ask the subject to prove who they are; the clock stops until they do (Art. 12(6))."""
    at = _now(now)
    request = get_request(session, request_id, for_update=True)
    since = _today(request, at, today)
    reason = required_text(reason, "the reason for doubting the identity")
    _move(session, request, RequestStatus.awaiting_identity, actor=actor, at=at,
          detail={"reason": reason, "paused_since": since.isoformat()},
          audit_detail={"paused_since": since.isoformat()})
    request.paused_since = since
    return request


def _resume(request: DataSubjectRequest, today: date) -> int:
    """End a pause: its days stop counting against the deadline. Returns the days added."""
    if request.paused_since is None:
        return 0
    waited = max((today - request.paused_since).days, 0)
    request.paused_days += waited
    request.paused_since = None
    _refresh_deadlines(request)
    return waited


def _normalised(identity_kind: str, value: str, country: str) -> str:
    try:
        if identity_kind == "email":
            return subject.normalise_email(value)
        if identity_kind == "phone":
            return subject.normalise_phone(value, country)
        return subject.normalise_customer_number(value)
    except subject.InvalidIdentityError as error:
        raise InvalidRequestError(str(error)) from None


def verify_identity(
    session: Session, request_id: str, *, method: str, identity_kind: str = "email",
    value: str | None = None, actor: str = SYSTEM, now: datetime | None = None,
    today: date | None = None,
) -> DataSubjectRequest:
    """Record that the subject proved control of an identifier (``method``: how).

    ``value`` defaults to the request's own identifier of ``identity_kind``.
    """
    at = _now(now)
    request = get_request(session, request_id, for_update=True)
    if RequestStatus.identity_verified not in TRANSITIONS[request.status]:
        raise TransitionError(request.id, request.status, "identity_verified")
    if identity_kind not in IDENTITY_KINDS:
        raise InvalidRequestError(f"identity_kind must be one of {', '.join(IDENTITY_KINDS)}")
    proven = (getattr(request, identity_kind) if value is None
              else _normalised(identity_kind, value, request.controller_country))
    if not proven:
        raise InvalidRequestError(f"the request has no {identity_kind} to verify")
    method = required_text(method, "the verification method")[:64]
    waited = _resume(request, _today(request, at, today))
    session.add(VerifiedIdentity(request_id=request.id, kind=identity_kind, value=proven,
                                 verified_at=at, method=method))
    facts = {"identity_kind": identity_kind, "method": method, "paused_days": waited,
             "due": request.due_at.isoformat()}
    return _move(session, request, RequestStatus.identity_verified, actor=actor, at=at,
                 detail=facts, audit_detail=facts)


def approve(session: Session, request_id: str, *, actor: str = SYSTEM,
            now: datetime | None = None) -> DataSubjectRequest:
    """Staff decide the request will be carried out."""
    request = get_request(session, request_id, for_update=True)
    return _move(session, request, RequestStatus.approved, actor=actor, at=_now(now))


def start(session: Session, request_id: str, *, actor: str = SYSTEM,
          now: datetime | None = None) -> DataSubjectRequest:
    """The work on the shop's databases begins."""
    request = get_request(session, request_id, for_update=True)
    return _move(session, request, RequestStatus.running, actor=actor, at=_now(now))


def complete(session: Session, request_id: str, *, actor: str = SYSTEM,
             now: datetime | None = None) -> DataSubjectRequest:
    """The answer was given. Open follow-up tasks (e.g. Art. 19 notices) must be done first."""
    request = get_request(session, request_id, for_update=True)
    if request.status is RequestStatus.running:
        waiting = [task for task in request.tasks if task.status is TaskStatus.open]
        if waiting:
            raise InvalidRequestError(
                f"request {request.id} has {len(waiting)} open task(s); finish them first"
            )
    return _move(session, request, RequestStatus.completed, actor=actor, at=_now(now))


def reject(
    session: Session, request_id: str, *, reason: str, authority: SupervisoryAuthority,
    actor: str = SYSTEM, now: datetime | None = None,
) -> DataSubjectRequest:
    """Decline to act, with reasons and the right to complain (Art. 12(4)).

    The notice to the subject names the supervisory authority from the manifest; the text
    is kept on the timeline as it was given.
    """
    at = _now(now)
    request = get_request(session, request_id, for_update=True)
    reason = required_text(reason, "the reason for rejecting")
    if request.status is RequestStatus.awaiting_identity:
        # Art. 11(2), 12(2): the subject never proved who they are; the pause ends here.
        _resume(request, deadlines.receipt_day(at, request.controller_country))
    notice = complaint_notice(authority, request.language)
    _move(session, request, RequestStatus.rejected, actor=actor, at=at,
          detail={"reason": reason, "notice": notice, "authority": authority.name},
          audit_detail={"authority": authority.name})
    request.rejection_reason = reason
    return request


def extend(
    session: Session, request_id: str, *, reason: str, actor: str = SYSTEM,
    now: datetime | None = None, today: date | None = None,
) -> DataSubjectRequest:
    """Extend the deadline to three months from receipt (Art. 12(3)), once.

    Only while the request is open and within its first month (counting paused days),
    because the subject must be told of the extension, with its reasons, within that month.
    """
    at = _now(now)
    request = get_request(session, request_id, for_update=True)
    reason = required_text(reason, "the reason for the extension")
    if request.status in TERMINAL:
        raise TransitionError(request.id, request.status, "extended")
    if request.extended_due_at is not None:
        raise InvalidRequestError(
            f"request {request.id} was already extended to {request.extended_due_at}; "
            "Art. 12(3) allows one extension of two further months"
        )
    day = _today(request, at, today)
    paused = request.paused_days + (
        max((day - request.paused_since).days, 0) if request.paused_since else 0
    )
    if not deadlines.extension_allowed(request.received_on, day,
                                       request.controller_country, paused):
        first_month = deadlines.due_date(request.received_on, request.controller_country,
                                         paused)
        raise InvalidRequestError(
            f"request {request.id}: an extension must be announced within the first month "
            f"(by {first_month}), Art. 12(3); today is {day}"
        )
    request.extended_due_at = deadlines.extended_due_date(
        request.received_on, request.controller_country, request.paused_days)
    request.extension_reason, request.updated_at = reason, at
    due = request.extended_due_at.isoformat()
    _record(session, request, "extended", actor, at, {"reason": reason, "due": due},
            {"due": due})
    return request


def add_recipient_tasks(
    session: Session, request_id: str, recipients: Iterable[str], *, actor: str = SYSTEM,
    now: datetime | None = None,
) -> list[Task]:
    """Plan one Art. 19 notice per recipient for a rectification, erasure or restriction."""
    at = _now(now)
    request = get_request(session, request_id, for_update=True)
    if request.kind not in NOTIFY_RECIPIENTS:
        raise InvalidRequestError(
            f"Art. 19 notices follow rectification, erasure or restriction, "
            f"not {request.kind.value}"
        )
    if request.status in TERMINAL:
        raise TransitionError(request.id, request.status, "given tasks")
    keys = sorted({key.strip() for key in recipients if key.strip()})
    tasks = [Task(request_id=request.id, kind="notify_recipient", recipient=key,
                  status=TaskStatus.open) for key in keys]
    session.add_all(tasks)
    _record(session, request, "tasks_planned", actor, at, {"recipients": keys},
            {"recipients": keys})
    return tasks


def finish_task(session: Session, task_id: int, *, note: str | None = None,
                actor: str = SYSTEM, now: datetime | None = None) -> Task:
    at = _now(now)
    lock_for_writing(session, Task.__tablename__)
    task = session.get(Task, task_id, with_for_update=True, populate_existing=True)
    if task is None:
        raise RequestNotFoundError(f"no task {task_id}")
    if task.status is TaskStatus.done:
        raise InvalidRequestError(f"task {task_id} is already done")
    task.status, task.done_at = TaskStatus.done, at
    task.note = required_text(note, "the note") if note else None
    request = get_request(session, task.request_id)
    facts = {"task": task.id, "task_kind": task.kind, "recipient": task.recipient}
    _record(session, request, "task_done", actor, at,
            {**facts, "note": task.note}, facts)
    return task


def list_requests(
    session: Session,
    *,
    today: date,
    overdue: bool = False,
    due_within: int | None = None,
    status: RequestStatus | None = None,
    limit: int = 500,
) -> list[DataSubjectRequest]:
    """Requests by deadline, soonest first.

    ``overdue``: open requests whose deadline (the extended one, if any) has passed.
    ``due_within``: open requests due between today and ``due_within`` days from now.
    A request waiting for proof of identity is neither: its clock is stopped.
    """
    deadline = sa.func.coalesce(DataSubjectRequest.extended_due_at, DataSubjectRequest.due_at)
    query = sa.select(DataSubjectRequest).order_by(deadline, DataSubjectRequest.received_at)
    if status is not None:
        query = query.where(DataSubjectRequest.status == status)
    if overdue or due_within is not None:
        query = query.where(DataSubjectRequest.status.in_(list(OPEN)),
                            DataSubjectRequest.paused_since.is_(None))
    if overdue:
        query = query.where(deadline < today)
    if due_within is not None:
        query = query.where(deadline.between(today, today + timedelta(days=due_within)))
    return list(session.scalars(query.limit(limit)).all())
