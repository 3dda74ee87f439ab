"""Traversal plans: their order and SQL, and running them on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from datastores_shop import SHOP_COLLECTIONS, shop_datastore

from personvern.datastores.plan import (
    build_plan,
    execute,
    normalise_phone,
    normalise_values,
    phone_pattern,
)


def _load(writer: sa.Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    metadata = sa.MetaData()
    metadata.reflect(writer)
    with writer.begin() as connection:
        for table in ("customers", "addresses", "products", "orders", "order_items", "tickets"):
            if rows.get(table):
                connection.execute(metadata.tables[table].insert(), rows[table])


SHOP_ROWS: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": 1, "email": "alice@example.com", "phone": "+47 912 34 567", "fornavn": "Alice"},
        {"id": 2, "email": "bob@example.com", "phone": "98765432", "fornavn": "Bob"},
        # The same digits under Sweden's country code: a candidate by LIKE, not a match.
        {"id": 3, "email": "carl@example.se", "phone": "+46 912 34 567", "fornavn": "Carl"},
        {"id": 4, "email": "dina@example.com", "phone": "0047 912-34-567", "fornavn": "Dina"},
    ],
    "addresses": [
        {"id": 1, "customer_id": 1, "street": "Storgata 1"},
        {"id": 2, "customer_id": 2, "street": "Lillegata 2"},
    ],
    "products": [{"id": 1, "name": "Leash"}, {"id": 2, "name": "Bowl"}, {"id": 3, "name": "Ball"}],
    "orders": [
        {"id": 10, "customer_id": 1, "email": "alice@example.com", "total": Decimal("10.00")},
        # A guest order under a differently written address, and one under an old address.
        {"id": 11, "customer_id": None, "email": "ALICE@Example.COM", "total": Decimal("5.00")},
        {"id": 12, "customer_id": 1, "email": "alice.old@example.com", "total": Decimal("1")},
        {"id": 13, "customer_id": 2, "email": "bob@example.com", "total": Decimal("7.50")},
    ],
    "order_items": [
        {"id": 100, "order_id": 10, "product_id": 1, "quantity": 1},
        {"id": 101, "order_id": 11, "product_id": 2, "quantity": 2},
        {"id": 102, "order_id": 13, "product_id": 3, "quantity": 1},
    ],
    "tickets": [{"id": 1, "body": "Where is my order?"}],
}


def _ids(found: dict[str, list[dict[str, Any]]], collection: str) -> set[Any]:
    return {row["id"] for row in found.get(collection, [])}


def test_plan_orders_queries_breadth_first_with_set_based_sql() -> None:
    plan = build_plan(shop_datastore(), "email")
    assert [(s.hop, s.collection) for s in plan.steps] == [
        (0, "customers"), (0, "orders"), (1, "addresses"), (1, "order_items"), (2, "products"),
    ]
    assert plan.unreachable == ("tickets",)
    by_name = {s.collection: s for s in plan.steps}
    # Customers come first in hop 0, so orders are also found through customer_id.
    assert "lower(orders.email) IN (:email)" in by_name["orders"].sql
    assert "orders.customer_id IN (:customers_id)" in by_name["orders"].sql
    assert "order_items.order_id IN (:orders_id)" in by_name["order_items"].sql
    assert "products.id IN (:order_items_product_id)" in by_name["products"].sql
    assert [str(h) for h in by_name["products"].via] == ["order_items.product_id → products.id"]
    assert by_name["products"].via[0].direction == "to_parent"


def test_a_path_down_from_a_shared_parent_is_flagged() -> None:
    collections = copy.deepcopy(SHOP_COLLECTIONS)
    collections["reviews"] = {"fields": {
        "id": {}, "product_id": {"references": "products.id"},
        "text": {"categories": ["user.content"]},
    }}
    plan = build_plan(shop_datastore(collections=collections), "email")
    steps = {s.collection: s for s in plan.steps}
    assert steps["reviews"].through_shared_parent
    assert not any(s.through_shared_parent for name, s in steps.items() if name != "reviews")


def test_a_shared_parent_found_early_does_not_widen_its_children() -> None:
    collections = copy.deepcopy(SHOP_COLLECTIONS)
    # A back-in-stock request by e-mail points at a product at hop 0: the product's
    # order lines are everybody's, so order lines are found through orders only.
    collections["stock_alerts"] = {"fields": {
        "id": {}, "email": {"identity": "email", "categories": ["user.contact.email"]},
        "product_id": {"references": "products.id"},
    }}
    plan = build_plan(shop_datastore(collections=collections), "email")
    steps = {s.collection: s for s in plan.steps}
    assert steps["products"].hop == 1
    assert [str(h) for h in steps["order_items"].via] == ["orders.id → order_items.order_id"]
    assert "products_id" not in steps["order_items"].sql
    assert not any(s.through_shared_parent for s in plan.steps)


def test_execute_skips_shared_parent_steps_unless_asked(
    writer: sa.Engine, reader: sa.Engine
) -> None:
    _load(writer, SHOP_ROWS)
    with writer.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE reviews (id INTEGER PRIMARY KEY, "
                                   "product_id INTEGER, body TEXT)")
        connection.exec_driver_sql("INSERT INTO reviews VALUES (1, 1, 'mine?'), (2, 3, 'x')")
    collections = copy.deepcopy(SHOP_COLLECTIONS)
    collections["reviews"] = {"fields": {
        "id": {}, "product_id": {"references": "products.id"},
        "body": {"categories": ["user.content"]},
    }}
    plan = build_plan(shop_datastore(collections=collections), "email")
    assert "reviews" not in execute(plan, reader, ["alice@example.com"])
    found = execute(plan, reader, ["alice@example.com"], include_shared=True)
    assert _ids(found, "reviews") == {1}  # of product 1, which Alice bought: maybe not hers


def test_no_identity_collection_means_everything_personal_is_unreachable() -> None:
    plan = build_plan(shop_datastore(), "national_id")
    assert plan.steps == ()
    assert set(plan.unreachable) == {"customers", "addresses", "orders", "tickets"}
    assert plan.notes


def test_phone_values_are_normalised_to_e164() -> None:
    assert normalise_phone("+47 912 34 567", "NO") == "+4791234567"
    assert normalise_phone("912 34 567", "NO") == "+4791234567"
    assert normalise_phone("0047 912-34-567", "NO") == "+4791234567"
    assert normalise_phone("070-123 45 67", "SE") == "+46701234567"
    assert normalise_phone("not a number", "NO") is None
    assert phone_pattern("+4791234567") == "%9%1%2%3%4%5%6%7%"
    plan = build_plan(shop_datastore(), "phone", default_region="NO")
    assert normalise_values(plan, ["912 34 567", "+47 91234567", "nonsense"]) == ["+4791234567"]


def test_execute_finds_the_subject_by_email_case_insensitively(
    writer: sa.Engine, reader: sa.Engine
) -> None:
    _load(writer, SHOP_ROWS)
    found = execute(build_plan(shop_datastore(), "email"), reader, ["  Alice@EXAMPLE.com "])
    assert _ids(found, "customers") == {1}
    assert _ids(found, "orders") == {10, 11, 12}  # 11 by e-mail only, 12 by customer only
    assert _ids(found, "addresses") == {1}
    assert _ids(found, "order_items") == {100, 101}
    assert _ids(found, "products") == {1, 2}
    assert "tickets" not in found


def test_execute_matches_phone_numbers_in_any_format(
    writer: sa.Engine, reader: sa.Engine
) -> None:
    _load(writer, SHOP_ROWS)
    plan = build_plan(shop_datastore(), "phone", default_region="NO")
    found = execute(plan, reader, ["912 34 567"])
    assert _ids(found, "customers") == {1, 4}  # not 3: +46 with the same digits
    assert _ids(found, "orders") == {10, 12}
    found = execute(plan, reader, ["+4798765432"])
    assert _ids(found, "customers") == {2}
    assert _ids(found, "addresses") == {2}


def test_execute_with_unknown_identity_runs_no_query(
    writer: sa.Engine, reader: sa.Engine
) -> None:
    _load(writer, SHOP_ROWS)
    statements: list[str] = []
    sa.event.listen(reader, "before_cursor_execute",
                    lambda *args: statements.append(str(args[2])))
    plan = build_plan(shop_datastore(), "email")
    found = execute(plan, reader, ["nobody@example.com"])
    assert all(rows == [] for rows in found.values())
    if reader.dialect.name == "postgresql":
        # The whole walk goes in one round trip: one statement per step, sent together.
        assert len(statements) == len(plan.steps)
    else:
        assert len(statements) == 2  # the two identity queries; nothing to follow from them


def test_exact_identities_compare_as_integers_when_declared(
    writer: sa.Engine, reader: sa.Engine
) -> None:
    _load(writer, SHOP_ROWS)
    collections = copy.deepcopy(SHOP_COLLECTIONS)
    collections["customers"]["fields"]["id"]["identity"] = "customer_number"
    plan = build_plan(shop_datastore(collections=collections), "customer_number")
    found = execute(plan, reader, ["2", "not-a-number"])
    assert _ids(found, "customers") == {2}
    assert _ids(found, "orders") == {13}


def test_large_id_lists_are_chunked_one_query_per_chunk(
    writer: sa.Engine, reader: sa.Engine
) -> None:
    count = 2_500
    _load(writer, {
        "customers": [{"id": 1, "email": "many@example.com", "phone": None, "fornavn": "M"}],
        "products": [{"id": 1, "name": "Treat"}],
        "orders": [{"id": i, "customer_id": 1, "email": None, "total": Decimal(1)}
                   for i in range(1, count + 1)],
        "order_items": [{"id": i, "order_id": i, "product_id": 1, "quantity": 1}
                        for i in range(1, count + 1)],
    })
    statements: list[str] = []
    sa.event.listen(reader, "before_cursor_execute",
                    lambda *args: statements.append(str(args[2])))
    plan = build_plan(shop_datastore(), "email")
    found = execute(plan, reader, ["many@example.com"], chunk_size=1_000)
    assert len(found["orders"]) == count
    assert len(found["order_items"]) == count
    assert _ids(found, "products") == {1}
    if reader.dialect.name == "postgresql":
        # Each step finds its sources in SQL (no id lists, no chunks): one query a step.
        assert len(statements) == len(plan.steps)
        return
    item_queries = [s for s in statements if "FROM order_items" in s]
    assert len(item_queries) == 3  # 2,500 order ids in chunks of 1,000
    assert len(statements) == 2 + 1 + 3 + 1  # customers, orders, addresses, items, products
