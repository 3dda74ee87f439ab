"""Every masking strategy through the database, on SQLite, PostgreSQL and MariaDB: the
values written, NOT NULL columns, foreign keys kept, children deleted before parents, and
a second application that rewrites the same bytes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from test_erasure_shop import checksums

from personvern.keys import derive_key
from personvern.manifest.model import Datastore, Manifest
from personvern.requests.erasure import (
    ErasurePlan,
    apply_plan,
    children_first,
    complete_deferred,
    plan_erasure,
)

SECRET = "strategies-test-secret-0123456789abcdef"
KEY = derive_key("pseudonym", SECRET.encode())
UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # complete_deferred derives the key itself: from this secret, never a file in cwd.
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


def _metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("people", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("email", sa.String(120), nullable=False),
             sa.Column("phone", sa.String(30)),
             sa.Column("name", sa.String(60), nullable=False),
             sa.Column("born", sa.Date),
             sa.Column("seen_at", sa.DateTime),
             sa.Column("ip", sa.String(45), nullable=False),
             sa.Column("agent", sa.String(300)),
             sa.Column("points", sa.Integer, nullable=False),
             sa.Column("note", sa.String(100)),
             sa.Column("created_at", sa.DateTime, nullable=False))
    sa.Table("visits", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("person_id", sa.ForeignKey("people.id"), nullable=False),
             sa.Column("path", sa.String(200)))
    return metadata


MANIFEST: dict[str, Any] = {
    "organization": {"name": "Testbutikken AS", "country": "NO"},
    "datastores": {"db": {"collections": {
        "people": {
            "fields": {
                "id": {"categories": "user.unique_id", "erasure": "keep"},
                "email": {"categories": "user.contact.email", "identity": "email",
                          "erasure": "pseudonymize"},
                "phone": {"categories": "user.contact.phone_number", "erasure": "randomize"},
                "name": {"categories": "user.name", "erasure": "nullify"},  # NOT NULL
                "born": {"categories": "user.demographic.date_of_birth",
                         "erasure": {"strategy": "generalize_date", "precision": "year"}},
                "seen_at": {"categories": "user.behavior",
                            "erasure": {"strategy": "generalize_date", "precision": "month"}},
                "ip": {"categories": "user.device.ip_address", "erasure": "truncate_ip"},
                "agent": {"categories": "user.device", "erasure": "generalize_user_agent"},
                "points": {"categories": "user.behavior", "erasure": "redact"},  # integer
                "note": {"categories": "user.content.private"},  # nothing declared: nullify
                "created_at": {"categories": "system.operations"},
            },
            "legal_holds": [{"law": "Testloven", "section": "§ 1", "after": "P1Y",
                             "from": {"column": "created_at", "end_of": "calendar_year"},
                             "keep": ["name", "email"]}],
        },
        "visits": {"erasure": "delete_row", "fields": {
            "id": {"categories": "system.operations"},
            "person_id": {"categories": "user.unique_id", "references": "people.id"},
            "path": {"categories": "user.behavior.browsing_history"},
        }},
    }}},
}
PEOPLE = [
    {"id": 1, "email": "Kari@Example.no", "phone": "+47 912 34 567", "name": "Kari",
     "born": date(1990, 5, 17), "seen_at": datetime(2024, 3, 9, 12, 30), "ip": "192.0.2.117",
     "agent": UA, "points": 120, "note": "likes dogs", "created_at": datetime(2020, 4, 1)},
    {"id": 2, "email": "kari@example.no", "phone": None, "name": "Kari N.",
     "born": None, "seen_at": None, "ip": "2001:db8:85a3:8d3:1319:8a2e:370:7348",
     "agent": None, "points": 5, "note": None, "created_at": datetime(2026, 12, 31, 23)},
    {"id": 3, "email": "ola@example.no", "phone": "99887766", "name": "Ola",
     "born": date(1985, 1, 1), "seen_at": None, "ip": "not-an-ip", "agent": "curl/8",
     "points": 1, "note": "x", "created_at": datetime(2020, 1, 1)},
]
VISITS = [{"id": 10, "person_id": 1, "path": "/a"}, {"id": 11, "person_id": 2, "path": "/b"},
          {"id": 12, "person_id": 3, "path": "/c"}]


@pytest.fixture
def db(database_url: str) -> tuple[str, Manifest]:
    engine = sa.create_engine(database_url)
    metadata = _metadata()
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(metadata.tables["people"].insert(), PEOPLE)
        connection.execute(metadata.tables["visits"].insert(), VISITS)
    engine.dispose()
    document = {**MANIFEST, "datastores": {"db": {
        **MANIFEST["datastores"]["db"], "url": database_url}}}
    return database_url, Manifest.model_validate(document)


def _found(manifest: Manifest, url: str, ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            people = [dict(r._mapping) for r in connection.execute(sa.text(
                "SELECT * FROM people WHERE id IN (1, 2)"))]
            visits = [dict(r._mapping) for r in connection.execute(sa.text(
                "SELECT * FROM visits WHERE person_id IN (1, 2)"))]
        assert [p["id"] for p in people] == ids
        return {"people": people, "visits": visits}
    finally:
        engine.dispose()


def _rows(url: str, table: str) -> dict[int, dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {r.id: dict(r._mapping) for r in connection.execute(
                sa.text(f"SELECT * FROM {table}"))}
    finally:
        engine.dispose()


def _store(manifest: Manifest) -> Datastore:
    return manifest.datastores["db"]


def test_strategies_write_what_they_promise_and_twice_is_once(
        db: tuple[str, Manifest]) -> None:
    url, manifest = db
    store = _store(manifest)
    plan = plan_erasure("db", store, _found(manifest, url, [1, 2]), manifest=manifest,
                        today=date(2027, 6, 1))
    # Children first: visits are deleted before their people are touched.
    assert [g.collection for g in plan.groups] == ["visits", "people", "people"]
    engine = sa.create_engine(url)
    try:
        apply_plan(engine, store, plan, key=KEY)
        once = checksums(url)
        apply_plan(engine, store, ErasurePlan.from_json("db", plan.to_json()), key=KEY)
        assert checksums(url) == once  # stable: a re-run rewrites the same bytes
    finally:
        engine.dispose()

    people, visits = _rows(url, "people"), _rows(url, "visits")
    assert sorted(visits) == [12]
    kari, held, ola = people[1], people[2], people[3]
    assert ola == {**PEOPLE[2], **{k: ola[k] for k in ("born", "seen_at", "created_at")}}
    # Past its hold (2020 + end of year + 1 year): everything goes.
    assert re.fullmatch(r"[0-9a-f]{64}", kari["email"])
    assert held["email"] == "kari@example.no"  # kept by the hold, as it was
    assert re.fullmatch(r"\+\d\d \d{3} \d\d \d{3}", kari["phone"]) and kari["phone"] != \
        PEOPLE[0]["phone"]
    assert kari["name"] == "[erased]"  # nullify on NOT NULL: the neutral text
    assert held["name"] == "Kari N."
    assert str(kari["born"])[:10] == "1990-01-01"
    assert str(kari["seen_at"])[:19] == "2024-03-01 00:00:00"
    assert kari["ip"] == "192.0.2.0" and held["ip"] == "2001:db8:85a3::"
    assert kari["agent"] == "Firefox"
    assert kari["points"] == 0 == held["points"]  # redact of an integer: 0
    assert kari["note"] is None


def test_the_pseudonym_joins_across_case_variants(db: tuple[str, Manifest]) -> None:
    url, manifest = db
    store = _store(manifest)
    plan = plan_erasure("db", store, _found(manifest, url, [1, 2]), manifest=manifest,
                        today=date(2028, 6, 1))  # both holds over
    engine = sa.create_engine(url)
    try:
        apply_plan(engine, store, plan, key=KEY)
    finally:
        engine.dispose()
    people = _rows(url, "people")
    assert people[1]["email"] == people[2]["email"] != "kari@example.no"


def test_a_deferred_erasure_finishes_the_held_fields(db: tuple[str, Manifest],
                                                     tmp_path: Any) -> None:
    from personvern.requests import lifecycle
    from personvern.requests.erasure import record_planned
    from personvern.requests.subject import SubjectIdentity
    from personvern.store.database import make_engine, session_factory, upgrade
    from personvern.store.models import RequestKind

    url, manifest = db
    store = _store(manifest)
    plan = plan_erasure("db", store, _found(manifest, url, [1, 2]), manifest=manifest,
                        today=date(2027, 6, 1))
    [kept] = plan.deferred
    assert (kept.collection, kept.fields, kept.due_on) == ("people", ("email", "name"),
                                                            date(2028, 1, 1))
    engine_store = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine_store)
    with session_factory(engine_store)() as session:
        request = lifecycle.create_request(
            session, kind=RequestKind.erasure, identity=SubjectIdentity(email="k@x.no"),
            language="en", country="NO")
        record_planned(session, request.id, plan, datetime(2027, 6, 1))
        engine = sa.create_engine(url)
        apply_plan(engine, store, plan, key=KEY)
        engine.dispose()
        assert complete_deferred(session, manifest, date(2027, 12, 31)) == 0
        assert _rows(url, "people")[2]["name"] == "Kari N."
        assert complete_deferred(session, manifest, date(2028, 1, 1)) == 1
    engine_store.dispose()
    held = _rows(url, "people")[2]
    assert held["name"] == "[erased]"
    # The same key as the first pass: the held address joins its erased case variant.
    assert held["email"] == _rows(url, "people")[1]["email"]


def test_children_come_before_parents() -> None:
    from personvern.datastores.graph import SubjectGraph

    manifest = Manifest.model_validate(MANIFEST)
    assert children_first(SubjectGraph.of(_store(manifest))) == ["visits", "people"]


def test_a_field_two_holds_keep_waits_for_the_longer(db: tuple[str, Manifest],
                                                      tmp_path: Any) -> None:
    from personvern.requests import lifecycle
    from personvern.requests.erasure import record_planned
    from personvern.requests.subject import SubjectIdentity
    from personvern.store.database import make_engine, session_factory, upgrade
    from personvern.store.models import RequestKind

    url, _ = db
    document = {**MANIFEST, "datastores": {"db": {**MANIFEST["datastores"]["db"], "url": url}}}
    people = document["datastores"]["db"]["collections"]["people"]
    claims = {"law": "Forbrukerkjøpsloven", "section": "§ 27", "exception": "e",
              "after": "P3Y", "from": {"column": "created_at"}, "keep": ["name"]}
    document["datastores"]["db"]["collections"] = {
        **document["datastores"]["db"]["collections"],
        "people": {**people, "legal_holds": [*people["legal_holds"], claims]}}
    manifest = Manifest.model_validate(document)
    store = _store(manifest)
    plan = plan_erasure("db", store, _found(manifest, url, [1, 2]), manifest=manifest,
                        today=date(2027, 6, 1))
    assert sorted((k.law, k.fields, k.due_on) for k in plan.deferred) == [
        ("Forbrukerkjøpsloven § 27", ("name",), date(2030, 1, 1)),
        ("Testloven § 1", ("email", "name"), date(2028, 1, 1)),
    ]
    engine_store = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine_store)
    with session_factory(engine_store)() as session:
        request = lifecycle.create_request(
            session, kind=RequestKind.erasure, identity=SubjectIdentity(email="k@x.no"),
            language="en", country="NO")
        record_planned(session, request.id, plan, datetime(2027, 6, 1))
        engine = sa.create_engine(url)
        apply_plan(engine, store, plan, key=KEY)
        engine.dispose()
        assert complete_deferred(session, manifest, date(2028, 1, 1)) == 1
        held = _rows(url, "people")[2]
        # The bookkeeping hold is over: the address goes; the complaint period still
        # keeps the name (Art. 17(3)(e)).
        assert held["name"] == "Kari N." and held["email"] != "kari@example.no"
        assert complete_deferred(session, manifest, date(2030, 1, 1)) == 1
    engine_store.dispose()
    assert _rows(url, "people")[2]["name"] == "[erased]"
