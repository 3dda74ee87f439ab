"""``verify`` on SQLite, PostgreSQL and MariaDB: a manifest that matches is clean, and every
kind of drift is reported once, at the right place."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from datastores_shop import SHOP_COLLECTIONS, manifest_document, shop_datastore

from personvern.datastores.connect import connect, reflect
from personvern.datastores.names import looks_personal, tokens
from personvern.datastores.verify import verify
from personvern.manifest.load import load_manifest

Found = set[tuple[str, str, str | None]]


def _findings(url: str, collections: dict[str, Any] | None = None) -> Found:
    store = shop_datastore(url, collections)
    engine = connect(store, name="shop")
    try:
        return {(f.kind, f.table, f.column) for f in verify(store, reflect(engine))}
    finally:
        engine.dispose()


def test_a_matching_manifest_is_clean(shop_url: str) -> None:
    assert _findings(shop_url) == set()


def test_reflection_gives_portable_type_families(shop_url: str) -> None:
    engine = connect(shop_datastore(shop_url), name="shop")
    snapshot = reflect(engine)
    engine.dispose()
    customers, orders = snapshot.tables["customers"], snapshot.tables["orders"]
    assert customers.primary_key == ("id",)
    assert customers.columns["id"].family == "integer"
    assert customers.columns["email"].family == "string"
    assert orders.columns["total"].family == "decimal"
    assert snapshot.tables["tickets"].columns["body"].family == "text"
    assert orders.references_of("customer_id") == ["customers.id"]
    assert sorted(snapshot.tables["order_items"].references_of("product_id")) == ["products.id"]


def test_every_kind_of_drift_is_found(shop_url: str, writer: sa.Engine) -> None:
    with writer.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE customers ADD COLUMN telefon VARCHAR(40)")
        connection.exec_driver_sql("ALTER TABLE customers ADD COLUMN shipping VARCHAR(40)")
        connection.exec_driver_sql("ALTER TABLE customers ADD COLUMN shippingMethod INTEGER")
    extra = sa.MetaData()
    sa.Table("customers", extra, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "login_events", extra,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.ForeignKey("customers.id")),
        sa.Column("ip_address", sa.String(64)),
        sa.Column("created_at", sa.DateTime),
    )
    extra.tables["login_events"].create(writer)

    collections = copy.deepcopy(SHOP_COLLECTIONS)
    collections["wishlists"] = {"fields": {"id": {}}}
    collections["customers"]["fields"]["middle_name"] = {"categories": ["user.name"]}
    collections["customers"]["fields"]["email"]["type"] = "integer"
    del collections["orders"]["fields"]["customer_id"]["references"]
    collections["addresses"]["fields"]["customer_id"]["references"] = "orders.id"

    assert _findings(shop_url, collections) == {
        ("missing_table", "wishlists", None),
        ("missing_column", "customers", "middle_name"),
        ("type_mismatch", "customers", "email"),
        ("undeclared_foreign_key", "orders", "customer_id"),
        ("reference_without_foreign_key", "addresses", "customer_id"),
        ("undeclared_personal_column", "customers", "telefon"),
        ("undeclared_foreign_key", "login_events", "customer_id"),
        ("undeclared_personal_column", "login_events", "ip_address"),
    }


def test_findings_point_at_the_manifest(
    sqlite_url: str, write_manifest: Callable[[dict[str, Any]], Path]
) -> None:
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customers (id INTEGER PRIMARY KEY, epost TEXT)")
    engine.dispose()
    collections = {"customers": {"fields": {"id": {}, "email": {"identity": "email"}}}}
    loaded = load_manifest(write_manifest(manifest_document(sqlite_url, collections)))
    store = loaded.manifest.datastores["shop"]
    engine = connect(store, name="shop")
    findings = verify(store, reflect(engine), name="shop", loaded=loaded)
    engine.dispose()
    by_kind = {f.kind: f for f in findings}
    assert set(by_kind) == {"missing_column", "undeclared_personal_column"}
    missing, undeclared = by_kind["missing_column"], by_kind["undeclared_personal_column"]
    assert missing.location is not None and missing.location.file.endswith("manifest.yaml")
    # The missing field's own line; the undeclared column points at the fields: to add it to.
    text = Path(loaded.files[0]).read_text().splitlines()
    assert text[missing.location.line - 1].strip().startswith("email:")
    assert undeclared.location is not None
    assert text[undeclared.location.line - 1].strip() == "fields:"
    assert "epost" in undeclared.message


@pytest.mark.parametrize("name", [
    "email", "e_post", "epost", "customerEmail", "mail", "telefon", "phone_number", "mobil",
    "tlf", "fornavn", "etternavn", "förnamn", "efternamn", "efternavn", "first_name",
    "lastName", "adresse", "gata", "postnummer", "zip", "leveringsadresse", "personnummer",
    "fødselsnummer", "fodselsnummer", "cpr", "ssn", "national_id", "fødselsdato",
    "födelsedatum", "date_of_birth", "dob", "ip", "ip_address", "ip_adresse", "kundenummer",
    "customer_number", "kontonummer", "iban", "user_agent", "userAgent", "lat", "lon", "geo",
    "address2",
])
def test_personal_column_names(name: str) -> None:
    assert looks_personal(name), tokens(name)


@pytest.mark.parametrize("name", [
    "shipping", "shipping_method", "flat_rate", "gzip_size", "created_at", "total",
    "product_id", "customer_id", "description", "status", "order_number", "relation",
    "latency_ms", "zipper_color", "date_of_purchase",
])
def test_impersonal_column_names(name: str) -> None:
    assert not looks_personal(name), tokens(name)
