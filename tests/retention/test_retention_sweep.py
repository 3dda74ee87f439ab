"""Sweeps on SQLite, PostgreSQL and MariaDB with a frozen clock."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from retention_shop import at, create, ids, manifest, pairs, select
from sqlalchemy.orm import Session

from personvern.audit.chain import verify as verify_chain
from personvern.datastores import masking
from personvern.keys import derive_key
from personvern.retention.plan import plan
from personvern.retention.rules import resolve
from personvern.retention.sweep import Settings, run, shop_engine, sweep_rule
from personvern.retention.verify import verify
from personvern.store.models import AuditEntry, RetentionSweep

LOGS = """    collections:
      logs:
        fields:
          id: {categories: system.operations, type: integer}
          ip_address:
            categories: user.device.ip_address
            type: string
            retention:
              - {action: anonymize, after: P7D, from: {column: requested_at}, masking: truncate_ip}
          requested_at: {categories: system.operations, type: datetime}
        retention:
          - {action: delete, after: P2M, from: {column: requested_at}}
"""


def logs_table(nullable_ip: bool = False) -> sa.Table:
    return sa.Table("logs", sa.MetaData(),
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("ip_address", sa.String(45), nullable=nullable_ip),
                    sa.Column("requested_at", sa.DateTime, nullable=False))


def test_rows_exactly_at_the_boundary(database_url: str, tmp_path: Path,
                                      session: Session) -> None:
    table = logs_table()
    create(database_url, table, [
        {"id": 1, "ip_address": "192.0.2.1", "requested_at": datetime(2024, 1, 9, 23, 59, 59)},
        {"id": 2, "ip_address": "192.0.2.2", "requested_at": datetime(2024, 1, 10, 0, 0, 0)},
        {"id": 3, "ip_address": "192.0.2.3", "requested_at": datetime(2024, 1, 10, 23, 59, 59)},
        {"id": 4, "ip_address": "192.0.2.4", "requested_at": datetime(2024, 1, 11, 0, 0, 0)},
    ])
    shop = manifest(tmp_path, database_url, LOGS)
    # 10 March: rows stored on 10 January are still within their two months.
    run(session, shop, at("2024-03-10"), rules=["shop.logs.retention[0]"])
    assert ids(database_url, table) == [2, 3, 4]
    # 11 March: the whole of 10 January is due, 11 January is not.
    run(session, shop, at("2024-03-11"), rules=["shop.logs.retention[0]"])
    assert ids(database_url, table) == [4]


def test_anonymise_then_delete_and_verify(database_url: str, tmp_path: Path,
                                          session: Session) -> None:
    table = logs_table()
    create(database_url, table, [
        {"id": i, "ip_address": f"198.51.100.{i}", "requested_at": datetime(2024, 3, 1 + i)}
        for i in range(1, 21)])
    shop = manifest(tmp_path, database_url, LOGS)
    moment = at("2024-03-15")  # due for anonymising: stored before 8 March (days 2..7)
    report = verify(shop, moment, session)
    assert not report.compliant
    assert [r.past_due_rows for r in report.rules] == [0, 6]
    result = run(session, shop, moment, Settings(batch_size=100))
    assert [s.rows for s in result.sweeps] == [0, 6]
    rows = select(database_url, sa.select(table.c.id, table.c.ip_address).order_by(table.c.id))
    assert [row.ip_address for row in rows[:6]] == ["198.51.100.0"] * 6
    assert rows[6].ip_address == "198.51.100.7"
    assert verify(shop, moment, session).compliant
    audit = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.subject, e.detail["rows"]) for e in audit] == [
        ("retention.delete", "shop.logs.retention[0]", 0),
        ("retention.anonymize", "shop.logs.ip_address.retention[0]", 6)]
    assert verify_chain(session).intact


def test_a_killed_sweep_resumes_without_double_work(database_url: str, tmp_path: Path,
                                                   session: Session) -> None:
    table = logs_table()
    create(database_url, table, [
        {"id": i, "ip_address": "192.0.2.9",
         "requested_at": datetime(2023, 1, 1) if i % 2 else datetime(2024, 3, 1)}
        for i in range(1, 1001)])
    shop = manifest(tmp_path, database_url, LOGS)
    delete = next(s for s in resolve(shop) if s.action == "delete")
    fiscal = shop.organization.fiscal_year_start_month_day
    moment = at("2024-03-15")
    batches: list[int] = []

    class KilledError(Exception):
        pass

    def kill_after_two(_sweep: Any, _seen: int, changed: int) -> None:
        batches.append(changed)
        if len(batches) == 2:
            raise KilledError

    with shop_engine(shop, "shop") as engine:
        with pytest.raises(KilledError):
            sweep_rule(session, engine, delete, moment, fiscal, Settings(batch_size=100),
                       kill_after_two)
        state = session.get(RetentionSweep, delete.id)
        assert state is not None and state.status == "running"
        # Keys 1…100 and 101…200 hold the due rows 1, 3 … 199.
        assert (state.rows, state.cursor) == (100, [200])
        assert len(ids(database_url, table)) == 900
        # The engine's store lost the second batch's progress (killed between the shop's
        # commit and its own): that key range is looked at again, and has nothing left.
        state.cursor, state.rows, state.batches = [100], 50, 1
        session.commit()
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
        resumed = sweep_rule(session, engine, delete, moment, fiscal, Settings(batch_size=100))
    assert resumed.resumed and resumed.rows == 400
    assert len(ids(database_url, table)) == 500
    assert all(i % 2 == 0 for i in ids(database_url, table))
    state = session.get(RetentionSweep, delete.id)
    assert state is not None and state.status == "done" and state.rows == 0
    entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    # Nothing is deleted or counted twice: the batch whose progress was lost is not counted
    # again (its rows were already gone). The fresh pass that followed found nothing.
    assert [e.detail["rows"] for e in entries] == [450, 0]
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 8  # keys 201…300 to 901…1000: no key range written twice


def test_a_rule_that_matches_nothing_costs_one_statement(database_url: str, tmp_path: Path,
                                                        session: Session) -> None:
    table = logs_table()
    create(database_url, table, [
        {"id": i, "ip_address": "192.0.2.9", "requested_at": datetime(2024, 3, 10)}
        for i in range(1, 50)])
    shop = manifest(tmp_path, database_url, LOGS)
    fiscal = shop.organization.fiscal_year_start_month_day
    moment = at("2024-03-12")
    with shop_engine(shop, "shop") as engine:
        for sweep in resolve(shop):
            sweep_rule(session, engine, sweep, moment, fiscal)  # reflects the table once
        for sweep in resolve(shop):
            statements: list[str] = []

            def record(*args: Any, into: list[str] = statements) -> None:
                into.append(args[2])

            sa.event.listen(engine, "before_cursor_execute", record)
            result = sweep_rule(session, engine, sweep, moment, fiscal)
            sa.event.remove(engine, "before_cursor_execute", record)
            assert result.rows == 0 and result.batches == 0
            assert len(statements) == 1 and statements[0].lstrip().upper().startswith(
                "SELECT"), statements


ADDRESSES = [
    "192.0.2.77", "10.1.2.3", "255.255.255.255", " 203.0.113.9 ",
    "2001:db8:85a3:8d3:1319:8a2e:370:7348",
    "2001:DB8::1", "::1", "::", "fe80::1:2:3:4", "::ffff:192.0.2.7", "::ffff:c000:207",
    "2001:db8:0:1::5", "not an address", "300.1.2.3", "1.2.3", "01.2.3.4", "",
]


def test_ip_addresses_are_truncated_as_legal_md_says(database_url: str, tmp_path: Path,
                                                    session: Session) -> None:
    table = logs_table(nullable_ip=True)
    create(database_url, table, [
        {"id": i, "ip_address": address, "requested_at": datetime(2024, 1, 1)}
        for i, address in enumerate(ADDRESSES, start=1)])
    shop = manifest(tmp_path, database_url, LOGS)
    run(session, shop, at("2024-01-20"), rules=["shop.logs.ip_address.retention[0]"])
    rows = pairs(database_url, sa.select(table.c.id, table.c.ip_address))
    for i, address in enumerate(ADDRESSES, start=1):
        expected = masking.truncate_ip(address)
        if expected is not None:
            assert rows[i] == expected, address
            network = ipaddress.ip_network(f"{expected}/{24 if '.' in expected else 48}")
            assert str(network.network_address) == expected
        else:
            assert rows[i] is None, address
    assert rows[1] == "192.0.2.0" and rows[5] == "2001:db8:85a3::"
    assert rows[10] == rows[11] == "192.0.2.0"  # IPv4-mapped: kept as IPv4 /24
    again = run(session, shop, at("2024-01-20"), Settings(full=True),
                rules=["shop.logs.ip_address.retention[0]"])
    assert again.sweeps[0].rows == 0  # already anonymised: nothing written twice


ACCOUNTS = """    activity: [customers.last_login_at, orders.created_at]
    collections:
      customers:
        fields:
          id: {categories: user.unique_id, type: integer}
          email: {categories: user.contact.email, identity: email, type: string,
                  erasure: pseudonymize}
          name: {categories: user.name, type: string,
                 erasure: {strategy: redact, value: "[slettet]"}}
          last_login_at: {categories: user.behavior, type: datetime, erasure: nullify}
        retention:
          - {action: anonymize, after: P3Y, from: last_activity,
             fields: [email, name, last_login_at]}
      orders:
        fields:
          id: {categories: user.unique_id, type: integer}
          customer_id: {categories: user.unique_id, references: customers.id, type: integer}
          created_at: {categories: user.behavior.purchase_history, type: datetime}
          email: {categories: user.contact.email, type: string, erasure: pseudonymize}
        retention:
          - {action: anonymize, after: P5Y, from: {column: created_at, end_of: fiscal_year},
             fields: [email]}
"""


def _accounts(url: str) -> tuple[sa.Table, sa.Table]:
    metadata = sa.MetaData()
    customers = sa.Table("customers", metadata,
                         sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                         sa.Column("email", sa.String(200)), sa.Column("name", sa.String(100)),
                         sa.Column("last_login_at", sa.DateTime))
    orders = sa.Table("orders", metadata,
                      sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                      sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
                      sa.Column("created_at", sa.DateTime), sa.Column("email", sa.String(200)))
    create(url, customers, [
        # 1: last login 2020, no orders → inactive. 2: old login, order in 2022 → active.
        # 3: login within three years → active. 4: never logged in, old order → inactive.
        {"id": 1, "email": "Kari@Example.no", "name": "Kari",
         "last_login_at": datetime(2020, 5, 1)},
        {"id": 2, "email": "ola@example.no", "name": "Ola", "last_login_at": datetime(2019, 1, 1)},
        {"id": 3, "email": "per@example.no", "name": "Per", "last_login_at": datetime(2022, 6, 2)},
        {"id": 4, "email": "eva@example.no", "name": "Eva", "last_login_at": None},
    ])
    create(url, orders, [
        {"id": 10, "customer_id": 2, "created_at": datetime(2022, 1, 5),
         "email": "ola@example.no"},
        {"id": 11, "customer_id": 4, "created_at": datetime(2019, 12, 31, 23, 59),
         "email": "eva@example.no"},
        {"id": 12, "customer_id": 4, "created_at": datetime(2020, 1, 1, 0, 0),
         "email": "eva@example.no"},
    ])
    return customers, orders


def test_inactive_accounts_by_last_activity(database_url: str, tmp_path: Path,
                                            session: Session) -> None:
    customers, _ = _accounts(database_url)
    shop = manifest(tmp_path, database_url, ACCOUNTS)
    moment = at("2024-06-01")  # three years back: activity before 1 June 2021 is old
    assert [p.due.rows for p in plan(shop, moment)] == [2, 0]
    run(session, shop, moment, rules=["shop.customers.retention[0]"])
    rows = {r.id: r for r in select(database_url, sa.select(customers))}
    key = derive_key("pseudonym")
    assert masking.is_pseudonym(rows[1].email, key) and rows[1].name == "[slettet]"
    # Pseudonymised as lower case, so the same person joins across tables (as erasure does).
    assert rows[1].email == masking.pseudonymize("kari@example.no", key, 200)
    assert rows[1].last_login_at is None
    assert rows[4].name == "[slettet]" and rows[4].email != "eva@example.no"
    assert (rows[2].name, rows[3].name) == ("Ola", "Per")
    assert verify(shop, moment, session).rules[0].past_due_rows == 0


def test_fiscal_year_anchor_around_new_year(database_url: str, tmp_path: Path,
                                           session: Session) -> None:
    _, orders = _accounts(database_url)
    shop = manifest(tmp_path, database_url, ACCOUNTS)
    rule = ["shop.orders.retention[0]"]
    run(session, shop, at("2024-12-31"), rules=rule)
    emails = pairs(database_url, sa.select(orders.c.id, orders.c.email))
    assert emails[11] == emails[12] == "eva@example.no"
    run(session, shop, at("2025-01-01"), rules=rule)
    emails = pairs(database_url, sa.select(orders.c.id, orders.c.email))
    assert emails[11] != "eva@example.no" and emails[12] == "eva@example.no"
    assert emails[10] == "ola@example.no"
    status = verify(shop, at("2025-01-01"), session).rules[1]
    assert not status.past_due and str(status.oldest_due_on) == "2026-01-01"
