"""Delete passes by ranges of pages on PostgreSQL, and the cap on a batch's write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from retention_shop import at, create, ids, manifest
from sqlalchemy.orm import Session

from personvern.retention import sweep as sweeping
from personvern.retention.blocks import PagePosition
from personvern.retention.rules import resolve
from personvern.retention.sweep import Settings, shop_engine, sweep_rule
from personvern.store.models import AuditEntry, RetentionSweep

LOGS = """    collections:
      logs:
        fields:
          id: {categories: system.operations, type: integer}
          note: {categories: system.operations, type: string}
          requested_at: {categories: system.operations, type: datetime}
        retention:
          - {action: delete, after: P2M, from: {column: requested_at}}
"""
ROWS = 3000
BY_PAGES = Settings(batch_size=100, page_min=0)  # any table goes by pages when scanned whole


def logs(url: str) -> sa.Table:
    """3,000 rows, every third one old enough to be due on 15 March 2024; a padded note
    so that the rows spread over some forty pages."""
    table = sa.Table("logs", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("note", sa.String(200), nullable=False),
                     sa.Column("requested_at", sa.DateTime, nullable=False))
    create(url, table, [{"id": i, "note": "x" * 100,
                         "requested_at": datetime(2023, 6, 1) if i % 3 == 0
                         else datetime(2024, 3, 1)} for i in range(1, ROWS + 1)])
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:  # the planner's estimate of the due share
        connection.exec_driver_sql("ANALYZE logs")
    engine.dispose()
    return table


def delete_rule(shop: Any) -> Any:
    return next(s for s in resolve(shop) if s.action == "delete")


def deletes_of(engine: sa.Engine) -> list[str]:
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    return statements


def test_a_large_table_is_swept_by_pages(postgres_url: str, tmp_path: Path,
                                         session: Session) -> None:
    table = logs(postgres_url)
    shop = manifest(tmp_path, postgres_url, LOGS)
    rule = delete_rule(shop)
    with shop_engine(shop, "shop") as engine:
        statements = deletes_of(engine)
        result = sweep_rule(session, engine, rule, at("2024-03-15"),
                            shop.organization.fiscal_year_start_month_day, BY_PAGES)
    assert result.rows == ROWS // 3 and result.batches > 1
    assert ids(postgres_url, table) == [i for i in range(1, ROWS + 1) if i % 3]
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert deletes and all("ctid >= CAST(" in s for s in deletes)
    state = session.get(RetentionSweep, rule.id)
    assert state is not None and state.status == "done" and state.rows == ROWS // 3
    position = PagePosition.from_json(state.cursor)
    assert position is not None and position.page == position.end
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert entry.detail["rows"] == ROWS // 3


def test_a_small_table_is_swept_by_key(postgres_url: str, tmp_path: Path,
                                       session: Session) -> None:
    logs(postgres_url)
    shop = manifest(tmp_path, postgres_url, LOGS)
    with shop_engine(shop, "shop") as engine:
        statements = deletes_of(engine)
        result = sweep_rule(session, engine, delete_rule(shop), at("2024-03-15"),
                            shop.organization.fiscal_year_start_month_day,
                            Settings(batch_size=100))  # the default: 10,000 pages at least
    assert result.rows == ROWS // 3
    assert not any("ctid" in s for s in statements)


def test_an_index_on_the_anchor_keeps_a_pass_by_key(postgres_url: str, tmp_path: Path,
                                                    session: Session) -> None:
    """Few rows due and an index that finds them: the planner would not read the table
    whole, so neither does the sweep."""
    table = logs(postgres_url)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE INDEX ix_logs_at ON logs (requested_at)")
        connection.execute(sa.update(table).where(table.c.id > 30).values(
            requested_at=datetime(2024, 3, 1)))
        connection.exec_driver_sql("ANALYZE logs")
    engine.dispose()
    shop = manifest(tmp_path, postgres_url, LOGS)
    with shop_engine(shop, "shop") as shop_db:
        statements = deletes_of(shop_db)
        result = sweep_rule(session, shop_db, delete_rule(shop), at("2024-03-15"),
                            shop.organization.fiscal_year_start_month_day, BY_PAGES)
    assert result.rows == 10  # 3, 6 … 30
    assert any(s.startswith("EXPLAIN") for s in statements)
    assert not any("ctid" in s for s in statements if s.upper().startswith("DELETE"))


class KilledError(Exception):
    pass


def kill_after(count: int, seen: list[int]) -> Any:
    def report(_sweep: Any, _seen: int, changed: int) -> None:
        seen.append(changed)
        if len(seen) == count:
            raise KilledError

    return report


@pytest.mark.parametrize("rewrite", [False, True], ids=["as is", "rewritten meanwhile"])
def test_a_killed_pass_by_pages_resumes_where_it_stopped(
        postgres_url: str, tmp_path: Path, session: Session, rewrite: bool) -> None:
    table = logs(postgres_url)
    shop = manifest(tmp_path, postgres_url, LOGS)
    rule = delete_rule(shop)
    fiscal = shop.organization.fiscal_year_start_month_day
    moment = at("2024-03-15")
    done: list[int] = []
    with shop_engine(shop, "shop") as engine:
        with pytest.raises(KilledError):
            sweep_rule(session, engine, rule, moment, fiscal, BY_PAGES, kill_after(2, done))
        state = session.get(RetentionSweep, rule.id)
        assert state is not None and state.status == "running" and state.rows == sum(done)
        stopped = PagePosition.from_json(state.cursor)
        assert stopped is not None and 0 < stopped.page < stopped.end
        if rewrite:  # VACUUM FULL moves every row: the stored page means nothing now
            raw = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
            with raw.connect() as connection:
                connection.exec_driver_sql("VACUUM FULL logs")
            raw.dispose()
        statements = deletes_of(engine)
        resumed = sweep_rule(session, engine, rule, moment, fiscal, BY_PAGES)
    assert resumed.resumed
    assert ids(postgres_url, table) == [i for i in range(1, ROWS + 1) if i % 3]
    first = next(s for s in statements if s.lstrip().upper().startswith("DELETE"))
    assert first  # the resumed pass wrote again, and started at the stored page or at 0
    entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    # Nothing counted twice: the killed pass and the resumed one add up to the due rows.
    assert entries[0].detail["rows"] == ROWS // 3
    assert entries[0].detail["resumed"] is True


def test_a_write_held_up_past_the_cap_is_done_again_smaller(
        postgres_url: str, tmp_path: Path, session: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another transaction holds a due row; the batch's DELETE waits on it past the cap,
    is stopped and rolled back, and the batch is done again four times smaller until the
    row is free. Every due row goes, once."""
    monkeypatch.setattr(sweeping, "WRITE_CAP_SECONDS", 0.2)
    table = logs(postgres_url)
    shop = manifest(tmp_path, postgres_url, LOGS)
    holder = sa.create_engine(postgres_url)
    connection = holder.connect()
    transaction = connection.begin()
    connection.execute(sa.select(table.c.id).where(table.c.id == 3).with_for_update()).all()
    stopped: list[str] = []

    def release(context: Any) -> None:  # the first stopped write frees the row
        stopped.append(getattr(context.original_exception, "sqlstate", ""))
        if transaction.is_active:
            transaction.commit()

    try:
        with shop_engine(shop, "shop") as engine:
            sa.event.listen(engine, "handle_error", release)
            statements = deletes_of(engine)
            result = sweep_rule(session, engine, delete_rule(shop), at("2024-03-15"),
                                shop.organization.fiscal_year_start_month_day,
                                Settings(batch_size=1000))
    finally:
        connection.close()
        holder.dispose()
    assert stopped == ["57014"]
    assert result.rows == ROWS // 3
    assert ids(postgres_url, table) == [i for i in range(1, ROWS + 1) if i % 3]
    caps = [s for s in statements if s.startswith("SET LOCAL statement_timeout = 200")]
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == len(caps) > result.batches  # at least one write was stopped


def test_a_write_that_cannot_finish_even_at_the_smallest_batch_fails_cleanly(
        postgres_url: str, tmp_path: Path, session: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweeping, "WRITE_CAP_SECONDS", 0.05)
    table = logs(postgres_url)
    shop = manifest(tmp_path, postgres_url, LOGS)
    rule = delete_rule(shop)
    holder = sa.create_engine(postgres_url)
    with holder.connect() as connection, connection.begin():
        connection.execute(sa.select(table.c.id).where(table.c.id == 3).with_for_update()
                           ).all()
        with shop_engine(shop, "shop") as engine, pytest.raises(sa.exc.OperationalError):
            sweep_rule(session, engine, rule, at("2024-03-15"),
                       shop.organization.fiscal_year_start_month_day, Settings(batch_size=100))
    holder.dispose()
    assert len(ids(postgres_url, table)) == ROWS  # nothing of the stopped batch stayed
    state = session.get(RetentionSweep, rule.id)
    assert state is not None and state.status == "running" and state.rows == 0


def test_probes_past_the_last_due_row_look_a_window_ahead(database_url: str, tmp_path: Path,
                                                         session: Session) -> None:
    """The due rows are the oldest, at the lowest keys; after them, no probe reads the
    rest of the table in one statement, however long it is."""
    table = sa.Table("logs", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("note", sa.String(200), nullable=False),
                     sa.Column("requested_at", sa.DateTime, nullable=False))
    create(database_url, table, [{"id": i, "note": "-", "requested_at": datetime(2023, 6, 1)
                                  if i <= 150 else datetime(2024, 3, 1)}
                                 for i in range(1, 2001)])
    shop = manifest(tmp_path, database_url, LOGS)
    rule = delete_rule(shop)
    with shop_engine(shop, "shop") as engine:
        sweep_rule(session, engine, rule, at("2023-01-01"),  # reflect, and pass once
                   shop.organization.fiscal_year_start_month_day)
        statements = deletes_of(engine)
        result = sweep_rule(session, engine, rule, at("2024-03-15"),
                            shop.organization.fiscal_year_start_month_day,
                            Settings(batch_size=100))
    assert result.rows == 150
    assert ids(database_url, table) == list(range(151, 2001))
    probes = [s for s in statements if "min(logs.id)" in s]
    assert len(probes) > 2
    assert all("logs.id <=" in probe for probe in probes[1:]), probes
    state = session.get(RetentionSweep, rule.id)
    assert state is not None and state.status == "done" and state.rows == 150
