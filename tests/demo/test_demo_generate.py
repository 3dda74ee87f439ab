"""The demo data generator: realistic, consistent and reproducible on every backend."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum import luhn

from personvern.demo import schema
from personvern.demo.generate import DemoTablesExistError, generate, prepare

REFERENCE = date(2026, 6, 15)
CUSTOMERS = 200


def _rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def _as_datetime(value: object) -> datetime:
    # SQLite hands back text where the other servers hand back datetimes.
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _orphans(engine: sa.Engine) -> dict[str, int]:
    found = {}
    for constraint in schema.foreign_keys():
        column = constraint.column_keys[0]
        child = constraint.table.name
        parent = constraint.referred_table.name
        [(count,)] = _rows(engine, (
            f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p ON c.{column} = p.id "
            f"WHERE c.{column} IS NOT NULL AND p.id IS NULL"
        ))
        found[f"{child}.{column}"] = count
    return {key: count for key, count in found.items() if count}


def _looks_like_card_number(text: str) -> bool:
    for run in re.findall(r"\d{13,}", text):
        for size in range(13, min(len(run), 19) + 1):
            for start in range(len(run) - size + 1):
                if luhn.is_valid(run[start:start + size]):
                    return True
    return False


def _phone_style(number: str) -> str:
    if number.startswith("+"):
        return "plus" + (" spaced" if " " in number else "")
    if number.startswith("00"):
        return "double zero"
    return "digits" if number.isdigit() else "national spaced"


def test_generates_a_consistent_shop(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        report = generate(engine, CUSTOMERS, seed=7, reference=REFERENCE)

        # every table has rows, and the database agrees with the report
        for table in schema.metadata.sorted_tables:
            [(count,)] = _rows(engine, f"SELECT count(*) FROM {table.name}")
            assert count == report.counts[table.name] > 0, table.name
        assert report.counts["customers"] == CUSTOMERS

        # no row points at a row that is not there
        assert _orphans(engine) == {}

        # the indexes and foreign keys were added after the load
        inspector = sa.inspect(engine)
        assert inspector.get_foreign_keys("order_lines")
        assert any(i["unique"] for i in inspector.get_indexes("orders"))

        # ~20 % of orders are guest orders; every order has exactly one of the two owners
        [(guests, accounts, both)] = _rows(engine, (
            "SELECT sum(CASE WHEN guest_checkout_id IS NOT NULL THEN 1 ELSE 0 END), "
            "sum(CASE WHEN customer_id IS NOT NULL THEN 1 ELSE 0 END), "
            "sum(CASE WHEN customer_id IS NOT NULL AND guest_checkout_id IS NOT NULL "
            "THEN 1 ELSE 0 END) FROM orders"
        ))
        assert both == 0
        assert 0.1 < guests / (guests + accounts) < 0.35

        # the same e-mail in another letter case: an account and its earlier guest orders
        accounts_by_email = {
            str(email).lower(): str(email)
            for (email,) in _rows(engine, "SELECT email FROM customers")
        }
        guest_emails = [str(e) for (e,) in _rows(
            engine, "SELECT email FROM orders WHERE guest_checkout_id IS NOT NULL")]
        assert any(
            e.lower() in accounts_by_email and accounts_by_email[e.lower()] != e
            for e in guest_emails
        )

        # phone numbers written in several ways
        phones = [str(p) for (p,) in _rows(
            engine, "SELECT phone FROM customers WHERE phone IS NOT NULL "
                    "UNION ALL SELECT phone FROM orders WHERE phone IS NOT NULL")]
        assert {_phone_style(p) for p in phones} >= {"plus spaced", "digits", "double zero"}
        assert any(re.fullmatch(r"\+47 \d{3} \d{2} \d{3}", p) for p in phones)
        assert any(re.fullmatch(r"0046 \d{2}-\d{3} \d{2} \d{2}", p) for p in phones)

        # chats mention names, phone numbers and e-mail addresses
        transcripts = [str(t) for (t,) in _rows(engine, "SELECT transcript FROM support_chats")]
        assert any("@" in t for t in transcripts)
        assert any(re.search(r"\d{2}[ -]?\d{2}[ -]?\d{2}", t) for t in transcripts)

        # no column anywhere holds something that passes for a card number
        for table in schema.metadata.sorted_tables:
            for row in _rows(engine, f"SELECT * FROM {table.name}"):
                for value in row:
                    if isinstance(value, str):
                        assert not _looks_like_card_number(value), (table.name, value)

        # about five years of history, ending before the reference date
        stamps = [_as_datetime(v) for (v,) in _rows(engine, "SELECT created_at FROM orders")]
        assert max(stamps) < datetime(2026, 6, 15)
        assert (max(stamps) - min(stamps)).days > 4 * 365
        logins = [_as_datetime(v) for (v,) in _rows(
            engine, "SELECT last_login_at FROM customers")]
        assert any((datetime(2026, 6, 15) - login).days > 3 * 365 for login in logins), (
            "some customers must be inactive for years, for the retention rule"
        )
    finally:
        schema.drop_schema(engine)
        engine.dispose()


def _checksums(url: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    try:
        sums = {}
        for table in schema.metadata.sorted_tables:
            digest = hashlib.sha256()
            for row in _rows(engine, f"SELECT * FROM {table.name} ORDER BY id"):
                digest.update(repr(tuple(row)).encode())
            sums[table.name] = digest.hexdigest()
        return sums
    finally:
        engine.dispose()


def test_the_same_seed_gives_the_same_rows(tmp_path: object) -> None:
    urls = [f"sqlite:///{tmp_path}/{name}.db" for name in ("a", "b", "c")]
    generate(urls[0], CUSTOMERS, seed=11, reference=REFERENCE)
    # a different chunk size must not change the rows: randomness is per fixed block
    generate(urls[1], CUSTOMERS, seed=11, reference=REFERENCE, batch_size=1)
    generate(urls[2], CUSTOMERS, seed=12, reference=REFERENCE)
    first, again, other = (_checksums(url) for url in urls)
    assert first == again
    assert all(first[name] != other[name] for name in first), "another seed, other rows"


def test_refuses_to_mix_with_an_earlier_run(sqlite_url: str) -> None:
    generate(sqlite_url, 10, seed=1, reference=REFERENCE)
    engine = sa.create_engine(sqlite_url)
    try:
        with pytest.raises(DemoTablesExistError, match="already has demo tables"):
            prepare(engine)
        report = generate(engine, 10, seed=2, reference=REFERENCE, replace=True)
        [(count,)] = _rows(engine, "SELECT count(*) FROM customers")
        assert count == report.counts["customers"] == 10
    finally:
        engine.dispose()


def test_keys_continue_after_the_generated_rows(database_url: str) -> None:
    """Keys were given explicitly; the shop's next insert must not collide with them."""
    engine = sa.create_engine(database_url)
    try:
        report = generate(engine, 5, seed=1, reference=REFERENCE)
        with engine.begin() as connection:
            result = connection.execute(schema.products.insert().values(
                sku="NEW", name="Ny vare", category="dog", brand="Fjordhund", price=10,
                created_at=datetime(2026, 1, 1)))
            assert result.inserted_primary_key is not None
            assert result.inserted_primary_key[0] == report.counts["products"] + 1
    finally:
        schema.drop_schema(engine)
        engine.dispose()
