"""The demo shop's database: a Nordic pet-supplies shop, "Fjordhund AS".

Modelled on what the real notices in ``shared/seeds`` describe (zooplus above all): customer
accounts with delivery and payment preferences, guest checkouts, orders kept for the
bookkeeping law, payments through Klarna/Vipps/card/PayPal, shipments with Nordic carriers,
newsletter consent, back-in-stock reminders, a loyalty programme, wishlists, pet profiles,
reviews, support chats, credit checks, fraud scores, cart events and web server logs.

The tables are plain SQLAlchemy Core and identical on SQLite, PostgreSQL and MySQL/MariaDB:
portable types only, lower-case snake_case names, no server-side defaults, so the same
rows load anywhere. Indexes are separate :class:`~sqlalchemy.Index` objects (unique ones
included) so that a bulk load can create them after the rows are in; see
:func:`create_tables` and :func:`create_indexes_and_foreign_keys`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable, ForeignKeyConstraint

# Named constraints, so that they can be added after a bulk load and dropped by name.
metadata = MetaData(naming_convention={
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only auto-increments an ``INTEGER PRIMARY KEY`` (an alias of the rowid), so the
# 64-bit key the other servers use is spelled INTEGER there.
Id = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(12, 2)

# Lengths that every backend indexes without complaint (MySQL's utf8mb4 index limit is
# 3072 bytes, so e-mail addresses at their RFC 5321 maximum of 254 characters are fine).
EMAIL = 254
PHONE = 32
NAME = 100


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = False) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=nullable)


customers = Table(
    "customers",
    metadata,
    _id(),
    Column("customer_number", String(20), nullable=False),
    Column("email", String(EMAIL), nullable=False),
    Column("first_name", String(NAME), nullable=False),
    Column("last_name", String(NAME), nullable=False),
    Column("phone", String(PHONE)),
    Column("birth_date", Date),
    Column("password_hash", String(200), nullable=False),
    Column("preferred_language", String(5), nullable=False),
    Column("preferred_payment", String(20)),
    Column("preferred_carrier", String(20)),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
    Column("closed_at", DateTime),
)

addresses = Table(
    "addresses",
    metadata,
    _id(),
    _fk("customer_id", "customers.id"),
    Column("kind", String(10), nullable=False),  # billing | delivery
    Column("street", String(200), nullable=False),
    Column("postal_code", String(10), nullable=False),
    Column("city", String(NAME), nullable=False),
    Column("country", String(2), nullable=False),
)

guest_checkouts = Table(
    "guest_checkouts",
    metadata,
    _id(),
    Column("email", String(EMAIL), nullable=False),
    Column("phone", String(PHONE)),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

products = Table(
    "products",
    metadata,
    _id(),
    Column("sku", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("brand", String(NAME), nullable=False),
    Column("price", Money, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    _id(),
    Column("order_number", String(20), nullable=False),
    _fk("customer_id", "customers.id", nullable=True),
    _fk("guest_checkout_id", "guest_checkouts.id", nullable=True),
    Column("email", String(EMAIL), nullable=False),
    Column("phone", String(PHONE)),
    # Snapshots as given at checkout: an invoice must show the address it was made out to,
    # even after the customer moves or deletes the address from the account.
    Column("billing_name", String(200), nullable=False),
    Column("billing_address", String(300), nullable=False),
    Column("delivery_name", String(200), nullable=False),
    Column("delivery_address", String(300), nullable=False),
    Column("total", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

order_lines = Table(
    "order_lines",
    metadata,
    _id(),
    _fk("order_id", "orders.id"),
    _fk("product_id", "products.id"),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    _id(),
    _fk("order_id", "orders.id"),
    Column("provider", String(20), nullable=False),  # klarna | vipps | card | paypal
    # A PSP token for card payments. Never a card number: the shop is out of PCI DSS scope.
    Column("card_token", String(64)),
    Column("amount", Money, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    _id(),
    _fk("order_id", "orders.id"),
    Column("carrier", String(20), nullable=False),
    Column("tracking_number", String(40), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_phone", String(PHONE)),
    Column("shipped_at", DateTime),
)

newsletter_subscriptions = Table(
    "newsletter_subscriptions",
    metadata,
    _id(),
    Column("email", String(EMAIL), nullable=False),
    _fk("customer_id", "customers.id", nullable=True),
    Column("consented_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime),
    Column("unsubscribed_at", DateTime),
)

back_in_stock_requests = Table(
    "back_in_stock_requests",
    metadata,
    _id(),
    Column("email", String(EMAIL), nullable=False),
    _fk("product_id", "products.id"),
    Column("created_at", DateTime, nullable=False),
    Column("notified_at", DateTime),
)

loyalty_accounts = Table(
    "loyalty_accounts",
    metadata,
    _id(),
    _fk("customer_id", "customers.id"),
    Column("points_balance", Integer, nullable=False),
)

loyalty_ledger = Table(
    "loyalty_ledger",
    metadata,
    _id(),
    _fk("account_id", "loyalty_accounts.id"),
    _fk("order_id", "orders.id", nullable=True),
    Column("points", Integer, nullable=False),
    Column("reason", String(20), nullable=False),  # purchase | redemption | bonus | expiry
    Column("created_at", DateTime, nullable=False),
)

wishlists = Table(
    "wishlists",
    metadata,
    _id(),
    _fk("customer_id", "customers.id"),
    Column("name", String(NAME), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

wishlist_items = Table(
    "wishlist_items",
    metadata,
    _id(),
    _fk("wishlist_id", "wishlists.id"),
    _fk("product_id", "products.id"),
    Column("added_at", DateTime, nullable=False),
)

pet_profiles = Table(
    "pet_profiles",
    metadata,
    _id(),
    _fk("customer_id", "customers.id"),
    Column("name", String(NAME), nullable=False),
    Column("species", String(20), nullable=False),
    Column("birth_date", Date),
)

product_reviews = Table(
    "product_reviews",
    metadata,
    _id(),
    _fk("customer_id", "customers.id"),
    _fk("product_id", "products.id"),
    Column("rating", SmallInteger, nullable=False),
    Column("body", Text, nullable=False),
    Column("display_name", String(NAME), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

support_chats = Table(
    "support_chats",
    metadata,
    _id(),
    _fk("customer_id", "customers.id", nullable=True),
    Column("email", String(EMAIL)),
    Column("transcript", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

credit_checks = Table(
    "credit_checks",
    metadata,
    _id(),
    _fk("customer_id", "customers.id"),
    _fk("order_id", "orders.id"),
    Column("bureau", String(30), nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("decision", String(20), nullable=False),  # approved | declined | manual_review
    Column("created_at", DateTime, nullable=False),
)

fraud_scores = Table(
    "fraud_scores",
    metadata,
    _id(),
    _fk("order_id", "orders.id"),
    Column("score", SmallInteger, nullable=False),  # 0 (clean) … 100 (certain fraud)
    Column("ip_address", String(45), nullable=False),
    Column("device_fingerprint", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

cart_events = Table(
    "cart_events",
    metadata,
    _id(),
    _fk("customer_id", "customers.id", nullable=True),
    Column("session_id", String(64), nullable=False),
    _fk("product_id", "products.id"),
    Column("action", String(20), nullable=False),  # add | remove | checkout
    Column("created_at", DateTime, nullable=False),
)

access_logs = Table(
    "access_logs",
    metadata,
    _id(),
    Column("ip_address", String(45), nullable=False),
    Column("user_agent", String(400), nullable=False),
    Column("path", String(400), nullable=False),
    Column("referrer", String(400)),
    Column("status", SmallInteger, nullable=False),
    Column("requested_at", DateTime, nullable=False),
    _fk("customer_id", "customers.id", nullable=True),
)


def _indexes() -> None:
    """Index every foreign key, and the columns a shop looks people and periods up by.

    Foreign keys: erasure and access walk every reference, and MySQL needs them anyway.
    E-mail and phone: customer service and data-subject requests search by them.
    Time columns: retention sweeps select by age.
    """
    unique = {("customers", "customer_number"), ("orders", "order_number"),
              ("loyalty_accounts", "customer_id"), ("products", "sku")}
    looked_up = {"email", "phone", "created_at", "requested_at", "last_login_at",
                 "recipient_phone", "consented_at", "tracking_number", "session_id"}
    for table in metadata.tables.values():
        for column in table.columns:
            if column.primary_key:
                continue
            if column.foreign_keys or column.name in looked_up or (
                (table.name, column.name) in unique
            ):
                is_unique = (table.name, column.name) in unique
                prefix = "uq" if is_unique else "ix"
                Index(f"{prefix}_{table.name}_{column.name}", column, unique=is_unique)
            if column.name == "email":
                # Requests match e-mail case-insensitively (lower(email) IN …), which a
                # plain index cannot serve on PostgreSQL or SQLite. MariaDB compares with a
                # case-insensitive collation, where the plain index does the work.
                Index(f"ix_{table.name}_email_lower", sa.func.lower(column)).ddl_if(
                    dialect=EXPRESSION_INDEX_DIALECTS,  # type: ignore[arg-type]  # a tuple is documented
                )


EXPRESSION_INDEX_DIALECTS = ("postgresql", "sqlite")


_indexes()


def create_schema(engine: Engine) -> None:
    """Create every table, index and foreign key of the demo shop (if missing)."""
    metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    metadata.drop_all(engine)


def create_tables(engine: Engine) -> None:
    """The tables with their primary keys only: the fast start of a bulk load.

    Maintaining indexes row by row is the main cost of a large load; building them once
    afterwards is several times faster (the way ``pg_restore`` does it). SQLite cannot add
    a foreign key to an existing table, so there the keys are created with the table;
    it does not check them unless asked (``PRAGMA foreign_keys``), so they cost nothing.
    """
    inline_foreign_keys = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            keys: list[ForeignKeyConstraint] | None = None if inline_foreign_keys else []
            connection.execute(CreateTable(table, include_foreign_key_constraints=keys))


def foreign_keys() -> list[ForeignKeyConstraint]:
    return [
        constraint
        for table in metadata.sorted_tables
        for constraint in table.foreign_key_constraints
    ]


def create_indexes_and_foreign_keys(engine: Engine) -> None:
    """Finish what :func:`create_tables` left out, once the rows are in."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Sorting for an index build happens in memory when it fits.
            connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for table in metadata.sorted_tables:
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                if str(index.name).endswith("_email_lower") and (
                    engine.dialect.name not in EXPRESSION_INDEX_DIALECTS
                ):
                    continue  # see _indexes(): MariaDB's collation does this already
                connection.execute(CreateIndex(index))
        if engine.dialect.name == "sqlite":
            return
        if engine.dialect.name in ("mysql", "mariadb"):
            # InnoDB adds a foreign key in place, without copying the table, only when it
            # does not re-check the rows; the generator made them consistent and the tests
            # check that with SQL.
            connection.exec_driver_sql("SET foreign_key_checks = 0")
        for constraint in foreign_keys():
            # Not isolated: a later create_schema() must still create the key inline.
            connection.execute(AddConstraint(constraint, isolate_from_table=False))
        if engine.dialect.name in ("mysql", "mariadb"):
            connection.exec_driver_sql("SET foreign_key_checks = 1")
