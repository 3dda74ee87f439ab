"""The walk in one round trip on PostgreSQL, and what it reuses from one request to the next.

On PostgreSQL every step of a plan without phone numbers finds its sources in SQL and all
steps go to the server together (``plan._run_pipelined``). These tests hold that this
finds exactly what the step-by-step walk finds, on random schemas; that the queries stay
prepared between requests; and that plans, graphs and engines are made once.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from datastores_shop import shop_datastore, shop_metadata
from hypothesis import HealthCheck, given, settings
from test_datastores_plan_properties import RandomSchema, _expected, populated

from personvern.datastores.connect import connect, shared_engine
from personvern.datastores.graph import SubjectGraph
from personvern.datastores.plan import build_plan, execute, pipelined


def _create(url: str, schema: RandomSchema, rows: dict[int, list[dict[str, Any]]]) -> None:
    writer = sa.create_engine(url)
    metadata = sa.MetaData()
    for table in range(schema.tables):
        columns: list[sa.Column[Any]] = [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)]
        if table in schema.identity:
            columns.append(sa.Column("email", sa.String(50)))
        if table in schema.personal:
            columns.append(sa.Column("full_name", sa.String(50)))
        for index, (child, _) in enumerate(schema.references):
            if child == table:
                columns.append(sa.Column(schema.column(index), sa.Integer))
        sa.Table(schema.name(table), metadata, *columns)
    with writer.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    metadata.create_all(writer)
    with writer.begin() as connection:
        for table, table_rows in rows.items():
            if table_rows:
                connection.execute(metadata.tables[schema.name(table)].insert(), table_rows)
    writer.dispose()


@given(populated())
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_one_round_trip_finds_what_the_step_by_step_walk_finds(
    postgres_url: str, case: tuple[RandomSchema, dict[int, list[dict[str, Any]]]],
) -> None:
    schema, rows = case
    _create(postgres_url, schema, rows)
    plan = build_plan(schema.datastore(postgres_url), "email")
    reader = connect(schema.datastore(postgres_url), name="random")
    try:
        with reader.connect() as connection:
            assert pipelined(connection, plan)
        together = execute(plan, reader, ["a@X.no"], include_shared=True)
        stepwise = execute(plan, reader, ["a@X.no"], include_shared=True, chunk_size=2,
                           one_round_trip=False)
        safe_only = execute(plan, reader, ["a@X.no"])
    finally:
        reader.dispose()
    expected = _expected(schema, rows, [(s.collection, list(s.via)) for s in plan.steps])

    def ids(found: dict[str, list[dict[str, Any]]]) -> dict[str, set[int]]:
        return {c: {r["id"] for r in found[c]} for c in found}

    assert ids(together) == expected == ids(stepwise)
    # Each row once, even when two branches of a step's UNION ALL find it.
    assert all(len(found) == len({r["id"] for r in found}) for found in together.values())
    flagged = {s.collection for s in plan.steps if s.through_shared_parent}
    assert set(safe_only) == set(together) - flagged


def _small_shop(url: str) -> sa.Engine:
    writer = sa.create_engine(url)
    shop_metadata().create_all(writer)
    with writer.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO customers (id, email, phone, fornavn) "
            "VALUES (1, 'Kari@Example.no', NULL, 'Kari')"))
        connection.execute(sa.text(
            "INSERT INTO orders (id, customer_id, email, total) VALUES (10, 1, NULL, 5)"))
    return writer


def test_queries_stay_prepared_from_one_walk_to_the_next(postgres_url: str) -> None:
    writer = _small_shop(postgres_url)
    writer.dispose()
    datastore = shop_datastore(postgres_url)
    reader = connect(datastore, name="shop")
    plan = build_plan(datastore, "email")
    try:
        for _ in range(7):  # psycopg prepares a query the sixth time it sees it
            found = execute(plan, reader, ["kari@example.no"])
            assert {r["id"] for r in found["orders"]} == {10}
        with reader.connect() as connection:
            prepared = connection.execute(sa.text(
                "SELECT count(*) FROM pg_prepared_statements")).scalar_one()
            # The walk ended with COMMIT: psycopg keeps what it prepared (a ROLLBACK would
            # have deallocated every statement, and each walk would be planned anew).
            assert prepared == len(plan.steps)
            mode = connection.execute(sa.text("SHOW plan_cache_mode")).scalar_one()
            assert mode == "force_generic_plan"
    finally:
        reader.dispose()


def test_a_plan_and_a_graph_are_made_once_per_datastore() -> None:
    datastore = shop_datastore()
    assert build_plan(datastore, "email") is build_plan(datastore, "email")
    assert build_plan(datastore, "email") is not build_plan(datastore, "phone")
    assert build_plan(datastore, "phone", default_region="NO") is not build_plan(
        datastore, "phone", default_region="SE")
    assert SubjectGraph.of(datastore) is SubjectGraph.of(datastore)
    other = shop_datastore()  # equal, but another manifest load: its own plan
    assert build_plan(other, "email") is not build_plan(datastore, "email")
    assert build_plan(other, "email") == build_plan(datastore, "email")


def test_shared_engine_is_kept_and_survives_a_lost_connection(postgres_url: str) -> None:
    _small_shop(postgres_url).dispose()
    datastore = shop_datastore(postgres_url)
    engine = shared_engine(datastore, name="shop")
    assert shared_engine(datastore, name="shop") is engine
    writable = shared_engine(datastore, name="shop", read_only=False)
    assert writable is not engine
    with engine.connect() as connection:
        pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with pytest.raises(sa.exc.InternalError, match="read-only"):
            connection.execute(sa.text("DELETE FROM orders"))
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # the server drops the pooled connection
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    found = execute(build_plan(datastore, "email"), engine, ["KARI@example.no"])
    assert {r["id"] for r in found["customers"]} == {1}
    engine.dispose()
    writable.dispose()


def test_an_error_in_the_round_trip_is_sqlalchemys_without_the_identity(
    postgres_url: str,
) -> None:
    writer = _small_shop(postgres_url)
    with writer.begin() as connection:  # the schema drifted from the manifest
        connection.execute(sa.text("ALTER TABLE orders DROP COLUMN total"))
    writer.dispose()
    reader = connect(shop_datastore(postgres_url), name="shop")
    try:
        with pytest.raises(sa.exc.ProgrammingError, match="total") as raised:
            execute(build_plan(shop_datastore(postgres_url), "email"), reader,
                    ["kari@example.no"])
        assert "kari@example.no" not in str(raised.value)
        # The connection went back to the pool clean: the next walk works.
        with reader.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        reader.dispose()
