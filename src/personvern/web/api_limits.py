"""``/api/v1/limits``: restriction (Art. 18) and objection (Art. 21), over
:mod:`personvern.requests.limits`; and the question the shop's backend asks before it
uses someone's data: may I, for this purpose?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette import status as http

from personvern.requests import limits
from personvern.web.auth import Actor, State
from personvern.web.schemas import (
    BulkCheck,
    BulkDecision,
    Check,
    Decision,
    Lift,
    LimitView,
    Objection,
    Restriction,
    subject_of,
    subjects_of,
)

router = APIRouter(prefix="/limits", tags=["limits"])
LimitId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The id a limit was made with.")]


def _view(limit: limits.Limit) -> LimitView:
    return LimitView(id=limit.id, kind=limit.kind.value, purpose=limit.purpose,
                     article=limit.article, absolute=limit.absolute,
                     created_at=limit.created_at, identifiers=len(limit.row_ids),
                     lifted_at=limit.lifted_at)


def _decision(decision: limits.LimitDecision) -> Decision:
    return Decision(purpose=decision.purpose, allowed=decision.allowed, reason=decision.reason,
                    restricted=decision.restricted, objected=decision.objected,
                    absolute=decision.absolute,
                    articles=sorted({r.article for r in decision.reasons}),
                    limits=sorted({r.limit_id for r in decision.reasons}))


@router.post("/restriction", status_code=http.HTTP_201_CREATED, response_model=LimitView,
             summary="Restrict processing (Art. 18)")
def restrict(body: Restriction, state: State, actor: Actor) -> LimitView:
    """From now on the subject's data may only be stored (Art. 18(2))."""
    identity = subject_of(body.identities, state.country)
    with state.transaction() as session:
        return _view(limits.restrict(
            session, identity=identity, manifest=state.manifest, ground=body.ground,
            purpose=body.purpose, note=body.note, request_id=body.request_id, actor=actor))


@router.post("/objection", status_code=http.HTTP_201_CREATED, response_model=LimitView,
             summary="Record an objection to a purpose (Art. 21)")
def object_to(body: Objection, state: State, actor: Actor) -> LimitView:
    """Direct marketing: absolute (21(3)). Otherwise only for purposes on Art. 6(1)(e)/(f),
    held until the controller shows compelling grounds (21(1)); 422 for other bases."""
    identity = subject_of(body.identities, state.country)
    with state.transaction() as session:
        return _view(limits.object_to(
            session, identity=identity, manifest=state.manifest, purpose=body.purpose,
            note=body.note, request_id=body.request_id, actor=actor))


@router.post("/{limit_id}/lift", response_model=LimitView, summary="Lift a limit")
def lift(limit_id: LimitId, body: Lift, state: State, actor: Actor) -> LimitView:
    """A restriction: only after the subject was told (Art. 18(3)). An objection to direct
    marketing: only when the subject withdraws it (409 otherwise)."""
    with state.transaction() as session:
        return _view(limits.lift(
            session, limit_id, reason=body.reason,
            subject_informed_at=body.subject_informed_at,
            withdrawn_by_subject=body.withdrawn_by_subject, actor=actor))


@router.post("/check", response_model=Decision, summary="May this subject's data be used for P?")
def check(body: Check, state: State, _actor: Actor) -> Decision:
    """Allow or deny, with the reason (no personal data in the answer)."""
    identity = subject_of(body.identities, state.country)
    with state.transaction() as session:
        return _decision(limits.limits_for(session, identity, body.purpose, state.manifest))


@router.post("/check-bulk", response_model=BulkDecision,
             summary="The same question for up to 1,000 subjects")
def check_bulk(body: BulkCheck, state: State, _actor: Actor) -> BulkDecision:
    """One answer per subject, in the order given (one database query for all)."""
    identities = subjects_of(body.subjects, state.country)
    with state.transaction() as session:
        decisions = limits.limits_for_many(session, identities, body.purpose, state.manifest)
    return BulkDecision(purpose=body.purpose, results=[_decision(d) for d in decisions])
