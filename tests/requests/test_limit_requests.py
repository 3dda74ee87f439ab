"""Restriction (Art. 18) and objection (Art. 21) requests carried out from their payload:
limits recorded once, Art. 19 tasks for a restriction, refusals before anything moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.requests import lifecycle, limits, tasks
from personvern.requests.limit_requests import LimitRequestError, run_limit_request
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import session_factory
from personvern.store.models import (
    TEXT_MAX,
    AuditEntry,
    RequestEvent,
    RequestKind,
    RequestStatus,
    SubjectLimit,
)

AT = datetime(2027, 4, 6, 9, tzinfo=UTC)
EMAIL = "kari.nordmann@example.no"
PAYMENT_RECIPIENTS = ("klarna", "nets", "paypal", "vipps_mobilepay")


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    path = resources.files("personvern.demo").joinpath("manifest.yaml")
    return load_manifest(str(path), environ={"PERSONVERN_DEMO_DB": "sqlite://"}).manifest


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with session_factory(engine)() as opened:
        yield opened


def approved(session: Session, kind: RequestKind, payload: dict[str, Any]) -> str:
    request = lifecycle.create_request(
        session, kind=kind, identity=SubjectIdentity(email=EMAIL, phone="+4791234567"),
        language="nb", country="NO", received_at=AT, payload=payload)
    lifecycle.verify_identity(session, request.id, method="email_link", now=AT)
    lifecycle.approve(session, request.id, now=AT)
    session.commit()
    return request.id


def decision(session: Session, manifest: Manifest, purpose: str,
             **identity: str) -> limits.LimitDecision:
    return limits.limits_for(session, SubjectIdentity(**identity), purpose, manifest)


def test_a_restriction_is_recorded_and_its_recipients_are_to_be_told(
    session: Session, manifest: Manifest,
) -> None:
    request_id = approved(session, RequestKind.restriction,
                          {"ground": "18(1)(a)", "purpose": "payment", "note": "Disputed."})
    outcome = run_limit_request(session, request_id, manifest, AT, actor="worker")
    assert outcome.status is RequestStatus.running and len(outcome.limits) == 1
    assert outcome.recipients == PAYMENT_RECIPIENTS
    for identity in ({"email": EMAIL}, {"phone": "+4791234567"}):  # by either identifier
        found = decision(session, manifest, "payment", **identity)
        assert found.restricted and not found.allowed
    assert decision(session, manifest, "newsletter", email=EMAIL).allowed
    again = run_limit_request(session, request_id, manifest, AT, actor="worker")
    assert again == outcome  # a retried run records nothing twice
    for task in tasks.list_tasks(session, request_id=request_id):
        tasks.mark_done(session, task.id, note="Told through the DPA portal.")
    session.commit()
    assert lifecycle.get_request(session, request_id).status is RequestStatus.completed


def test_restricting_everything_tells_every_recipient(
    session: Session, manifest: Manifest,
) -> None:
    request_id = approved(session, RequestKind.restriction, {"ground": "18(1)(b)"})
    outcome = run_limit_request(session, request_id, manifest, AT)
    everyone = sorted({r for p in manifest.purposes.values() for r in p.recipients})
    assert list(outcome.recipients) == everyone
    assert decision(session, manifest, "newsletter", email=EMAIL).restricted


def test_objections_are_recorded_and_the_request_completed(
    session: Session, manifest: Manifest,
) -> None:
    request_id = approved(session, RequestKind.objection,
                          {"purposes": ["newsletter", "fraud_prevention", "newsletter"]})
    outcome = run_limit_request(session, request_id, manifest, AT)
    assert outcome.status is RequestStatus.completed and outcome.recipients == ()
    assert len(outcome.limits) == 2
    marketing = decision(session, manifest, "newsletter", email=EMAIL)
    assert marketing.objected and marketing.absolute  # Art. 21(3)
    fraud = decision(session, manifest, "fraud_prevention", email=EMAIL)
    assert fraud.objected and not fraud.absolute  # Art. 21(1): held until assessed
    assert run_limit_request(session, request_id, manifest, AT) == outcome


def test_a_run_that_died_half_way_is_finished_without_doubles(
    session: Session, manifest: Manifest,
) -> None:
    request_id = approved(session, RequestKind.objection,
                          {"purposes": ["newsletter", "fraud_prevention"]})
    # What the lost run had committed: running, and the first of the two objections.
    lifecycle.start(session, request_id, now=AT)
    first = limits.object_to(session, identity=SubjectIdentity(email=EMAIL, phone="+4791234567"),
                             manifest=manifest, purpose="newsletter", request_id=request_id,
                             now=AT)
    session.commit()
    outcome = run_limit_request(session, request_id, manifest, AT)
    assert outcome.status is RequestStatus.completed
    assert first.id in outcome.limits and len(outcome.limits) == 2
    purposes = session.scalars(sa.select(SubjectLimit.purpose).where(
        SubjectLimit.request_id == request_id).distinct()).all()
    assert sorted(purposes) == ["fraud_prevention", "newsletter"]


@pytest.mark.parametrize(("kind", "payload", "problem"), [
    (RequestKind.restriction, {}, "ground"),
    (RequestKind.restriction, {"ground": "18(1)(z)"}, "ground"),
    (RequestKind.restriction, {"ground": ["18(1)(a)"]}, "ground"),
    (RequestKind.restriction, {"ground": "18(1)(a)", "purpose": "no_such"}, "no purpose"),
    (RequestKind.restriction, {"ground": "18(1)(a)", "purpose": 5}, "purpose"),
    (RequestKind.restriction, {"ground": "18(1)(a)", "note": "x" * (TEXT_MAX + 1)}, "note"),
    (RequestKind.objection, {}, "purposes"),
    (RequestKind.objection, {"purposes": []}, "purposes"),
    (RequestKind.objection, {"purposes": "newsletter"}, "purposes"),
    (RequestKind.objection, {"purposes": [1]}, "purposes"),
    (RequestKind.objection, {"purposes": ["newsletter"] * 51}, "purposes"),
    (RequestKind.objection, {"purposes": ["*"]}, "restriction"),
    (RequestKind.objection, {"purposes": ["order_fulfilment"]}, "Art. 21(1)"),
    (RequestKind.objection, {"purposes": ["newsletter", "'; DROP TABLE requests"]},
     "no purpose"),
])
def test_a_payload_that_says_no_valid_limit_changes_nothing(
    session: Session, manifest: Manifest, kind: RequestKind, payload: dict[str, Any],
    problem: str,
) -> None:
    request_id = approved(session, kind, payload)
    before = [session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in (SubjectLimit, RequestEvent, AuditEntry)]
    with pytest.raises(LimitRequestError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        run_limit_request(session, request_id, manifest, AT)
    session.rollback()
    assert [session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in (SubjectLimit, RequestEvent, AuditEntry)] == before
    assert lifecycle.get_request(session, request_id).status is RequestStatus.approved


def test_only_approved_limit_requests_run(session: Session, manifest: Manifest) -> None:
    received = lifecycle.create_request(
        session, kind=RequestKind.objection, identity=SubjectIdentity(email=EMAIL),
        language="nb", country="NO", payload={"purposes": ["newsletter"]})
    session.commit()
    with pytest.raises(lifecycle.TransitionError):
        run_limit_request(session, received.id, manifest, AT)
    access = approved(session, RequestKind.access, {})
    with pytest.raises(lifecycle.InvalidRequestError, match="access request"):
        run_limit_request(session, access, manifest, AT)
