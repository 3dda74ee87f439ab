"""A small shop schema built here (not the demo's) and its manifest, for the datastore tests."""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from personvern.manifest.model import Datastore


def shop_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "customers", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("fornavn", sa.String(100)),
    )
    sa.Table(
        "addresses", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customer_id", sa.ForeignKey("customers.id")),
        sa.Column("street", sa.String(200)),
    )
    sa.Table(
        "orders", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customer_id", sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("email", sa.String(200)),
        sa.Column("total", sa.Numeric(10, 2)),
    )
    sa.Table(
        "products", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(200)),
    )
    sa.Table(
        "order_items", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.ForeignKey("orders.id")),
        sa.Column("product_id", sa.ForeignKey("products.id")),
        sa.Column("quantity", sa.Integer),
    )
    sa.Table(
        "tickets", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text),
    )
    return metadata


SHOP_COLLECTIONS: dict[str, Any] = {
    "customers": {"fields": {
        "id": {"type": "integer"},
        "email": {"identity": "email", "categories": ["user.contact.email"], "type": "string"},
        "phone": {"identity": "phone", "categories": ["user.contact.phone_number"]},
        "fornavn": {"categories": ["user.name"]},
    }},
    "addresses": {"fields": {
        "id": {},
        "customer_id": {"references": "customers.id"},
        "street": {"categories": ["user.contact.address.street"]},
    }},
    "orders": {"fields": {
        "id": {},
        "customer_id": {"references": "customers.id"},
        "email": {"identity": "email", "categories": ["user.contact.email"]},
        "total": {"type": "decimal"},
    }},
    "products": {"fields": {"id": {}, "name": {}}},
    "order_items": {"fields": {
        "id": {},
        "order_id": {"references": "orders.id"},
        "product_id": {"references": "products.id"},
        "quantity": {"type": "integer"},
    }},
    "tickets": {"fields": {"id": {}, "body": {"categories": ["user.content"]}}},
}


def shop_datastore(url: str | None = None, collections: dict[str, Any] | None = None) -> Datastore:
    data: dict[str, Any] = {"collections": copy.deepcopy(collections or SHOP_COLLECTIONS)}
    if url is not None:
        data["url"] = url
    return Datastore.model_validate(data)


def manifest_document(url: str = "${SHOP_DATABASE_URL}",
                      collections: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "organization": {"name": "Testbutikken AS", "country": "NO"},
        "datastores": {"shop": {
            "url": url, "collections": copy.deepcopy(collections or SHOP_COLLECTIONS),
        }},
    }
