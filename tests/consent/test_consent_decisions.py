"""Decisions: may I use subject X for purpose P now? With the reason, single and bulk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from consent_shop import KEY, VISITOR

from personvern.consent import records
from personvern.consent.decisions import (
    DecisionReason,
    LimitVerdict,
    decide,
    decide_many,
)
from personvern.consent.records import Choices, ConsentError, ConsentSource
from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest
from personvern.requests import limits
from personvern.requests.limits import LimitKind, RestrictionGround
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import transaction

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _record(engine: sa.Engine, manifest: Manifest, subject: records.ConsentSubject,
            choices: Choices, at: datetime) -> None:
    with transaction(engine) as session:
        records.record(session, manifest, subject, choices, source=ConsentSource.portal,
                       language="nb", now=at, key=KEY)


def test_consent_given_names_time_and_version(engine: sa.Engine, manifest: Manifest) -> None:
    subject = records.customer("K-1")
    _record(engine, manifest, subject, Choices(purposes={"newsletter": True}), T0)
    with transaction(engine) as session:
        found = decide(session, manifest, subject, "newsletter", key=KEY)
    assert found.allowed and found.reason is DecisionReason.consent_given
    assert found.consented_at == T0 and found.notice_version == notice_version(manifest).id
    assert found.current_version is True
    assert "2026-03-01 12:00 UTC" in found.message


def test_withdrawn_and_missing_consent_deny(engine: sa.Engine, manifest: Manifest) -> None:
    subject = records.customer("K-2")
    _record(engine, manifest, subject, Choices(purposes={"newsletter": True}), T0)
    _record(engine, manifest, subject, Choices(purposes={"newsletter": False}),
            T0 + timedelta(days=30))
    with transaction(engine) as session:
        withdrawn = decide(session, manifest, subject, "newsletter", key=KEY)
        missing = decide(session, manifest, records.customer("K-3"), "newsletter", key=KEY)
    assert not withdrawn.allowed and withdrawn.reason is DecisionReason.consent_withdrawn
    assert withdrawn.article == "Art. 7(3)"
    assert not missing.allowed and missing.reason is DecisionReason.no_consent


def test_a_banner_category_decides_its_purposes(engine: sa.Engine, manifest: Manifest) -> None:
    visitor = records.visitor(VISITOR)
    _record(engine, manifest, visitor, Choices(categories={"marketing": True,
                                                           "performance": False}), T0)
    with transaction(engine) as session:
        ads, statistics = decide_many(session, manifest, [visitor], ["ads", "statistics"],
                                      key=KEY)[0]
    assert ads.allowed and not statistics.allowed


def test_a_purpose_not_on_consent_is_not_a_consent_question(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    with transaction(engine) as session:
        found = decide(session, manifest, records.customer("K-4"), "order_fulfilment", key=KEY)
    assert found.allowed and found.reason is DecisionReason.not_consent_basis
    assert "contract" in found.message


def test_unknown_purpose_is_an_error(engine: sa.Engine, manifest: Manifest) -> None:
    with transaction(engine) as session, pytest.raises(ConsentError, match="no purpose"):
        decide(session, manifest, records.customer("K-4"), "mind_reading", key=KEY)


def test_an_objection_to_marketing_overrides_consent(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    subject = records.customer("K-5")
    _record(engine, manifest, subject, Choices(purposes={"newsletter": True}), T0)
    with transaction(engine) as session:
        limits.object_to(session, identity=SubjectIdentity(customer_number="K-5"),
                         manifest=manifest, purpose="newsletter", hash_key=KEY,
                         now=T0 + timedelta(days=1))
    with transaction(engine) as session:
        found = decide(session, manifest, subject, "newsletter", key=KEY)
    assert not found.allowed and found.reason is DecisionReason.objected
    assert found.article == "Art. 21(3)"


def test_restriction_denies_unless_consent_came_after_it(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    subject = records.customer("K-6")
    _record(engine, manifest, subject, Choices(purposes={"newsletter": True}), T0)
    with transaction(engine) as session:
        limits.restrict(session, identity=SubjectIdentity(customer_number="K-6"),
                        manifest=manifest, ground=RestrictionGround.accuracy_contested,
                        hash_key=KEY, now=T0 + timedelta(days=1))
    with transaction(engine) as session:
        before = decide(session, manifest, subject, "newsletter", key=KEY)
        contract = decide(session, manifest, subject, "order_fulfilment", key=KEY)
    assert not before.allowed and before.reason is DecisionReason.restricted
    assert not contract.allowed  # Art. 18(2): only storage, whatever the basis
    _record(engine, manifest, subject, Choices(purposes={"newsletter": True}),
            T0 + timedelta(days=2))
    with transaction(engine) as session:
        after = decide(session, manifest, subject, "newsletter", key=KEY)
    assert after.allowed and after.reason is DecisionReason.consent_given


def test_a_linked_visitors_limits_come_from_the_customer(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    visitor = records.visitor(VISITOR)
    _record(engine, manifest, visitor, Choices(categories={"marketing": True}), T0)
    with transaction(engine) as session:
        records.link_visitor(session, VISITOR, "K-8", key=KEY)
        limits.object_to(session, identity=SubjectIdentity(customer_number="K-8"),
                         manifest=manifest, purpose="ads", hash_key=KEY)
    with transaction(engine) as session:
        assert not decide(session, manifest, visitor, "ads", key=KEY).allowed


def test_the_limits_seam_takes_any_lookup(engine: sa.Engine, manifest: Manifest) -> None:
    subject = records.customer("K-9")
    _record(engine, manifest, subject, Choices(purposes={"newsletter": True}), T0)
    asked: list[tuple[int, str]] = []

    def lookup(groups: Sequence[frozenset[str]], purpose: str) -> list[LimitVerdict | None]:
        asked.append((len(groups), purpose))
        return [LimitVerdict(LimitKind.objection, T0, "Art. 21(3)", "objected", True)
                for _ in groups]

    with transaction(engine) as session:
        found = decide(session, manifest, subject, "newsletter", limits=lookup, key=KEY)
    assert not found.allowed and asked == [(1, "newsletter")]


def test_bulk_decides_many_subjects_and_purposes(engine: sa.Engine, manifest: Manifest) -> None:
    subjects = [records.customer(f"B-{n}") for n in range(50)]
    with transaction(engine) as session:
        for subject in subjects[::2]:
            records.record(session, manifest, subject, Choices(purposes={"newsletter": True}),
                           source=ConsentSource.import_, language="nb", now=T0, key=KEY)
    with transaction(engine) as session:
        rows = decide_many(session, manifest, subjects, ["newsletter", "order_fulfilment"],
                           key=KEY)
    assert [row[0].allowed for row in rows] == [n % 2 == 0 for n in range(50)]
    assert all(row[1].reason is DecisionReason.not_consent_basis for row in rows)
    with transaction(engine) as session, pytest.raises(ConsentError, match="at most"):
        decide_many(session, manifest, subjects * 30, ["newsletter"], key=KEY)
