"""The demo shop's schema: the same tables on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlalchemy as sa

from personvern.demo import schema

EXPECTED_TABLES = {
    "customers", "addresses", "guest_checkouts", "orders", "order_lines", "products",
    "payments", "shipments", "newsletter_subscriptions", "back_in_stock_requests",
    "loyalty_accounts", "loyalty_ledger", "wishlists", "wishlist_items", "pet_profiles",
    "product_reviews", "support_chats", "credit_checks", "fraud_scores", "cart_events",
    "access_logs",
}


def test_the_tables_the_seed_notices_describe() -> None:
    assert set(schema.metadata.tables) == EXPECTED_TABLES
    for table in schema.metadata.tables.values():
        assert table.name == table.name.lower()
        assert [c.name for c in table.primary_key.columns] == ["id"]
        for column in table.columns:
            assert column.name == column.name.lower()


def test_every_foreign_key_and_lookup_column_is_indexed() -> None:
    for table in schema.metadata.tables.values():
        indexed = {column.name for index in table.indexes for column in index.columns}
        for column in table.columns:
            if column.foreign_keys or column.name in {"email", "phone", "created_at"}:
                assert column.name in indexed, f"{table.name}.{column.name} has no index"


def test_unique_business_keys() -> None:
    def unique(table: str, column: str) -> bool:
        return any(
            index.unique and [c.name for c in index.columns] == [column]
            for index in schema.metadata.tables[table].indexes
        )

    assert unique("customers", "customer_number")
    assert unique("orders", "order_number")
    assert unique("loyalty_accounts", "customer_id")


def test_create_schema_on_every_backend(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        schema.create_schema(engine)
        inspector = sa.inspect(engine)
        assert set(inspector.get_table_names()) >= EXPECTED_TABLES
        keys = inspector.get_foreign_keys("orders")
        assert {tuple(k["constrained_columns"]) for k in keys} == {
            ("customer_id",), ("guest_checkout_id",)
        }
        indexed = {c for index in inspector.get_indexes("orders") for c in index["column_names"]}
        assert {"customer_id", "guest_checkout_id", "email", "phone", "created_at"} <= indexed
    finally:
        schema.drop_schema(engine)
        engine.dispose()
