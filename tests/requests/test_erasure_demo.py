"""Erasure (Art. 17) on the demo shop, on SQLite, PostgreSQL and MariaDB: nothing of the
subject is left but what a legal hold keeps, nobody else's row changes, holds end on the
right day, and the work is set-based."""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from test_erasure_shop import (
    ERASED_AT,
    TODAY,
    approved_request,
    checksums,
    customers_with_orders_on_both_sides,
    database_part,
    demo_manifest,
    make_shop,
    phone_digits,
    row_keys,
    statements_on,
    subject_rows,
    table_rows,
)

from personvern.datastores.plan import normalise_phone
from personvern.manifest.model import Manifest
from personvern.requests import lifecycle
from personvern.requests.erasure import complete_deferred, run_erasure
from personvern.store.database import session_factory
from personvern.store.models import (
    AuditEntry,
    DeferredErasure,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Task,
)


def _erase(session: Session, manifest: Manifest, email: str, language: str = "nb") -> str:
    request_id = approved_request(session, RequestKind.erasure, email, language=language)
    run_erasure(session, request_id, manifest, ERASED_AT)
    return request_id


def _personal_values(found: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    """What identifies the subject: e-mails, phone digits, names, streets."""
    values: dict[str, set[str]] = {"email": set(), "phone": set(), "name": set()}
    for collection, rows in found.items():
        for row in rows:
            for column, value in row.items():
                if not isinstance(value, str) or not value:
                    continue
                if column in ("email",):
                    values["email"].add(value.lower())
                elif column in ("phone", "recipient_phone"):
                    e164 = normalise_phone(value, "NO")
                    if e164:
                        values["phone"].add(e164[-8:])
                elif column in ("first_name", "last_name", "street") or (
                        collection == "guest_checkouts" and column == "name"):
                    values["name"].add(value)
    return values


def _held_fields(session: Session, request_id: str) -> dict[tuple[str, tuple[Any, ...]], set[str]]:
    held: dict[tuple[str, tuple[Any, ...]], set[str]] = {}
    for entry in session.scalars(sa.select(DeferredErasure).where(
            DeferredErasure.request_id == request_id)):
        if entry.due_on > TODAY:
            for key in entry.row_keys:
                held.setdefault((entry.collection, tuple(key)), set()).update(entry.fields)
    return held


def _assert_nothing_left(url: str, session: Session, request_id: str,
                         found: dict[str, list[dict[str, Any]]],
                         keys: dict[str, set[tuple[Any, ...]]]) -> None:
    personal = _personal_values(found)
    held = _held_fields(session, request_id)
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        metadata.reflect(engine)
    engine.dispose()
    for table_name, rows in table_rows(url).items():
        columns = [c.name for c in metadata.tables[table_name].columns]
        for key, row in rows.items():
            kept = held.get((table_name, key), set())
            own = key in keys.get(table_name, set())
            for column, value in zip(columns, row, strict=True):
                if not isinstance(value, str) or column in kept:
                    continue
                lowered, digits = value.lower(), phone_digits(value)
                assert not any(e in lowered for e in personal["email"]), (table_name, column)
                assert not any(p in digits for p in personal["phone"] if digits), (
                    table_name, column)
                if own:  # names are shared by many people: look in the subject's rows
                    assert not any(re.search(rf"\b{re.escape(n)}\b", value)
                                   for n in personal["name"]), (table_name, column)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_nothing_of_the_subject_remains_and_nobody_else_changes(
    data: st.DataObject, shop: str, session: Session,
) -> None:
    manifest = demo_manifest(shop)
    candidates = customers_with_orders_on_both_sides(shop)[:8]
    _, email = data.draw(st.sampled_from(candidates), label="customer")
    found = subject_rows(shop, manifest, email)
    keys = row_keys(manifest, found)
    before = checksums(shop, exclude=keys)

    request_id = _erase(session, manifest, email)

    assert checksums(shop, exclude=keys) == before
    _assert_nothing_left(shop, session, request_id, found, keys)
    # The audit log holds counts and names of fields, never a value of the subject's.
    audit_text = " ".join(str(e.detail) for e in session.scalars(sa.select(AuditEntry)))
    assert email.lower() not in audit_text.lower()


def _orders(url: str, customer_id: int) -> dict[int, dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {r.id: dict(r._mapping) for r in connection.execute(sa.text(
                "SELECT * FROM orders WHERE customer_id = :c"), {"c": customer_id})}
    finally:
        engine.dispose()


def test_orders_under_the_hold_keep_their_books_and_lose_the_rest(
    shop: str, session: Session,
) -> None:
    manifest = demo_manifest(shop)
    customer_id, email = customers_with_orders_on_both_sides(shop)[0]
    before = _orders(shop, customer_id)

    request_id = _erase(session, manifest, email)

    after = _orders(shop, customer_id)
    deferred = session.scalars(sa.select(DeferredErasure).where(
        DeferredErasure.request_id == request_id, DeferredErasure.collection == "orders")).all()
    held_keys = {k[0]: entry for entry in deferred for k in entry.row_keys}
    for order_id, old in before.items():
        new, year = after[order_id], int(str(old["created_at"])[:4])
        assert new["delivery_name"] == "[slettet]" and new["phone"] is None
        assert new["email"] != old["email"] and len(new["email"]) == 64
        assert new["total"] == old["total"] and new["order_number"] == old["order_number"]
        if year >= 2022:  # bokføringsloven § 13: kept to 5 years after the fiscal year
            assert (new["billing_name"], new["billing_address"]) == (
                old["billing_name"], old["billing_address"])
            entry = held_keys[order_id]
            assert entry.due_on == date(year + 6, 1, 1)
            assert entry.fields == ["billing_address", "billing_name"]
            assert "Bokføringsloven" in entry.law
        else:  # the hold ended before the erasure: everything goes now
            assert new["billing_name"] == "[slettet]" == new["billing_address"]
            assert order_id not in held_keys

    first_due = min(entry.due_on for entry in deferred)
    day_before = date(first_due.year - 1, 12, 31)
    assert complete_deferred(session, manifest, day_before, ERASED_AT) == 0
    assert complete_deferred(session, manifest, first_due, ERASED_AT) >= 1
    now_erased = _orders(shop, customer_id)
    for order_id, entry in held_keys.items():
        name = now_erased[order_id]["billing_name"]
        assert (name == "[slettet]") == (entry.due_on <= first_due)
        assert (entry.done_at is not None) == (entry.due_on <= first_due)


def test_the_request_runs_to_completion_with_art_19_tasks(shop: str, engine: sa.Engine) -> None:
    # ``engine``: the engine's own store, on SQLite and PostgreSQL (tests/requests/conftest).
    with session_factory(engine)() as session:
        _runs_to_completion(shop, session)


def _runs_to_completion(shop: str, session: Session) -> None:
    manifest = demo_manifest(shop)
    _, email = customers_with_orders_on_both_sides(shop)[0]
    request_id = approved_request(session, RequestKind.erasure, email, language="nb")

    outcome = run_erasure(session, request_id, manifest, ERASED_AT)

    # Art. 19: the carriers and payment providers of the orders are told; the lifecycle
    # completes a request only once those tasks are done.
    assert outcome.status is RequestStatus.running
    assert {"bring", "klarna", "postnord"} <= set(outcome.recipients)
    tasks = session.scalars(sa.select(Task).where(Task.request_id == request_id)).all()
    assert sorted(t.recipient for t in tasks) == list(outcome.recipients)
    for task in tasks:
        lifecycle.finish_task(session, task.id, now=ERASED_AT)
    session.commit()
    again = run_erasure(session, request_id, manifest, ERASED_AT)
    assert again.status is RequestStatus.completed
    assert len(session.scalars(sa.select(Task).where(Task.request_id == request_id)).all()) \
        == len(tasks)
    kinds = [e.kind for e in session.scalars(sa.select(RequestEvent).where(
        RequestEvent.request_id == request_id).order_by(RequestEvent.id))]
    assert kinds.index("running") < kinds.index("erasure_answer") < kinds.index("completed")
    assert "Bokføringsloven" in again.answer and "31. desember" in again.answer


def test_statements_grow_with_collections_not_rows(database_url: str, session: Session) -> None:
    shop = make_shop(database_url)
    manifest = demo_manifest(shop)
    customer_id, email = customers_with_orders_on_both_sides(shop)[0]
    _multiply_orders(shop, customer_id, times=40)
    rows = sum(len(r) for r in subject_rows(shop, manifest, email).values())

    with statements_on(database_part(shop)) as seen:
        _erase(session, manifest, email)

    writes = [s for s in seen if s.lstrip().upper().startswith(("UPDATE", "DELETE"))]
    collections = len(manifest.datastores["shop"].collections)
    assert rows > 1000
    assert len(writes) <= 2 * collections
    assert len(seen) <= 8 * collections  # reflection, one search and one read per table


def test_forty_times_the_orders_take_the_same_statements(tmp_path: Path,
                                                         session: Session) -> None:
    counts = []
    for times in (0, 40):
        shop = make_shop(f"sqlite:///{tmp_path}/shop_{times}.db")
        manifest = demo_manifest(shop)
        customer_id, email = customers_with_orders_on_both_sides(shop)[0]
        if times:
            _multiply_orders(shop, customer_id, times=times)
        with statements_on(database_part(shop)) as seen:
            _erase(session, manifest, email)
        counts.append(len(seen))
    assert counts[0] == counts[1]


def _multiply_orders(url: str, customer_id: int, *, times: int) -> None:
    """Give a customer ``times`` copies of each order (with lines and payments)."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        metadata.reflect(engine, only=["orders", "order_lines", "payments"])
    orders, lines, payments = (metadata.tables[n] for n in ("orders", "order_lines", "payments"))
    with engine.begin() as connection:
        base = [dict(r._mapping) for r in connection.execute(
            sa.select(orders).where(orders.c.customer_id == customer_id))]
        top = {t.name: connection.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0
               for t in (orders, lines, payments)}
        new_orders, new_lines, new_payments = [], [], []
        for copy in range(1, times + 1):
            for order in base:
                order_id = top["orders"] + len(new_orders) + 1
                new_orders.append({**order, "id": order_id,
                                   "order_number": f"FX-{order_id:09d}"})
                for line in connection.execute(sa.select(lines).where(
                        lines.c.order_id == order["id"])):
                    new_lines.append({**line._mapping, "order_id": order_id,
                                      "id": top["order_lines"] + len(new_lines) + 1})
                for payment in connection.execute(sa.select(payments).where(
                        payments.c.order_id == order["id"])):
                    new_payments.append({**payment._mapping, "order_id": order_id,
                                         "id": top["payments"] + len(new_payments) + 1})
            assert copy
        connection.execute(orders.insert(), new_orders)
        if new_lines:
            connection.execute(lines.insert(), new_lines)
        if new_payments:
            connection.execute(payments.insert(), new_payments)
    engine.dispose()
