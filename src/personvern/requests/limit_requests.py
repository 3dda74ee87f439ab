"""Carrying out restriction (Art. 18) and objection (Art. 21) *requests*.

The limits themselves live in :mod:`personvern.requests.limits`, where the shop's backend
can also record one at once (``/api/v1/limits``). A request of either kind, once approved,
is carried out here (by ``personvern worker`` or ``personvern requests run``):

* **restriction**, payload ``{"ground": "18(1)(a)", "purpose": "*", "note": "…"}``
  (``purpose`` defaults to ``*``, all processing): the restriction is recorded for the
  request's identifiers, and Art. 19 plans one task per recipient of the restricted
  purposes; the request is completed when they have all been told
  (:mod:`personvern.requests.tasks`), at once when there is none.
* **objection**, payload ``{"purposes": ["newsletter", …], "note": "…"}``: one objection
  per purpose, each checked against Art. 21 first (direct marketing: absolute, 21(3);
  otherwise only purposes on Art. 6(1)(e) or (f), 21(1)); the request is then completed.
  Art. 19 does not cover objections.

The payload is checked before the request moves or anything is written; a refusal names
what to fix. The run is idempotent: limits already recorded for this request (found by
their ``request_id``) are not recorded again, tasks already planned are not planned
again, so a run retried after a crash ends in the same state.

The limit is keyed by the identifiers the request was made with and those verified for
it (Art. 12(6)), the first of each kind (e-mail, phone, customer number), so the shop's
backend finds it by any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.manifest.model import Manifest
from personvern.requests import lifecycle, limits
from personvern.requests.lifecycle import InvalidRequestError, TransitionError
from personvern.requests.subject import SubjectIdentity
from personvern.requests.subjects import request_identities
from personvern.store.models import (
    TEXT_MAX,
    DataSubjectRequest,
    RequestKind,
    RequestStatus,
    SubjectLimit,
    TaskStatus,
)

LIMIT_KINDS = frozenset({RequestKind.restriction, RequestKind.objection})
PURPOSES_MAX = 50


class LimitRequestError(InvalidRequestError):
    """The request's payload does not say a limit that can be recorded (shown as it is)."""


@dataclass(frozen=True)
class LimitPlan:
    """What the payload asks for, checked: the limit kind, purposes, and its ground."""

    kind: limits.LimitKind
    purposes: tuple[str, ...]
    ground: limits.RestrictionGround | None
    note: str | None


@dataclass(frozen=True)
class LimitOutcome:
    request_id: str
    status: RequestStatus
    limits: tuple[int, ...]  # the limit ids recorded for the request
    recipients: tuple[str, ...]  # Art. 19 tasks


def _note(payload: Mapping[str, Any]) -> str | None:
    note = payload.get("note")
    if note is None:
        return None
    if not isinstance(note, str) or len(note) > TEXT_MAX:
        raise LimitRequestError(f'"note" is text of at most {TEXT_MAX} characters')
    return note.strip() or None


def plan_limits(request: DataSubjectRequest, manifest: Manifest) -> LimitPlan:
    """The payload of a restriction or objection request, checked against the manifest
    and Art. 18/21; raises :class:`LimitRequestError` with what to fix."""
    payload = request.payload or {}
    try:
        if request.kind is RequestKind.restriction:
            grounds = ", ".join(g.value for g in limits.RestrictionGround)
            try:
                ground = limits.RestrictionGround(payload.get("ground"))
            except ValueError:
                raise LimitRequestError(
                    f'a restriction request needs "ground" in its payload, one of {grounds} '
                    "(Art. 18(1))") from None
            purpose = payload.get("purpose", limits.ALL_PURPOSES)
            if not isinstance(purpose, str):
                raise LimitRequestError('"purpose" is a manifest purpose key or "*"')
            if purpose != limits.ALL_PURPOSES:
                limits.check_purpose(manifest, purpose)
            return LimitPlan(limits.LimitKind.restriction, (purpose,), ground,
                             _note(payload))
        purposes = payload.get("purposes")
        if (not isinstance(purposes, list) or not purposes or len(purposes) > PURPOSES_MAX
                or not all(isinstance(p, str) for p in purposes)):
            raise LimitRequestError(
                f'an objection request needs "purposes": a list of 1 to {PURPOSES_MAX} '
                "manifest purpose keys (Art. 21 weighs each purpose on its own)")
        for purpose in purposes:
            limits.check_objection(manifest, purpose)
        return LimitPlan(limits.LimitKind.objection, tuple(dict.fromkeys(purposes)), None,
                         _note(payload))
    except limits.LimitError as error:
        raise LimitRequestError(str(error)) from None


def subject_of_request(request: DataSubjectRequest) -> SubjectIdentity:
    """The identifiers to key the limit by: the first of each kind, given or verified."""
    found = request_identities(request)
    return SubjectIdentity(**{kind: values[0] for kind, values in found.items()})


def _recorded(session: Session, request_id: str) -> dict[tuple[str, str], int]:
    """The limits already recorded for this request: (kind, purpose) → limit id."""
    rows = session.execute(sa.select(SubjectLimit.kind, SubjectLimit.purpose,
                                     sa.func.min(SubjectLimit.id))
                           .where(SubjectLimit.request_id == request_id)
                           .group_by(SubjectLimit.kind, SubjectLimit.purpose)).all()
    return {(str(kind), str(purpose)): int(first) for kind, purpose, first in rows}


def recipients_of(manifest: Manifest, purposes: tuple[str, ...]) -> list[str]:
    """Art. 19: the recipients of the restricted purposes (all purposes for ``*``)."""
    keys = manifest.purposes if limits.ALL_PURPOSES in purposes else \
        {k: manifest.purposes[k] for k in purposes if k in manifest.purposes}
    return sorted({recipient for purpose in keys.values() for recipient in purpose.recipients})


def run_limit_request(session: Session, request_id: str, manifest: Manifest,
                      now: datetime | None = None, *, actor: str = lifecycle.SYSTEM,
                      hash_key: bytes | None = None) -> LimitOutcome:
    """Carry out an approved restriction or objection request (commits).

    approved → running (committed once the payload is checked), the limits and the Art.
    19 tasks (committed), → completed when no task is open. Run again to resume."""
    at = audit.utc(now) if now is not None else datetime.now(UTC)
    request = lifecycle.get_request(session, request_id, for_update=True)
    if request.kind not in LIMIT_KINDS:
        raise InvalidRequestError(f"request {request.id} is a {request.kind.value} request")
    if request.status not in (RequestStatus.approved, RequestStatus.running,
                              RequestStatus.completed):
        raise TransitionError(request.id, request.status, "running")
    if request.status is not RequestStatus.completed:
        plan = plan_limits(request, manifest)
        if request.status is RequestStatus.approved:
            if not request.identities:
                raise InvalidRequestError(
                    f"request {request.id} has no verified identity (Art. 12(6))")
            lifecycle.start(session, request.id, actor=actor, now=at)
            session.commit()
        try:
            _record_limits(session, request, plan, manifest, actor=actor, at=at,
                           hash_key=hash_key)
        except limits.LimitError as error:
            session.rollback()
            raise LimitRequestError(str(error)) from None
        session.commit()
        session.refresh(request)
        if not any(t.status is TaskStatus.open for t in request.tasks):
            lifecycle.complete(session, request.id, actor=actor, now=at)
            session.commit()
    session.refresh(request)
    return LimitOutcome(request.id, request.status,
                        tuple(sorted(set(_recorded(session, request.id).values()))),
                        tuple(sorted(t.recipient or "" for t in request.tasks
                                     if t.kind == "notify_recipient")))


def _record_limits(session: Session, request: DataSubjectRequest, plan: LimitPlan,
                   manifest: Manifest, *, actor: str, at: datetime,
                   hash_key: bytes | None) -> None:
    identity = subject_of_request(request)
    recorded = _recorded(session, request.id)
    for purpose in plan.purposes:
        if (plan.kind.value, purpose) in recorded:
            continue  # recorded by a run that did not get to finish
        if plan.ground is not None:
            limits.restrict(session, identity=identity, manifest=manifest, ground=plan.ground,
                            purpose=purpose, note=plan.note, request_id=request.id,
                            actor=actor, now=at, hash_key=hash_key)
        else:
            limits.object_to(session, identity=identity, manifest=manifest, purpose=purpose,
                             note=plan.note, request_id=request.id, actor=actor, now=at,
                             hash_key=hash_key)
    if plan.kind is limits.LimitKind.restriction:
        planned = {t.recipient for t in request.tasks if t.kind == "notify_recipient"}
        missing = [r for r in recipients_of(manifest, plan.purposes) if r not in planned]
        if missing:
            lifecycle.add_recipient_tasks(session, request.id, missing, actor=actor, now=at)
