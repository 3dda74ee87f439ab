"""Rectification (Art. 16) on the demo shop: valid corrections reach every row of the
subject, and a refused one writes nothing at all."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from test_erasure_shop import (
    ERASED_AT,
    approved_request,
    checksums,
    customers_with_orders_on_both_sides,
    demo_manifest,
    row_keys,
    subject_rows,
)

from personvern.requests import lifecycle
from personvern.requests.rectification import RectificationError, run_rectification
from personvern.store.models import AuditEntry, RequestKind, RequestStatus, Task


def _rows(url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def test_valid_changes_reach_every_row_of_the_subject(shop: str, session: Session) -> None:
    manifest = demo_manifest(shop)
    customer_id, email = customers_with_orders_on_both_sides(shop)[0]
    keys = row_keys(manifest, subject_rows(shop, manifest, email))
    others = checksums(shop, exclude=keys)
    request_id = approved_request(session, RequestKind.rectification, email, payload={
        "changes": {"customers.last_name": "Nordmann-Berg", "customers.phone": "912 34 567",
                    "orders.delivery_address": "Bryggen 1, 5003 Bergen"}})

    outcome = run_rectification(session, request_id, manifest, ERASED_AT)

    [customer] = _rows(shop, "SELECT * FROM customers WHERE id = :c", c=customer_id)
    assert customer["last_name"] == "Nordmann-Berg"
    assert customer["phone"] == "+4791234567"  # stored as E.164
    orders = _rows(shop, "SELECT * FROM orders WHERE customer_id = :c", c=customer_id)
    assert orders and all(o["delivery_address"] == "Bryggen 1, 5003 Bergen" for o in orders)
    assert outcome.rows["shop"]["customers"] == 1
    assert outcome.rows["shop"]["orders"] >= len(orders)
    assert checksums(shop, exclude=keys) == others  # nobody else's rows changed
    # Art. 19: the carriers get told; the request completes once they are.
    assert outcome.status is RequestStatus.running and "bring" in outcome.recipients
    for task in session.scalars(sa.select(Task).where(Task.request_id == request_id)):
        lifecycle.finish_task(session, task.id, now=ERASED_AT)
    session.commit()
    assert run_rectification(session, request_id, manifest, ERASED_AT).status is \
        RequestStatus.completed
    audit_text = " ".join(str(e.detail) for e in session.scalars(sa.select(AuditEntry)))
    assert "Nordmann-Berg" not in audit_text and "Bryggen 1" not in audit_text


REFUSED = [
    ({"customers.favourite_colour": "blue"}, "not a declared field"),
    ({"nowhere.email": "kari@example.no"}, "not a declared field"),
    ({"customers.id": 5}, "key or reference"),
    ({"orders.customer_id": 5}, "key or reference"),
    ({"products.name": "Hundefor"}, "not personal"),
    ({"customers.email": "not-an-address"}, "not an e-mail address"),
    ({"customers.phone": "call me maybe"}, "not a phone number"),
    ({"customers.first_name": "K" * 101}, "longer than the column allows (100"),
    ({"customers.first_name": None}, "cannot be empty"),
    ({"customers.birth_date": "31.02.1990"}, "not a valid date"),
]


def test_a_refused_change_writes_nothing(shop: str, session: Session) -> None:
    manifest = demo_manifest(shop)
    _, email = customers_with_orders_on_both_sides(shop)[0]
    before = checksums(shop)
    for changes, problem in REFUSED:
        # A valid change next to the refused one is not applied either.
        request_id = approved_request(session, RequestKind.rectification, email, payload={
            "changes": {"customers.last_name": "Valid", **changes}})

        with pytest.raises(RectificationError, match=problem.replace("(", r"\(")):
            run_rectification(session, request_id, manifest, ERASED_AT)

        session.rollback()
        request = lifecycle.get_request(session, request_id)
        assert request.status is RequestStatus.approved
        assert session.scalars(sa.select(Task).where(Task.request_id == request_id)).all() \
            == []
    assert checksums(shop) == before
