"""Fill a database with the demo shop at any scale, fast.

The rows come from :mod:`personvern.demo.rows`; this module puts them in with each
backend's fastest bulk path: ``COPY … FROM STDIN`` on PostgreSQL (psycopg 3), multi-row
``INSERT`` through ``executemany`` on MySQL/MariaDB (PyMySQL batches them) and SQLite.
Tables start with primary keys only; indexes and foreign keys follow once the rows are in
(see :func:`personvern.demo.schema.create_tables`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa

from personvern.demo import rows, schema
from personvern.demo.rows import Chunk, Row

DEFAULT_BATCH = 10_000
"""Customers generated and loaded per chunk: bounds memory for a million customers."""


class DemoTablesExistError(RuntimeError):
    """The target database already has demo tables; generating needs a fresh start."""


@dataclass
class Report:
    """What a generation run put where, and how fast."""

    backend: str
    customers: int
    seed: int
    reference: date
    counts: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0  # generating and loading the rows
    index_seconds: float = 0.0  # building indexes and foreign keys afterwards

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.index_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# --- bulk loaders --------------------------------------------------------------------


class BulkLoader(Protocol):
    def load(self, table: sa.Table, rows: list[Row]) -> None: ...

    def commit(self) -> None: ...


def _column_list(table: sa.Table) -> str:
    return ", ".join(column.name for column in table.columns)


class CopyLoader:
    """PostgreSQL: one ``COPY`` per table and chunk, rows written by psycopg's C code."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection  # a psycopg.Connection

    def load(self, table: sa.Table, rows: list[Row]) -> None:
        with self.connection.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({_column_list(table)}) FROM STDIN"
        ) as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    def commit(self) -> None:
        self.connection.commit()


class ExecuteManyLoader:
    """SQLite and MySQL/MariaDB: ``executemany`` over the whole chunk of a table.

    PyMySQL turns an ``INSERT … VALUES (…)`` executemany into multi-row INSERTs of up to
    about 1 MB each; sqlite3 steps one prepared statement. Both are the drivers' bulk path.
    """

    def __init__(self, connection: Any, placeholder: str) -> None:
        self.connection = connection
        self.placeholder = placeholder

    def load(self, table: sa.Table, rows: list[Row]) -> None:
        marks = ", ".join([self.placeholder] * len(table.columns))
        cursor = self.connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {table.name} ({_column_list(table)}) VALUES ({marks})",  # noqa: S608 - names from our schema
                rows,
            )
        finally:
            cursor.close()

    def commit(self) -> None:
        self.connection.commit()


@contextmanager
def bulk_loader(engine: sa.Engine) -> Iterator[BulkLoader]:
    """The fastest loader for ``engine``'s backend, on a raw DBAPI connection."""
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        name = engine.dialect.name
        loader: BulkLoader
        if name == "postgresql":
            loader = CopyLoader(driver)
        elif name == "sqlite":
            # Demo data can be made again; a crash mid-load need not survive a power cut.
            driver.execute("PRAGMA synchronous = OFF")
            loader = ExecuteManyLoader(driver, "?")
        else:
            loader = ExecuteManyLoader(driver, "%s")
        yield loader
        loader.commit()
    finally:
        raw.close()


def load_chunk(loader: BulkLoader, chunk: Chunk) -> None:
    for table in schema.metadata.sorted_tables:
        batch = chunk[table.name]
        if batch:
            loader.load(table, batch)
    loader.commit()


# --- the run -------------------------------------------------------------------------


def prepare(engine: sa.Engine, *, replace: bool = False) -> None:
    """Create the demo tables (keys only), refusing to mix with an earlier run's rows."""
    existing = set(sa.inspect(engine).get_table_names()) & set(schema.metadata.tables)
    if existing and not replace:
        raise DemoTablesExistError(
            f"the database already has demo tables ({', '.join(sorted(existing))}); "
            "use a fresh database or --replace"
        )
    if existing:
        schema.drop_schema(engine)
    schema.create_tables(engine)


def finish(engine: sa.Engine) -> None:
    """Indexes, foreign keys, sequences and planner statistics, after the load."""
    schema.create_indexes_and_foreign_keys(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            # Keys were given explicitly, so the sequences still stand at 1.
            for table in schema.metadata.sorted_tables:
                name = table.name  # from our own schema, not from input
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


def generate(
    url: str | sa.Engine,
    customers: int,
    *,
    seed: int = 1,
    reference: date | None = None,
    batch_size: int = DEFAULT_BATCH,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Generate the demo shop with ``customers`` customers into the database at ``url``.

    ``reference`` is "today" for the data: five years of history end the day before it,
    so that retention rules and legal holds find rows on either side of their limits.
    ``progress`` is told how many customers are done after each chunk.
    """
    engine = url if isinstance(url, sa.Engine) else sa.create_engine(url)
    reference = reference or date.today()
    report = Report(engine.dialect.name, customers, seed, reference,
                    counts=dict.fromkeys(schema.metadata.tables, 0))
    try:
        started = time.perf_counter()
        prepare(engine, replace=replace)
        with bulk_loader(engine) as loader:
            for made, chunk in rows.chunks(customers, seed=seed, reference=reference,
                                           chunk_customers=batch_size):
                load_chunk(loader, chunk)
                for name, batch in chunk.items():
                    report.counts[name] += len(batch)
                if progress:
                    progress(made)
        report.load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        finish(engine)
        report.index_seconds = time.perf_counter() - started
    finally:
        if not isinstance(url, sa.Engine):
            engine.dispose()
    return report


def all_rows(customers: int, *, seed: int, reference: date,
             batch_size: int = DEFAULT_BATCH) -> Iterable[Chunk]:
    """The chunks :func:`generate` would load, for loading by other means (benchmarks)."""
    return (chunk for _, chunk in rows.chunks(customers, seed=seed, reference=reference,
                                              chunk_customers=batch_size))
