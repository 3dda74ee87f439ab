"""The request state machine: legal paths, illegal ones, and one event + one audit entry
for every change, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit.chain import verify
from personvern.manifest.model import SupervisoryAuthority
from personvern.requests import lifecycle
from personvern.requests.lifecycle import (
    InvalidRequestError,
    RequestNotFoundError,
    TransitionError,
)
from personvern.requests.subject import (
    InvalidIdentityError,
    SubjectIdentity,
    subject_identity,
)
from personvern.store.database import session_factory
from personvern.store.models import (
    AuditEntry,
    DataSubjectRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
    TaskStatus,
    VerifiedIdentity,
)

RECEIVED = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday 9 March 2026, 10:00 in Oslo
DATATILSYNET = SupervisoryAuthority(name="Datatilsynet", email="postkasse@datatilsynet.no",
                                    url="https://www.datatilsynet.no")
KARI = SubjectIdentity(email="kari.nordmann@example.no", phone="+4791234567")


def at(days: int) -> datetime:
    return RECEIVED + timedelta(days=days)


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with session_factory(engine)() as opened:
        yield opened
        opened.rollback()


def _create(session: Session, kind: RequestKind = RequestKind.access,
            identity: SubjectIdentity = KARI, language: str = "nb") -> DataSubjectRequest:
    return lifecycle.create_request(session, kind=kind, identity=identity, language=language,
                                    country="NO", received_at=RECEIVED, actor="staff:test")


def _counts(session: Session, request_id: str) -> tuple[int, int]:
    events = session.scalar(sa.select(sa.func.count()).select_from(RequestEvent)
                            .where(RequestEvent.request_id == request_id))
    entries = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.subject == request_id))
    return int(events or 0), int(entries or 0)


def test_create_sets_the_one_month_deadline(session: Session) -> None:
    request = _create(session)
    assert request.status is RequestStatus.received
    assert request.received_on == date(2026, 3, 9)
    assert request.due_at == date(2026, 4, 9) and request.deadline == request.due_at
    assert request.email == "kari.nordmann@example.no"
    assert _counts(session, request.id) == (1, 1)


def test_the_full_path_writes_one_event_and_one_audit_entry_per_change(
    session: Session,
) -> None:
    request = _create(session)
    steps: list[tuple[Callable[[], object], RequestStatus]] = [
        (lambda: lifecycle.verify_identity(session, request.id, method="email_link",
                                           now=at(1)), RequestStatus.identity_verified),
        (lambda: lifecycle.approve(session, request.id, now=at(2)), RequestStatus.approved),
        (lambda: lifecycle.start(session, request.id, now=at(3)), RequestStatus.running),
        (lambda: lifecycle.complete(session, request.id, now=at(4)), RequestStatus.completed),
    ]
    for number, (step, status) in enumerate(steps, start=2):
        step()
        assert request.status is status
        assert _counts(session, request.id) == (number, number)
    kinds = [event.kind for event in request.events]
    assert kinds == ["received", "identity_verified", "approved", "running", "completed"]
    assert request.events[2].detail["from"] == "identity_verified"
    assert verify(session).intact


def test_state_changes_are_committed_with_their_records_or_not_at_all(
    engine: sa.Engine,
) -> None:
    with session_factory(engine).begin() as session:
        request_id = _create(session).id

    def change_then_fail() -> None:
        with session_factory(engine).begin() as session:
            lifecycle.verify_identity(session, request_id, method="email_link", now=at(1))
            raise RuntimeError("the caller's work failed after the change")

    with pytest.raises(RuntimeError):
        change_then_fail()
    with session_factory(engine)() as session:
        request = lifecycle.get_request(session, request_id)
        assert request.status is RequestStatus.received
        assert _counts(session, request_id) == (1, 1)
        assert not session.scalars(sa.select(VerifiedIdentity)).all()


ILLEGAL = [
    ("received", "approve"), ("received", "start"), ("received", "complete"),
    ("identity_verified", "start"), ("identity_verified", "complete"),
    ("approved", "complete"), ("approved", "verify_identity"),
    ("running", "approve"), ("running", "reject"),
    ("completed", "reject"), ("completed", "start"), ("rejected", "approve"),
]


def _bring_to(session: Session, request: DataSubjectRequest, status: str) -> None:
    path = {
        "received": [],
        "identity_verified": ["verify"],
        "approved": ["verify", "approve"],
        "running": ["verify", "approve", "start"],
        "completed": ["verify", "approve", "start", "complete"],
        "rejected": ["reject"],
    }[status]
    for step in path:
        _do(session, request.id, step if step != "verify" else "verify_identity")


def _do(session: Session, request_id: str, action: str) -> None:
    calls: dict[str, Callable[[], object]] = {
        "verify_identity": lambda: lifecycle.verify_identity(
            session, request_id, method="email_link", now=at(1)),
        "approve": lambda: lifecycle.approve(session, request_id, now=at(2)),
        "start": lambda: lifecycle.start(session, request_id, now=at(3)),
        "complete": lambda: lifecycle.complete(session, request_id, now=at(4)),
        "reject": lambda: lifecycle.reject(session, request_id, reason="Ikke vår kunde.",
                                           authority=DATATILSYNET, now=at(2)),
    }
    calls[action]()


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_transitions_raise_and_write_nothing(
    session: Session, status: str, action: str
) -> None:
    request = _create(session)
    _bring_to(session, request, status)
    before = _counts(session, request.id)
    with pytest.raises(TransitionError, match=f"is {status} and cannot be"):
        _do(session, request.id, action)
    assert request.status.value == status
    assert _counts(session, request.id) == before


def test_transition_error_says_what_is_allowed(session: Session) -> None:
    request = _create(session)
    with pytest.raises(TransitionError) as raised:
        lifecycle.start(session, request.id)
    message = str(raised.value)
    assert "can go to: awaiting_identity, identity_verified, rejected" in message
    assert raised.value.current is RequestStatus.received


def test_every_state_has_its_transitions_declared() -> None:
    assert set(lifecycle.TRANSITIONS) == set(RequestStatus)
    assert {RequestStatus.completed, RequestStatus.rejected} == lifecycle.TERMINAL
    for onward in lifecycle.TRANSITIONS.values():
        assert onward <= set(RequestStatus)


def test_reject_gives_reasons_and_names_the_authority(session: Session) -> None:
    request = _create(session, language="nb")
    lifecycle.reject(session, request.id, reason="Vi finner ingen opplysninger om deg.",
                     authority=DATATILSYNET, now=at(3))
    assert request.status is RequestStatus.rejected
    assert request.rejection_reason == "Vi finner ingen opplysninger om deg."
    event = request.events[-1]
    assert "Datatilsynet" in event.detail["notice"]
    assert "postkasse@datatilsynet.no" in event.detail["notice"]
    assert event.detail["notice"].startswith("Du har rett til å klage")
    entry = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "request.rejected"
    assert "Vi finner" not in str(entry.detail)  # staff's words stay off the audit log


def test_reject_needs_a_reason(session: Session) -> None:
    request = _create(session)
    with pytest.raises(InvalidRequestError, match="must not be empty"):
        lifecycle.reject(session, request.id, reason="  ", authority=DATATILSYNET)
    assert request.status is RequestStatus.received


def test_complaint_notice_falls_back_to_english(session: Session) -> None:
    request = _create(session, language="fi")
    lifecycle.reject(session, request.id, reason="Not ours.", authority=DATATILSYNET)
    assert request.events[-1].detail["notice"].startswith("You have the right to lodge")


def test_waiting_for_identity_stops_the_clock(session: Session) -> None:
    request = _create(session)
    lifecycle.request_identity(session, request.id, reason="E-mail differs from the account",
                               now=at(2), today=date(2026, 3, 11))
    assert request.status is RequestStatus.awaiting_identity
    assert request.paused_since == date(2026, 3, 11)
    lifecycle.verify_identity(session, request.id, method="order_number",
                              identity_kind="customer_number", value=" K-1001 ",
                              now=at(12), today=date(2026, 3, 21))
    assert request.paused_since is None and request.paused_days == 10
    assert request.due_at == date(2026, 4, 20)  # 9 April + 10 days = Sunday 19 → Monday
    assert request.identities[0].kind == "customer_number"
    assert request.identities[0].value == "K-1001"
    assert request.events[-1].detail["paused_days"] == 10
    assert _counts(session, request.id) == (3, 3)


def test_a_paused_request_is_neither_overdue_nor_due(session: Session) -> None:
    request = _create(session)
    lifecycle.request_identity(session, request.id, reason="doubt", today=date(2026, 3, 10))
    late = date(2026, 5, 1)
    assert lifecycle.list_requests(session, today=late, overdue=True) == []
    assert lifecycle.list_requests(session, today=late, due_within=60) == []


def test_rejecting_a_paused_request_ends_the_pause(session: Session) -> None:
    request = _create(session)
    lifecycle.request_identity(session, request.id, reason="doubt", today=date(2026, 3, 10))
    lifecycle.reject(session, request.id, reason="No proof of identity came (Art. 12(2)).",
                     authority=DATATILSYNET, now=at(20))
    assert request.paused_since is None and request.paused_days > 0


def test_verify_needs_an_identifier_of_that_kind(session: Session) -> None:
    request = _create(session, identity=SubjectIdentity(email="ola@example.no"))
    with pytest.raises(InvalidRequestError, match="no phone"):
        lifecycle.verify_identity(session, request.id, method="sms_code", identity_kind="phone")
    with pytest.raises(InvalidRequestError, match="identity_kind"):
        lifecycle.verify_identity(session, request.id, method="x", identity_kind="passport")
    with pytest.raises(InvalidRequestError, match="not valid"):
        lifecycle.verify_identity(session, request.id, method="x", value="no-at-sign")


def test_extend_within_the_first_month(session: Session) -> None:
    request = _create(session)
    lifecycle.verify_identity(session, request.id, method="email_link", now=at(1))
    lifecycle.extend(session, request.id, reason="Many requests this month",
                     today=date(2026, 4, 9), now=at(31))  # day 31: the month's last day
    assert request.status is RequestStatus.identity_verified  # extension is not a state
    assert request.extended_due_at == date(2026, 6, 9)
    assert request.deadline == date(2026, 6, 9)
    assert request.extension_reason == "Many requests this month"
    assert request.events[-1].kind == "extended"
    assert _counts(session, request.id) == (3, 3)


def test_extend_after_the_first_month_is_refused(session: Session) -> None:
    request = _create(session)
    with pytest.raises(InvalidRequestError, match=r"within the first month \(by 2026-04-09\)"):
        lifecycle.extend(session, request.id, reason="late", today=date(2026, 4, 10))  # day 32
    assert request.extended_due_at is None
    assert _counts(session, request.id) == (1, 1)


def test_extend_only_once_and_not_when_closed(session: Session) -> None:
    request = _create(session)
    lifecycle.extend(session, request.id, reason="complex", today=date(2026, 3, 10))
    with pytest.raises(InvalidRequestError, match="already extended"):
        lifecycle.extend(session, request.id, reason="again", today=date(2026, 3, 11))
    closed = _create(session)
    lifecycle.reject(session, closed.id, reason="Not ours.", authority=DATATILSYNET)
    with pytest.raises(TransitionError, match="cannot be extended"):
        lifecycle.extend(session, closed.id, reason="complex", today=date(2026, 3, 10))


def test_a_pause_after_an_extension_moves_the_extended_deadline(session: Session) -> None:
    request = _create(session)
    lifecycle.extend(session, request.id, reason="complex", today=date(2026, 3, 10))
    lifecycle.request_identity(session, request.id, reason="doubt", today=date(2026, 3, 11))
    lifecycle.verify_identity(session, request.id, method="id_card", today=date(2026, 3, 18))
    assert request.paused_days == 7
    assert request.extended_due_at == date(2026, 6, 16)


def test_erasure_waits_for_its_art19_notices(session: Session) -> None:
    request = _create(session, kind=RequestKind.erasure)
    for step in ("verify_identity", "approve", "start"):
        _do(session, request.id, step)
    tasks = lifecycle.add_recipient_tasks(session, request.id, ["klaviyo", "posten", "klaviyo"])
    assert [task.recipient for task in tasks] == ["klaviyo", "posten"]
    with pytest.raises(InvalidRequestError, match="2 open task"):
        lifecycle.complete(session, request.id)
    for task in tasks:
        lifecycle.finish_task(session, task.id, note="sent via API")
    assert all(task.status is TaskStatus.done for task in tasks)
    lifecycle.complete(session, request.id)
    assert request.status is RequestStatus.completed
    assert verify(session).intact


def test_access_requests_have_no_art19_notices(session: Session) -> None:
    request = _create(session)
    with pytest.raises(InvalidRequestError, match=r"Art\. 19"):
        lifecycle.add_recipient_tasks(session, request.id, ["klaviyo"])


def test_list_overdue_and_due_within(session: Session) -> None:
    early = _create(session)  # due 9 April
    later = lifecycle.create_request(session, kind=RequestKind.objection, identity=KARI,
                                     language="nb", country="NO", received_at=at(14),
                                     payload={"purposes": ["marketing"]})  # due 23 April
    done = _create(session)
    lifecycle.reject(session, done.id, reason="Not ours.", authority=DATATILSYNET)
    extended = _create(session)
    lifecycle.extend(session, extended.id, reason="complex", today=date(2026, 3, 12))

    def ids(**filters: object) -> list[str]:
        return [r.id for r in lifecycle.list_requests(session, **filters)]  # type: ignore[arg-type]

    assert ids(today=date(2026, 4, 10), overdue=True) == [early.id]
    assert ids(today=date(2026, 4, 9), overdue=True) == []  # due today is not overdue
    assert ids(today=date(2026, 4, 2), due_within=7) == [early.id]
    assert ids(today=date(2026, 4, 1), due_within=7) == []
    assert ids(today=date(2026, 4, 9), due_within=14) == [early.id, later.id]
    assert ids(today=date(2026, 6, 10), overdue=True) == [early.id, later.id, extended.id]
    everything = ids(today=date(2026, 4, 6))
    assert set(everything[:2]) == {early.id, done.id}
    assert everything[2:] == [later.id, extended.id]
    assert later.payload == {"purposes": ["marketing"]}


def test_unknown_request(session: Session) -> None:
    with pytest.raises(RequestNotFoundError):
        lifecycle.approve(session, "00000000-0000-0000-0000-000000000000")


def test_oversized_payload_is_refused(session: Session) -> None:
    with pytest.raises(InvalidRequestError, match="larger than"):
        lifecycle.create_request(session, kind=RequestKind.rectification, identity=KARI,
                                 language="nb", country="NO",
                                 payload={"changes": {"address": "x" * 70_000}})


def test_audit_entries_hold_no_identifiers(session: Session) -> None:
    request = _create(session)
    lifecycle.verify_identity(session, request.id, method="email_link", now=at(1))
    dumped = " ".join(str((e.actor, e.action, e.subject, e.detail))
                      for e in session.scalars(sa.select(AuditEntry)))
    assert "kari" not in dumped and "91234567" not in dumped
    assert request.id in dumped


@pytest.mark.parametrize(("given", "message"), [
    ({"email": "not-an-address"}, "not valid"),
    ({"email": "a@b"}, "not valid"),
    ({"email": "x" * 1_000_000 + "@example.no"}, "longer than 254"),
    ({"phone": "12"}, "not valid"),
    ({"phone": "9" * 1000}, "too long"),
    ({"customer_number": "K 1; DROP TABLE"}, "only letters"),
    ({}, "at least one identifier"),
])
def test_hostile_identifiers_are_refused_without_echo(
    given: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidIdentityError, match=message) as raised:
        subject_identity(country="NO", **given)
    for value in given.values():
        assert value[:12] not in str(raised.value)


def test_identifiers_are_normalised() -> None:
    identity = subject_identity(email="  Kari.Nordmann@Example.NO ", phone="912 34 567",
                                customer_number=" K-1001 ", country="NO")
    assert identity == SubjectIdentity(email="kari.nordmann@example.no", phone="+4791234567",
                                       customer_number="K-1001")
    assert subject_identity(phone="+46 70 123 45 67", country="NO").phone == "+46701234567"


def test_unknown_country_or_language_is_invalid_input(session: Session) -> None:
    with pytest.raises(InvalidRequestError, match="XX"):
        lifecycle.create_request(session, kind=RequestKind.access, identity=KARI,
                                 language="nb", country="XX")
    with pytest.raises(InvalidRequestError, match="ISO 639"):
        lifecycle.create_request(session, kind=RequestKind.access, identity=KARI,
                                 language="norsk!", country="NO")


def test_two_people_approving_at_once_one_wins(engine: sa.Engine) -> None:
    """Row lock (PostgreSQL) or the write lock (SQLite): the second sees it approved."""
    import threading

    with session_factory(engine).begin() as session:
        request = _create(session)
        lifecycle.verify_identity(session, request.id, method="email_link", now=at(1))
        request_id = request.id
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def approve(number: int) -> None:
        barrier.wait()
        try:
            with session_factory(engine).begin() as session:
                lifecycle.approve(session, request_id, actor=f"staff:{number}")
            outcomes.append("approved")
        except TransitionError:
            outcomes.append("refused")
        except sa.exc.OperationalError:  # SQLite: a reader could not upgrade its snapshot
            outcomes.append("busy")

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("approved") == 1
    with session_factory(engine)() as session:
        assert _counts(session, request_id) == (3, 3)
        assert verify(session).intact
