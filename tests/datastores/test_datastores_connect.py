"""Connections are bounded and read-only, and their errors never show a password."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from datastores_shop import shop_datastore

from personvern.datastores.connect import DatastoreError, connect
from personvern.manifest.model import Datastore


def test_sessions_are_read_only(shop_url: str) -> None:
    engine = connect(shop_datastore(shop_url), name="shop")
    try:
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError):
            connection.exec_driver_sql("INSERT INTO products (id, name) VALUES (1, 'x')")
    finally:
        engine.dispose()


def test_writable_when_asked(shop_url: str) -> None:
    engine = connect(shop_datastore(shop_url), name="shop", read_only=False)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO products (id, name) VALUES (1, 'x')")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM products").scalar() == 1
    finally:
        engine.dispose()


def test_statement_timeout_is_set(shop_url: str) -> None:
    engine = connect(shop_datastore(shop_url), name="shop", statement_timeout=1.5)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "1500ms"
                with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                    connection.exec_driver_sql("SELECT pg_sleep(5)")
            elif engine.dialect.name in ("mysql", "mariadb"):
                value = connection.exec_driver_sql("SELECT @@max_statement_time").scalar()
                assert float(str(value)) == 1.5
            else:
                endless = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                           "SELECT count(*) FROM n")
                with pytest.raises(sa.exc.OperationalError, match="interrupted"):
                    connection.exec_driver_sql(endless)
                # The deadline is per statement: the next one runs normally.
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://shop:hunter2@127.0.0.1:1/shop",
    "mysql+pymysql://shop:hunter2@127.0.0.1:1/shop",
])
def test_unreachable_server_names_the_datastore_not_the_password(url: str) -> None:
    with pytest.raises(DatastoreError) as raised:
        connect(Datastore.model_validate({"url": url}), name="webshop")
    message = str(raised.value)
    assert "datastore 'webshop'" in message and "shop:***@127.0.0.1:1" in message
    assert "hunter2" not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize(("url", "expected"), [
    (None, "has no url"),
    ("${SHOP_DATABASE_URL}", "environment variable"),
    ("not a url with hunter2", "not a database URL"),
    ("oracle://u:hunter2@host/db", "unsupported database"),
])
def test_unusable_urls(url: str | None, expected: str) -> None:
    with pytest.raises(DatastoreError, match=expected) as raised:
        connect(Datastore.model_validate({"url": url}), name="webshop")
    assert "hunter2" not in str(raised.value)
