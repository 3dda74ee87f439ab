"""Access (Art. 15) and portability (Art. 20) against the demo shop on real databases.

The rows a package holds are compared with independent SQL written here by hand, per
collection, from the customer's id, the lower-cased e-mail and the guest checkouts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.demo import schema
from personvern.demo.generate import generate
from personvern.keys import derive_key
from personvern.manifest.load import LoadedManifest, load_manifest
from personvern.notice.phrases import Language
from personvern.requests import access, lifecycle
from personvern.requests.access import AccessError, DownloadRefused
from personvern.requests.subject import subject_identity
from personvern.requests.subjects import resolve_subject
from personvern.store.database import make_engine, upgrade
from personvern.store.models import (
    AccessPackage,
    AuditEntry,
    DataSubjectRequest,
    DownloadToken,
    RequestEvent,
    RequestKind,
    RequestStatus,
)

MANIFEST = resources.files("personvern.demo").joinpath("manifest.yaml")
SECRET = b"test-secret-of-at-least-32-characters!"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@dataclass
class Shop:
    url: str
    engine: sa.Engine
    loaded: LoadedManifest


@pytest.fixture
def shop(database_url: str) -> Iterator[Shop]:
    """The demo shop, 60 customers, on SQLite, PostgreSQL or MariaDB."""
    generate(database_url, 60, seed=3)
    engine = sa.create_engine(database_url)
    loaded = load_manifest(str(MANIFEST), environ={"PERSONVERN_DEMO_DB": database_url})
    yield Shop(database_url, engine, loaded)
    engine.dispose()


@pytest.fixture
def sqlite_shop(sqlite_url: str) -> Iterator[Shop]:
    generate(sqlite_url, 60, seed=3)
    engine = sa.create_engine(sqlite_url)
    loaded = load_manifest(str(MANIFEST), environ={"PERSONVERN_DEMO_DB": sqlite_url})
    yield Shop(sqlite_url, engine, loaded)
    engine.dispose()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sa.Engine]:
    """The engine's own database (SQLite here; see the test on both stores below)."""
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    yield engine
    engine.dispose()


def _scalar_rows(engine: sa.Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text(sql), params).all())


def customer_with_guest_orders(shop: Shop) -> tuple[int, str]:
    """A customer who also ordered as a guest with the same e-mail in other letter case."""
    # Compared in Python: MariaDB's default collation ignores case in "<>".
    rows = [(i, e) for i, e, guest in _scalar_rows(shop.engine, """
        SELECT c.id, c.email, g.email FROM customers c
        JOIN guest_checkouts g ON lower(g.email) = lower(c.email) ORDER BY c.id""")
        if guest != e]
    assert rows, "the demo generator makes guest orders before sign-up"
    return int(rows[0][0]), str(rows[0][1])


def _in(values: set[Any]) -> str:
    return "(" + ",".join(str(int(v)) for v in sorted(values)) + ")" if values else "(NULL)"


def expected_keys(shop: Shop, email: str) -> dict[str, set[int]]:
    """Primary keys per collection, by hand: customer id, lower(email), guest ids."""
    e = email.lower()

    def ids(sql: str) -> set[int]:
        return {int(r[0]) for r in _scalar_rows(shop.engine, sql, e=e)}

    customers = ids("SELECT id FROM customers WHERE lower(email) = :e")
    guests = ids("SELECT id FROM guest_checkouts WHERE lower(email) = :e")
    c, g = _in(customers), _in(guests)
    orders = ids(f"SELECT id FROM orders WHERE lower(email) = :e OR customer_id IN {c} "
                 f"OR guest_checkout_id IN {g}")
    o = _in(orders)
    accounts = ids(f"SELECT id FROM loyalty_accounts WHERE customer_id IN {c}")
    wishlists = ids(f"SELECT id FROM wishlists WHERE customer_id IN {c}")
    found = {
        "customers": customers, "guest_checkouts": guests, "orders": orders,
        "loyalty_accounts": accounts, "wishlists": wishlists,
        "order_lines": ids(f"SELECT id FROM order_lines WHERE order_id IN {o}"),
        "payments": ids(f"SELECT id FROM payments WHERE order_id IN {o}"),
        "shipments": ids(f"SELECT id FROM shipments WHERE order_id IN {o}"),
        "fraud_scores": ids(f"SELECT id FROM fraud_scores WHERE order_id IN {o}"),
        "credit_checks": ids(f"SELECT id FROM credit_checks WHERE customer_id IN {c} "
                             f"OR order_id IN {o}"),
        "loyalty_ledger": ids(f"SELECT id FROM loyalty_ledger WHERE account_id IN "
                              f"{_in(accounts)} OR order_id IN {o}"),
        "wishlist_items": ids(f"SELECT id FROM wishlist_items WHERE wishlist_id IN "
                              f"{_in(wishlists)}"),
        "newsletter_subscriptions": ids(f"SELECT id FROM newsletter_subscriptions WHERE "
                                        f"lower(email) = :e OR customer_id IN {c}"),
        "support_chats": ids(f"SELECT id FROM support_chats WHERE lower(email) = :e "
                             f"OR customer_id IN {c}"),
        "back_in_stock_requests": ids("SELECT id FROM back_in_stock_requests "
                                      "WHERE lower(email) = :e"),
    }
    for table in ("addresses", "pet_profiles", "product_reviews", "cart_events",
                  "access_logs"):
        found[table] = ids(f"SELECT id FROM {table} WHERE customer_id IN {c}")
    return {name: keys for name, keys in found.items() if keys}


def new_request(
    store: sa.Engine, kind: RequestKind = RequestKind.access, *, language: str = "nb",
    **identity: str,
) -> str:
    with Session(store) as session:
        request = lifecycle.create_request(
            session, kind=kind, identity=subject_identity(country="NO", **identity),
            language=language, country="NO", received_at=NOW - timedelta(days=2))
        lifecycle.verify_identity(session, request.id, method="email_link",
                                  identity_kind=next(iter(identity)), now=NOW)
        lifecycle.approve(session, request.id, actor="staff:test", now=NOW)
        session.commit()
        return request.id


def run(store: sa.Engine, request_id: str, shop: Shop) -> tuple[AccessPackage, bytes]:
    with Session(store, expire_on_commit=False) as session:
        package = access.run_access(session, request_id, shop.loaded, NOW, secret=SECRET)
        return package, access.unseal(package, secret=SECRET)


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def data_of(files: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    document = json.loads(files["data.json"])
    return document["datastores"]["shop"]  # type: ignore[no-any-return]


# --- the rows ----------------------------------------------------------------------------


def test_package_holds_exactly_the_rows_independent_sql_finds(
    shop: Shop, store: sa.Engine
) -> None:
    customer_id, email = customer_with_guest_orders(shop)
    request_id = new_request(store, email=email.upper())
    package, content = run(store, request_id, shop)
    files = unzip(content)
    data = data_of(files)

    got = {name: {row["id"] for row in rows} for name, rows in data.items()}
    assert got == expected_keys(shop, email)
    # Nobody else: every account and order in the package is this person's.
    assert {row["id"] for row in data["customers"]} == {customer_id}
    for order in data["orders"]:
        assert order["customer_id"] in (None, customer_id)
        assert order["customer_id"] == customer_id or order["email"].lower() == email.lower()
    assert "products" not in data  # the catalogue is not the person's data
    # A password hash is said to be held, not handed out (Art. 32).
    assert data["customers"][0]["password_hash"] == access.WITHHELD
    assert package.summary["rows"] == {f"shop.{n}": len(r) for n, r in data.items()}
    assert package.sha256 == hashlib.sha256(content).hexdigest()
    assert package.size_bytes == len(content)


def test_data_json_and_csv_parse_back(shop: Shop, store: sa.Engine) -> None:
    _, email = customer_with_guest_orders(shop)
    _, content = run(store, new_request(store, email=email), shop)
    files = unzip(content)
    data = data_of(files)
    order = data["orders"][0]
    assert isinstance(order["total"], str)  # a decimal, as text on every backend
    float(order["total"])
    datetime.fromisoformat(order["created_at"])
    assert sorted(files) == sorted(
        ["data.json", "report.html", *(f"csv/shop.{name}.csv" for name in data)])
    for name, rows in data.items():
        raw = files[f"csv/shop.{name}.csv"]
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
        parsed = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(parsed) == len(rows)
        for row, line in zip(rows, parsed, strict=True):
            assert line["id"] == str(row["id"])
            for key, value in row.items():
                assert line[key] == ("" if value is None else str(value)).replace(
                    "True", "true").replace("False", "false") or line[key].startswith("'")


def test_statements_grow_with_collections_not_rows(shop: Shop) -> None:
    customer_id, email = customer_with_guest_orders(shop)
    store = shop.loaded.manifest
    before = resolve_subject(store, {"email": [email]})
    _add_orders(shop, customer_id, 20)
    after = resolve_subject(store, {"email": [email]})

    assert len(after.rows("shop", "orders")) == len(before.rows("shop", "orders")) + 20
    assert len(after.rows("shop", "order_lines")) >= len(before.rows("shop", "order_lines")) + 20
    assert after.statements == before.statements
    collections = len(store.datastores["shop"].collections)
    assert before.statements <= collections + 2


def _add_orders(shop: Shop, customer_id: int, count: int) -> None:
    with shop.engine.begin() as connection:
        order = connection.execute(sa.select(schema.orders).where(
            schema.orders.c.customer_id == customer_id).limit(1)).mappings().one()
        line = connection.execute(sa.select(schema.order_lines).where(
            schema.order_lines.c.order_id == order["id"]).limit(1)).mappings().one()
        next_order = int(connection.scalar(sa.select(sa.func.max(schema.orders.c.id))) or 0)
        next_line = int(connection.scalar(sa.select(sa.func.max(schema.order_lines.c.id))) or 0)
        for index in range(1, count + 1):
            connection.execute(schema.orders.insert().values(
                {**order, "id": next_order + index,
                 "order_number": f"FH-T{next_order + index:08d}"}))
            connection.execute(schema.order_lines.insert().values(
                {**line, "id": next_line + index, "order_id": next_order + index}))


def test_phone_alone_finds_the_person(shop: Shop, store: sa.Engine) -> None:
    rows = _scalar_rows(shop.engine, "SELECT id, phone FROM customers WHERE phone IS NOT NULL "
                                     "ORDER BY id")
    customer_id, phone = next(
        (int(i), str(p)) for i, p in rows if _valid_phone(str(p)))
    request_id = new_request(store, phone=phone)
    _, content = run(store, request_id, shop)
    data = data_of(unzip(content))
    assert customer_id in {row["id"] for row in data["customers"]}
    wanted = subject_identity(phone=phone, country="NO").phone
    for row in data["customers"]:
        assert subject_identity(phone=row["phone"], country="NO").phone == wanted


def test_several_identities_find_the_union_of_what_each_finds(shop: Shop) -> None:
    rows = _scalar_rows(shop.engine, "SELECT id, email, phone FROM customers "
                                     "WHERE phone IS NOT NULL ORDER BY id")
    _, email, phone = next(r for r in rows if _valid_phone(str(r[2])))
    manifest = shop.loaded.manifest
    by_email = resolve_subject(manifest, {"email": [email]})
    by_phone = resolve_subject(manifest, {"phone": [phone]})
    both = resolve_subject(manifest, {"email": [email], "phone": [phone]})

    def keys(data: Any) -> set[tuple[str, Any]]:
        return {(name, row["id"]) for name, rows in data.stores["shop"].items()
                for row in rows}

    assert keys(both) == keys(by_email) | keys(by_phone)
    # The fixpoint adds queries only for keys one plan found and the other did not follow.
    collections = len(manifest.datastores["shop"].collections)
    assert both.statements <= by_email.statements + by_phone.statements + collections


def _valid_phone(value: str) -> bool:
    try:
        subject_identity(phone=value, country="NO")
    except ValueError:
        return False
    return True


# --- the report --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_report_is_in_the_subjects_language_with_every_art15_element(
    sqlite_shop: Shop, store: sa.Engine, language: str
) -> None:
    _, email = customer_with_guest_orders(sqlite_shop)
    _, content = run(store, new_request(store, language=language, email=email), sqlite_shop)
    html = unzip(content)["report.html"].decode("utf-8")
    lang = Language(language)
    assert f'<html lang="{language}">' in html
    assert access._FRAME[language]["categories.heading"] in html
    for article in ("15(1)(a)", "15(1)(b)", "15(1)(c)", "15(1)(d)", "15(1)(e)", "15(1)(f)",
                    "15(1)(g)", "15(1)(h)", "15(2)"):
        assert f'data-article="{article}' in html or f" {article}\"" in html, article
    for heading in ("purposes", "recipients", "transfers", "retention", "rights",
                    "complaint", "sources", "automated"):
        assert lang(f"{heading}.heading") in html, heading
    for words in (lang("right.access"), lang("right.erasure"), lang("right.objection"),
                  lang("right.portability"), lang("label.logic"), "Datatilsynet",
                  lang("label.safeguard")):
        assert words in html, words
    # The purposes that use the data found, by name, in this language.
    manifest = sqlite_shop.loaded.manifest
    assert manifest.purposes["order_fulfilment"].name.best(language) in html


def test_report_escapes_hostile_data(sqlite_shop: Shop, store: sa.Engine) -> None:
    customer_id, email = customer_with_guest_orders(sqlite_shop)
    with sqlite_shop.engine.begin() as connection:
        connection.execute(sa.text(
            "UPDATE customers SET first_name = '<script>alert(1)</script>', "
            "last_name = '=HYPERLINK(\"http://evil.example\")' WHERE id = :id"),
            {"id": customer_id})
    _, content = run(store, new_request(store, language="en", email=email), sqlite_shop)
    files = unzip(content)
    html = files["report.html"].decode("utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    line = files["csv/shop.customers.csv"].decode("utf-8-sig")
    assert "'=HYPERLINK" in line  # a spreadsheet does not run it
    assert data_of(files)["customers"][0]["last_name"].startswith("=HYPERLINK")  # exact


# --- encryption and download ---------------------------------------------------------------


def test_package_is_encrypted_and_bound_to_its_id(sqlite_shop: Shop, store: sa.Engine) -> None:
    _, email = customer_with_guest_orders(sqlite_shop)
    package, content = run(store, new_request(store, email=email), sqlite_shop)
    assert email.lower().encode() in unzip(content)["data.json"].lower()
    with Session(store) as session:
        stored = session.get(AccessPackage, package.id)
        assert stored is not None
        assert email.lower().encode() not in stored.content.lower()
        assert b"data.json" not in stored.content
        assert len(stored.nonce) == 12
        right = AESGCM(derive_key("package-encryption", SECRET))
        assert right.decrypt(stored.nonce, stored.content, stored.id.encode()) == content
        with pytest.raises(InvalidTag):
            right.decrypt(stored.nonce, stored.content, b"another-package-id")
        wrong = AESGCM(derive_key("package-encryption", b"another-secret-of-32-characters!!"))
        with pytest.raises(InvalidTag):
            wrong.decrypt(stored.nonce, stored.content, stored.id.encode())
        with pytest.raises(AccessError):
            access.unseal(stored, secret=b"another-secret-of-32-characters!!")


def test_download_token_expiry_use_limit_and_unknown(
    sqlite_shop: Shop, store: sa.Engine
) -> None:
    _, email = customer_with_guest_orders(sqlite_shop)
    request_id = new_request(store, email=email)
    package, content = run(store, request_id, sqlite_shop)
    with Session(store) as session:
        token = access.issue_download_token(session, package.id, timedelta(hours=1),
                                            max_uses=2, now=NOW)
        session.commit()
        assert len(token) >= 43  # 32 random bytes, URL-safe base64
        row = session.get(DownloadToken, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None and row.token_hash != token
        for _ in range(2):
            assert access.open_download(session, token, NOW + timedelta(minutes=5),
                                        secret=SECRET) == content
        session.commit()
        with pytest.raises(DownloadRefused, match="used"):
            access.open_download(session, token, NOW + timedelta(minutes=6), secret=SECRET)
        later = access.issue_download_token(session, package.id, timedelta(hours=1), now=NOW)
        with pytest.raises(DownloadRefused, match="expired"):
            access.open_download(session, later, NOW + timedelta(hours=1), secret=SECRET)
        with pytest.raises(DownloadRefused, match="not valid"):
            access.open_download(session, "x" * 43, NOW, secret=SECRET)
        with pytest.raises(DownloadRefused, match="not valid"):
            access.open_download(session, later, NOW, request_id="another", secret=SECRET)
        assert access.open_download(session, later, NOW, request_id=request_id,
                                    secret=SECRET) == content
        session.commit()


# --- portability -------------------------------------------------------------------------


def test_portability_carries_only_provided_data_for_consent_or_contract(
    sqlite_shop: Shop, store: sa.Engine
) -> None:
    customer_id, email = customer_with_guest_orders(sqlite_shop)
    request_id = new_request(store, RequestKind.portability, email=email)
    _, content = run(store, request_id, sqlite_shop)
    files = unzip(content)
    assert "report.html" not in files
    data = data_of(files)
    manifest = sqlite_shop.loaded.manifest
    collections = manifest.datastores["shop"].collections
    # Derived and third-party data, and what only legitimate interests cover, stay out.
    assert access.portable_fields(manifest, collections["credit_checks"]) == []
    assert access.portable_fields(manifest, collections["fraud_scores"]) == []
    assert "user_agent" not in access.portable_fields(manifest, collections["access_logs"])
    assert "ip_address" not in access.portable_fields(manifest, collections["access_logs"])
    assert "credit_checks" not in data and "fraud_scores" not in data
    [customer] = data["customers"]
    assert customer["id"] == customer_id
    assert customer["email"].lower() == email.lower()
    assert "password_hash" not in customer  # a secret, not data given (Art. 32)
    assert "first_name" in customer and "last_login_at" in customer  # provided, observed
    for name, rows in data.items():
        allowed = set(access.portable_fields(manifest, collections[name]))
        assert all(set(row) <= allowed for row in rows), name
    assert sorted(files) == sorted(["data.json", *(f"csv/shop.{n}.csv" for n in data)])


# --- lifecycle, audit, re-runs -----------------------------------------------------------


@pytest.fixture
def both_stores(engine: sa.Engine) -> sa.Engine:
    """The engine store on SQLite and PostgreSQL (tests/requests/conftest.py)."""
    return engine


def test_lifecycle_events_and_audit_chain(sqlite_shop: Shop, both_stores: sa.Engine) -> None:
    _, email = customer_with_guest_orders(sqlite_shop)
    request_id = new_request(both_stores, email=email)
    package, _ = run(both_stores, request_id, sqlite_shop)
    with Session(both_stores) as session:
        request = session.get(DataSubjectRequest, request_id)
        assert request is not None and request.status is RequestStatus.completed
        kinds = [e.kind for e in session.scalars(sa.select(RequestEvent).where(
            RequestEvent.request_id == request_id).order_by(RequestEvent.id))]
        assert kinds == ["received", "identity_verified", "approved", "running",
                         "package_created", "completed"]
        entries = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.subject == request_id).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries][-3:] == [
            "request.running", "request.package_created", "request.completed"]
        created = entries[-2].detail
        assert created["package"] == package.id
        assert created["rows"] == package.summary["rows"]
        text = json.dumps([e.detail for e in entries]).lower()
        assert email.lower() not in text
        assert audit.verify(session).intact


def test_completed_is_refused_and_running_is_redone(
    sqlite_shop: Shop, store: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, email = customer_with_guest_orders(sqlite_shop)
    request_id = new_request(store, email=email)

    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the worker died")

    monkeypatch.setattr(access, "build_answer", crash)
    with Session(store) as session, pytest.raises(RuntimeError):
        access.run_access(session, request_id, sqlite_shop.loaded, NOW, secret=SECRET)
    monkeypatch.undo()
    with Session(store) as session:
        request = session.get(DataSubjectRequest, request_id)
        assert request is not None and request.status is RequestStatus.running
        # A package left by a run that died after writing it is replaced, not kept.
        session.add(AccessPackage(
            id="00000000-0000-4000-8000-000000000000", request_id=request_id,
            created_at=NOW, expires_at=NOW, filename="stale.zip", size_bytes=0,
            sha256="0" * 64, nonce=b"0" * 12, content=b"", summary={}))
        session.commit()
    package, _ = run(store, request_id, sqlite_shop)
    with Session(store) as session:
        ids = session.scalars(sa.select(AccessPackage.id).where(
            AccessPackage.request_id == request_id)).all()
        assert ids == [package.id]
        with pytest.raises(AccessError, match="already completed"):
            access.run_access(session, request_id, sqlite_shop.loaded, NOW, secret=SECRET)


def test_other_kinds_and_unapproved_requests_are_refused(
    sqlite_shop: Shop, store: sa.Engine
) -> None:
    erasure = new_request(store, RequestKind.erasure, email="someone@example.com")
    with Session(store) as session:
        with pytest.raises(AccessError, match="erasure"):
            access.run_access(session, erasure, sqlite_shop.loaded, NOW, secret=SECRET)
        request = lifecycle.create_request(
            session, kind=RequestKind.access,
            identity=subject_identity(email="x@example.com", country="NO"),
            language="en", country="NO", received_at=NOW)
        session.commit()
        with pytest.raises(AccessError, match="approved"):
            access.run_access(session, request.id, sqlite_shop.loaded, NOW, secret=SECRET)


# --- the fixpoint across identity kinds -----------------------------------------------


def test_rows_one_plan_finds_are_followed_along_the_other_plans_references(
    tmp_path: Path,
) -> None:
    """E-mail finds account 1, the phone finds a note of account 2 and, going up, account
    2; the e-mail plan's reference down from accounts to notes is then followed for
    account 2 as well."""
    from personvern.manifest.model import Manifest

    url = f"sqlite:///{tmp_path}/tiny.db"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, phone TEXT)")
        connection.exec_driver_sql(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER, phone TEXT)")
        connection.exec_driver_sql(
            "INSERT INTO accounts VALUES (1, 'Ann@Example.com', NULL), "
            "(2, 'bob@example.com', '+4791234567'), (3, 'eve@example.com', NULL)")
        connection.exec_driver_sql(
            "INSERT INTO notes VALUES (10, 1, NULL), (11, 2, '+47 912 34 567'), "
            "(12, 2, NULL), (13, 3, NULL)")
    engine.dispose()
    manifest = Manifest.model_validate({
        "organization": {"name": "Tiny AS", "country": "NO"},
        "datastores": {"db": {"url": url, "collections": {
            "accounts": {"fields": {
                "id": {"categories": "user.unique_id"},
                "email": {"categories": "user.contact.email", "identity": "email"},
                "phone": {"categories": "user.contact.phone_number"}}},
            "notes": {"fields": {
                "id": {"categories": "system.operations"},
                "account_id": {"categories": "user.unique_id",
                               "references": "accounts.id"},
                "phone": {"categories": "user.contact.phone_number", "identity": "phone"}}},
        }}},
    })
    alone = resolve_subject(manifest, {"email": ["ann@example.com"]})
    both = resolve_subject(manifest, {"email": ["ann@example.com"],
                                      "phone": ["+4791234567"]})

    def ids(data: Any, name: str) -> list[int]:
        return [row["id"] for row in data.rows("db", name)]

    assert ids(alone, "accounts") == [1] and ids(alone, "notes") == [10]
    assert ids(both, "accounts") == [1, 2]
    assert ids(both, "notes") == [10, 11, 12]  # 12 only through account 2; never 13
