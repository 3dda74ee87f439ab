"""Anchors in a parent row (account closure), date columns, and the strategies computed in
Python on one backend and in SQL on another giving the same values."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from retention_shop import at, create, ids, manifest, pairs, select
from sqlalchemy.orm import Session

from personvern.datastores import masking
from personvern.jobs.queue import make_app
from personvern.jobs.registry import JobEnvironment
from personvern.retention.jobs import RETENTION_SWEEP
from personvern.retention.sweep import Settings, run
from personvern.store.database import make_engine

BODY = """    collections:
      customers:
        fields:
          id: {categories: user.unique_id, type: integer}
          closed_at: {categories: user.account, type: datetime}
      addresses:
        fields:
          id: {categories: system.operations, type: integer}
          customer_id: {categories: user.unique_id, references: customers.id, type: integer}
          street: {categories: user.contact.address.street, type: string}
        retention:
          - {action: delete, after: P3Y, from: account_closed}
      visits:
        fields:
          id: {categories: system.operations, type: integer}
          user_agent:
            categories: user.device
            type: string
            retention:
              - {action: anonymize, after: P30D, from: {column: visited_on},
                 masking: generalize_user_agent}
          first_seen:
            categories: user.behavior
            type: datetime
            retention:
              - {action: anonymize, after: P30D, from: {column: visited_on},
                 masking: {strategy: generalize_date, precision: month}}
          visited_on: {categories: system.operations, type: date}
"""
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.4.0",
]


def test_account_closure_counts_from_the_customer_row(database_url: str, tmp_path: Path,
                                                      session: Session) -> None:
    metadata = sa.MetaData()
    customers = sa.Table("customers", metadata,
                         sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                         sa.Column("closed_at", sa.DateTime))
    addresses = sa.Table("addresses", metadata,
                         sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                         sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
                         sa.Column("street", sa.String(100)))
    create(database_url, customers, [{"id": 1, "closed_at": datetime(2020, 5, 1, 8)},
                                     {"id": 2, "closed_at": datetime(2020, 5, 2, 8)},
                                     {"id": 3, "closed_at": None}])
    create(database_url, addresses, [{"id": 10 + i, "customer_id": i, "street": "Bryggen 1"}
                                     for i in (1, 2, 3)])
    shop = manifest(tmp_path, database_url, BODY)
    run(session, shop, at("2023-05-02"), rules=["shop.addresses.retention[0]"])
    assert ids(database_url, addresses) == [12, 13]  # closed 1 May 2020: due 2 May 2023
    run(session, shop, at("2023-05-03"), rules=["shop.addresses.retention[0]"])
    assert ids(database_url, addresses) == [13]  # an open account keeps its address


def test_user_agents_and_dates_are_generalised(database_url: str, tmp_path: Path,
                                               session: Session) -> None:
    visits = sa.Table("visits", sa.MetaData(),
                      sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                      sa.Column("user_agent", sa.String(400)),
                      sa.Column("first_seen", sa.DateTime),
                      sa.Column("visited_on", sa.Date, nullable=False))
    create(database_url, visits, [
        {"id": i, "user_agent": agent, "first_seen": datetime(2024, 2, 10 + i, 13, 45),
         "visited_on": date(2024, 3, 1) if i < 3 else date(2024, 4, 1)}
        for i, agent in enumerate(AGENTS)])
    shop = manifest(tmp_path, database_url, BODY)
    run(session, shop, at("2024-04-01"), rules=["shop.visits.user_agent.retention[0]",
                                                "shop.visits.first_seen.retention[0]"])
    agents = pairs(database_url, sa.select(visits.c.id, visits.c.user_agent))
    assert [agents[i] for i in range(3)] == ["Chrome", "Firefox", "bot"]
    assert agents[3] == AGENTS[3]  # visited 1 April: not yet due
    seen = pairs(database_url, sa.select(visits.c.id, visits.c.first_seen))
    for i in range(3):
        assert seen[i] == masking.generalize_date(datetime(2024, 2, 10 + i, 13, 45), "month")
    assert seen[3] == datetime(2024, 2, 13, 13, 45)


def test_procrastinate_defers_the_sweep_daily(sqlite_url: str) -> None:
    # The app is only built, not opened: registering tasks needs no server.
    engine = make_engine(sqlite_url)
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                   environment=JobEnvironment(engine=engine), periodic=True)
    crons = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert crons[RETENTION_SWEEP] == "0 0 * * *"
    engine.dispose()


CONSTANTS = """    collections:
      tickets:
        fields:
          id: {categories: system.operations, type: integer}
          name: {categories: user.name, type: string}
          phone: {categories: user.contact.phone_number, type: string}
          created_at: {categories: system.operations, type: datetime}
        retention:
          - action: anonymize
            after: P1Y
            from: {column: created_at}
            fields: [name, phone]
            masking: {strategy: redact, value: "[slettet]"}
"""


def test_constant_masks_are_one_update_and_never_repeated(
        database_url: str, tmp_path: Path, session: Session) -> None:
    tickets = sa.Table("tickets", sa.MetaData(),
                       sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                       sa.Column("name", sa.String(5), nullable=False),
                       sa.Column("phone", sa.String(20)),
                       sa.Column("created_at", sa.DateTime, nullable=False))
    create(database_url, tickets, [
        {"id": i, "name": "Kari", "phone": "+4790000000" if i % 2 else None,
         "created_at": datetime(2022, 1, 1) if i <= 30 else datetime(2024, 1, 1)}
        for i in range(1, 41)])
    shop = manifest(tmp_path, database_url, CONSTANTS)
    first = run(session, shop, at("2024-06-01"))
    assert first.sweeps[0].rows == 30
    rows = {r.id: r for r in select(database_url, sa.select(tickets))}
    # The replacement is cut to the column's length, as an erasure writes it.
    assert {rows[i].name for i in range(1, 31)} == {"[slet"}
    assert {rows[i].phone for i in range(1, 31)} == {"[slettet]"}
    assert rows[31].name == "Kari"
    again = run(session, shop, at("2024-06-01"), Settings(full=True))
    assert again.sweeps[0].rows == 0
