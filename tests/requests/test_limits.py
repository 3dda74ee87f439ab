"""Restriction (Art. 18) and objection (Art. 21): what they stop, what they let through,
who may lift them, and that the store and the audit log hold no identity in clear; on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit.chain import verify
from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.requests import limits
from personvern.requests.limits import (
    Exemption,
    LiftRefusedError,
    LimitKind,
    ObjectionNotApplicableError,
    RestrictionGround,
    UnknownPurposeError,
)
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import session_factory
from personvern.store.models import AuditEntry, SubjectLimit

SECRET = b"limits-test-secret-" + b"x" * 30
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
KARI = SubjectIdentity(email="kari@example.no", phone="+4791234567")
OLA = SubjectIdentity(email="ola@example.no")
MANIFEST = """\
version: 1
organization: {name: Testbutikken AS, country: "NO", email: post@testbutikken.example,
               languages: [nb, en]}
purposes:
  orders:
    name: {nb: Bestillinger, en: Orders}
    data_use: essential.service
    legal_basis: contract
  newsletter:
    name: {nb: Nyhetsbrev, en: Newsletter}
    data_use: marketing.communications.email
    legal_basis: consent
  retargeting:
    name: {nb: Annonser, en: Ads}
    data_use: marketing.advertising.profiling
    legal_basis: legitimate_interests
  recommendations:
    name: {nb: Anbefalinger, en: Recommendations}
    data_use: personalize.content.profiling
    legal_basis: legitimate_interests
  bookkeeping:
    name: {nb: Regnskap, en: Bookkeeping}
    data_use: essential.legal_obligation
    legal_basis: legal_obligation
  loyalty:
    name: {nb: Kundeklubb, en: Loyalty club}
    data_use: personalize.content
    legal_basis: consent
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    path = tmp_path / "personvern.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return load_manifest(path, environ={}).manifest


@pytest.fixture(autouse=True)
def engine_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET.decode())


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with session_factory(engine)() as opened:
        yield opened
        opened.rollback()


def _allowed(session: Session, manifest: Manifest, purpose: str,
             who: SubjectIdentity = KARI) -> bool:
    return limits.limits_for(session, who, purpose, manifest).allowed


def test_nothing_in_force_allows_everything(session: Session, manifest: Manifest) -> None:
    decision = limits.limits_for(session, KARI, "newsletter", manifest)
    assert decision.allowed and not decision.reasons
    assert decision.reason == "no restriction or objection in force"


def test_objection_to_direct_marketing_is_absolute(session: Session,
                                                   manifest: Manifest) -> None:
    limit = limits.object_to(session, identity=KARI, manifest=manifest, purpose="retargeting",
                             now=NOW)
    assert limit.absolute and limit.article == "Art. 21(3)" and limit.kind is LimitKind.objection
    decision = limits.limits_for(session, SubjectIdentity(phone="+4791234567"), "retargeting",
                                 manifest)
    assert not decision.allowed and decision.absolute and decision.objected
    assert "Art. 21(3)" in decision.reason
    assert _allowed(session, manifest, "recommendations")  # only the purpose objected to
    with pytest.raises(LiftRefusedError, match=r"absolute \(Art. 21\(3\)\)"):
        limits.lift(session, limit.id, reason="We have compelling grounds.")
    assert not _allowed(session, manifest, "retargeting")
    withdrawn = limits.lift(session, limit.id, reason="The subject wants the ads back.",
                            withdrawn_by_subject=True)
    assert withdrawn.lifted_at is not None
    assert _allowed(session, manifest, "retargeting")


def test_marketing_objection_applies_whatever_the_basis(session: Session,
                                                        manifest: Manifest) -> None:
    # Art. 21(2): direct marketing may always be objected to, also where it rests on consent.
    limit = limits.object_to(session, identity=OLA, manifest=manifest, purpose="newsletter")
    assert limit.absolute
    assert not _allowed(session, manifest, "newsletter", OLA)


@pytest.mark.parametrize(("purpose", "message"), [
    ("orders", r"contract \(6\(1\)\(b\)\).*6\(1\)\(e\) or \(f\)"),
    ("bookkeeping", r"legal_obligation \(6\(1\)\(c\)\)"),
    ("loyalty", r"consent \(6\(1\)\(a\)\).*withdrawn instead \(Art. 7\(3\)\)"),
    ("*", r"names one purpose"),
])
def test_objection_is_refused_where_article_21_does_not_apply(
    session: Session, manifest: Manifest, engine: sa.Engine, purpose: str, message: str,
) -> None:
    with pytest.raises(ObjectionNotApplicableError, match=message):
        limits.object_to(session, identity=KARI, manifest=manifest, purpose=purpose)
    assert session.scalar(sa.select(sa.func.count()).select_from(SubjectLimit)) == 0


def test_unknown_purpose_is_refused(session: Session, manifest: Manifest) -> None:
    with pytest.raises(UnknownPurposeError, match="known: bookkeeping"):
        limits.object_to(session, identity=KARI, manifest=manifest, purpose="nope")
    with pytest.raises(UnknownPurposeError):
        limits.limits_for(session, KARI, "nope", manifest)
    with pytest.raises(UnknownPurposeError):
        limits.restrict(session, identity=KARI, manifest=manifest,
                        ground=RestrictionGround.accuracy_contested, purpose="nope")


def test_objection_on_legitimate_interests_holds_until_lifted_with_reason(
    session: Session, manifest: Manifest,
) -> None:
    limit = limits.object_to(session, identity=KARI, manifest=manifest,
                             purpose="recommendations", now=NOW)
    assert not limit.absolute and limit.article == "Art. 21(1)"
    decision = limits.limits_for(session, KARI, "recommendations", manifest)
    assert not decision.allowed and not decision.absolute
    assert "compelling legitimate grounds" in decision.reason
    with pytest.raises(limits.LimitError, match="must not be empty"):
        limits.lift(session, limit.id, reason="  ")
    lifted = limits.lift(session, limit.id, reason="Fraud pattern analysis outweighs.",
                         now=NOW + timedelta(days=3))
    assert lifted.lifted_at == NOW + timedelta(days=3)
    assert _allowed(session, manifest, "recommendations")
    with pytest.raises(LiftRefusedError, match="already lifted"):
        limits.lift(session, limit.id, reason="Again.")


def test_restriction_denies_everything_but_storage_and_the_18_2_exemptions(
    session: Session, manifest: Manifest,
) -> None:
    limits.restrict(session, identity=KARI, manifest=manifest,
                    ground=RestrictionGround.accuracy_contested, note="Address disputed.")
    for purpose in manifest.purposes:
        decision = limits.limits_for(session, KARI, purpose, manifest)
        assert not decision.allowed and decision.restricted, purpose
        assert "may only be stored" in decision.reason
    for exemption in Exemption:
        decision = limits.limits_for(session, KARI, exemption.value, manifest)
        assert decision.allowed and decision.restricted, exemption
    assert _allowed(session, manifest, "orders", OLA)


def test_restriction_of_one_purpose(session: Session, manifest: Manifest) -> None:
    limits.restrict(session, identity=KARI, manifest=manifest, purpose="recommendations",
                    ground=RestrictionGround.objection_pending)
    assert not _allowed(session, manifest, "recommendations")
    assert _allowed(session, manifest, "orders")


def test_lifting_a_restriction_needs_the_subject_told_first(
    session: Session, manifest: Manifest,
) -> None:
    limit = limits.restrict(session, identity=KARI, manifest=manifest,
                            ground=RestrictionGround.accuracy_contested, now=NOW)
    with pytest.raises(LiftRefusedError, match=r"18\(3\)"):
        limits.lift(session, limit.id, reason="Accuracy verified.", now=NOW + timedelta(days=2))
    with pytest.raises(LiftRefusedError, match="not after"):
        limits.lift(session, limit.id, reason="Accuracy verified.", now=NOW + timedelta(days=2),
                    subject_informed_at=NOW + timedelta(days=3))
    lifted = limits.lift(session, limit.id, reason="Accuracy verified.",
                         now=NOW + timedelta(days=2), subject_informed_at=NOW + timedelta(days=1))
    assert lifted.lifted_at is not None and len(lifted.row_ids) == 2  # e-mail and phone
    assert _allowed(session, manifest, "orders")
    entry = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "limit.lifted"
    assert entry.detail["subject_informed_at"].startswith("2026-03-10")


def test_no_identity_in_clear_and_every_change_audited(
    session: Session, manifest: Manifest,
) -> None:
    restriction = limits.restrict(session, identity=KARI, manifest=manifest,
                                  ground=RestrictionGround.unlawful_erasure_opposed, now=NOW)
    objection = limits.object_to(session, identity=OLA, manifest=manifest,
                                 purpose="newsletter", now=NOW)
    limits.lift(session, restriction.id, reason="Done.", subject_informed_at=NOW,
                now=NOW + timedelta(hours=1))
    rows = session.scalars(sa.select(SubjectLimit)).all()
    assert len(rows) == 3
    stored = " ".join(f"{r.identity_hash} {r.reason}" for r in rows)
    for clear in ("kari", "ola", "91234567", "example.no"):
        assert clear not in stored
    assert {r.identity_hash for r in rows} == set(
        limits.identity_hashes(KARI) + limits.identity_hashes(OLA))
    actions = [e.action for e in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["limit.restriction", "limit.objection", "limit.lifted"]
    assert verify(session).intact
    assert objection.id not in restriction.row_ids


def test_limits_made_at_the_same_moment_stay_apart(session: Session,
                                                   manifest: Manifest) -> None:
    first = limits.object_to(session, identity=KARI, manifest=manifest,
                             purpose="recommendations", now=NOW)
    second = limits.object_to(session, identity=OLA, manifest=manifest,
                              purpose="recommendations", now=NOW)
    assert first.created_at != second.created_at
    limits.lift(session, first.id, reason="Compelling grounds.")
    assert _allowed(session, manifest, "recommendations", KARI)
    assert not _allowed(session, manifest, "recommendations", OLA)


def test_many_subjects_in_one_question(session: Session, manifest: Manifest) -> None:
    limits.object_to(session, identity=KARI, manifest=manifest, purpose="newsletter")
    people = [SubjectIdentity(customer_number=f"C{i}") for i in range(999)] + [KARI]
    decisions = limits.limits_for_many(session, people, "newsletter", manifest)
    assert [d.allowed for d in decisions] == [True] * 999 + [False]


def test_the_hash_is_keyed(manifest: Manifest) -> None:
    one = limits.identity_hashes(OLA, b"a" * 32)
    other = limits.identity_hashes(OLA, b"b" * 32)
    assert one != other and len(one[0]) == 64
    assert limits.identity_keys(KARI) == ["email:kari@example.no", "phone:+4791234567"]
