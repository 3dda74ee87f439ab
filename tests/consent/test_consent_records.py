"""Consent records on SQLite and PostgreSQL: append-only events, state, GPC, links, proof."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from consent_shop import KEY, VISITOR

from personvern.consent import records
from personvern.consent.records import Choices, ConsentError, ConsentSource
from personvern.consent.useragent import browser_family
from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest
from personvern.store.database import transaction
from personvern.store.models import ConsentEvent, ConsentLink

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(ConsentEvent)) or 0)


def test_a_choice_is_recorded_with_its_evidence(engine: sa.Engine, manifest: Manifest) -> None:
    subject = records.visitor(VISITOR)
    choices = records.validate_choices(manifest, {"performance": True, "marketing": False})
    with transaction(engine) as session:
        event = records.record(session, manifest, subject, choices, source=ConsentSource.banner,
                               language="nb", user_agent=FIREFOX, now=T0, key=KEY)
    with transaction(engine) as session:
        stored = session.get(ConsentEvent, event.id)
        assert stored is not None
        assert stored.choices == {"categories": {"marketing": False, "performance": True},
                                  "purposes": {}}
        assert stored.notice_version == notice_version(manifest).id
        assert stored.language == "nb" and stored.source == "banner" and not stored.gpc
        assert stored.user_agent_family == "Firefox"
        # Only the keyed hash of the visitor id is stored, never the id itself.
        assert stored.subject_hash == records.subject_hash(subject, KEY)
        assert VISITOR not in repr([getattr(stored, c.key) for c in ConsentEvent.__table__.c])


def test_events_cannot_be_updated(engine: sa.Engine, manifest: Manifest) -> None:
    with transaction(engine) as session:
        records.record(session, manifest, records.customer("K-1"),
                       Choices(purposes={"newsletter": True}), source=ConsentSource.portal,
                       language="en", now=T0, key=KEY)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.update(ConsentEvent).values(choices={}))


def test_the_newest_choice_per_key_wins(engine: sa.Engine, manifest: Manifest) -> None:
    subject = records.customer("K-2")
    with transaction(engine) as session:
        for offset, granted in ((0, True), (2, False), (1, True)):  # written out of order
            records.record(session, manifest, subject,
                           Choices(categories={"marketing": granted}),
                           source=ConsentSource.portal, language="nb",
                           now=T0 + timedelta(days=offset), key=KEY)
        records.record(session, manifest, subject, Choices(purposes={"newsletter": True}),
                       source=ConsentSource.double_opt_in, language="nb",
                       now=T0 + timedelta(days=3), key=KEY)
        state = records.current_state(session, subject, KEY)
    assert state.categories["marketing"].granted is False
    assert state.categories["marketing"].at == T0 + timedelta(days=2)
    assert state.purposes["newsletter"].granted is True
    assert state.purposes["newsletter"].source == "double_opt_in"


@pytest.mark.parametrize(("categories", "purposes", "message"), [
    ({"advertising": True}, None, "unknown category 'advertising'"),
    (None, {"order_fulfilment": True}, "unknown purpose 'order_fulfilment'"),
    ({"necessary": False}, None, "strictly necessary"),
    ({"marketing": "yes"}, None, "must be true or false"),
    ({}, {}, "at least one choice"),
    (["marketing"], None, "must map keys"),
])
def test_choices_are_checked_against_the_manifest(
    manifest: Manifest, categories: object, purposes: object, message: str,
) -> None:
    with pytest.raises(ConsentError, match=message):
        records.validate_choices(manifest, categories, purposes)


@pytest.mark.parametrize("forged", [
    "short", "x" * 65, "has space in it 123456789", "é" * 22, "a/b" * 10, "",
])
def test_forged_visitor_ids_are_refused(forged: str) -> None:
    with pytest.raises(ConsentError, match="22 to 64 URL-safe"):
        records.visitor(forged)


def test_subjects_parse_and_never_echo(manifest: Manifest) -> None:
    assert records.parse_subject("Kari@Example.NO").value == "kari@example.no"
    assert records.parse_subject("customer:K-9").kind is records.SubjectKind.customer_number
    assert records.parse_subject(f"visitor_id:{VISITOR}").value == VISITOR
    with pytest.raises(ConsentError) as caught:
        records.parse_subject("email:not-an-address")
    assert "not-an-address" not in str(caught.value)


def test_gpc_refuses_marketing_once_and_a_choice_overrides_it(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    subject = records.visitor(VISITOR)
    with transaction(engine) as session:
        first = records.apply_gpc(session, manifest, subject, language="en", now=T0, key=KEY)
        again = records.apply_gpc(session, manifest, subject, language="en",
                                  now=T0 + timedelta(minutes=1), key=KEY)
    assert first is not None and again is None
    assert first.source == "gpc" and first.gpc and first.choices["categories"] == {
        "marketing": False}
    with transaction(engine) as session:
        records.record(session, manifest, subject, Choices(categories={"marketing": True}),
                       source=ConsentSource.banner, language="en", gpc=True,
                       now=T0 + timedelta(hours=1), key=KEY)
        state = records.current_state(session, subject, KEY)
        assert records.apply_gpc(session, manifest, subject, language="en", key=KEY) is None
    assert state.categories["marketing"].granted is True
    assert _count(engine) == 2


def test_an_explicit_choice_is_not_overwritten_by_gpc(engine: sa.Engine,
                                                      manifest: Manifest) -> None:
    subject = records.visitor(VISITOR)
    with transaction(engine) as session:
        records.record(session, manifest, subject, Choices(categories={"marketing": True}),
                       source=ConsentSource.banner, language="en", now=T0, key=KEY)
        assert records.apply_gpc(session, manifest, subject, language="en", key=KEY) is None


def test_a_visitors_choices_count_for_the_customer_after_login(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    with transaction(engine) as session:
        records.record(session, manifest, records.visitor(VISITOR),
                       Choices(categories={"performance": True, "marketing": False}),
                       source=ConsentSource.banner, language="nb", now=T0, key=KEY)
        assert records.link_visitor(session, VISITOR, "K-7", now=T0, key=KEY) is True
        assert records.link_visitor(session, VISITOR, "K-7", key=KEY) is False
        records.record(session, manifest, records.customer("K-7"),
                       Choices(purposes={"newsletter": True}), source=ConsentSource.portal,
                       language="nb", now=T0 + timedelta(days=1), key=KEY)
    with transaction(engine) as session:
        state = records.current_state(session, records.customer("K-7"), KEY)
        found = records.proof(session, manifest, records.customer("K-7"), KEY)
        links = session.scalars(sa.select(ConsentLink)).all()
    assert state.categories["performance"].granted is True
    assert state.purposes["newsletter"].granted is True
    assert [e.source for e in found.events] == ["banner", "portal"]
    assert found.linked == (records.subject_hash(records.visitor(VISITOR), KEY),)
    assert len(links) == 1 and VISITOR not in links[0].visitor_hash
    document = found.as_json()
    assert document["state"]["purposes"]["newsletter"]["granted"] is True
    assert document["current_notice_version"] == notice_version(manifest).id


def test_bulk_state_reads_one_query_per_500_subjects(engine: sa.Engine, manifest: Manifest) -> None:
    subjects = [records.customer(f"K-{n}") for n in range(600)]
    with transaction(engine) as session:
        for subject in subjects[::3]:
            records.record(session, manifest, subject, Choices(purposes={"newsletter": True}),
                           source=ConsentSource.import_, language="nb", now=T0, key=KEY)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    with transaction(engine) as session:
        states = records.states_for(session, subjects, KEY)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # Links joined to the current-state table, in two chunks of at most 500 subjects.
    assert len(selects) == 2
    assert all("consent_events" not in s for s in selects)
    assert [not s.empty for s in states] == [n % 3 == 0 for n in range(600)]


def test_browser_families() -> None:
    chrome = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
              "Gecko) Chrome/131.0.0.0 Safari/537.36")
    assert browser_family(chrome) == "Chrome"
    assert browser_family(chrome + " Edg/131.0.0.0") == "Edge"
    assert browser_family(FIREFOX) == "Firefox"
    assert browser_family("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                          "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 "
                          "Safari/604.1") == "Safari"
    assert browser_family("Googlebot/2.1") == "bot"
    assert browser_family("curl/8.0") == "other"
    assert browser_family(None) is None
    assert browser_family("A" * 10_000_000) == "other"
