"""Benchmark: the demo generator against a bare bulk load of the same rows, in one run.

    python bench/bench_generate.py --customers 100000 --backend postgresql

1. ``generate()`` into a fresh database: rows are made and loaded, then indexes and
   foreign keys are built; the whole is timed.
2. The baseline, into another fresh database: the same rows are made first (untimed),
   then loaded by a bare ``COPY`` (PostgreSQL) or a bare ``executemany`` (SQLite,
   MariaDB) of the ready tuples, and the same indexes and keys are built; only the loading
   and the index build are timed.

The ratio of the two rates is what generating costs on top of loading. Chunks keep memory
bounded in both, so a million customers fit.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from personvern.demo import generate as generation
from personvern.demo import schema
from personvern.demo.rows import Chunk

ADMIN_URLS = {
    "postgresql": os.environ.get(
        "PERSONVERN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mariadb": os.environ.get("PERSONVERN_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/"),
}


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    admin = sa.create_engine(ADMIN_URLS[backend], isolation_level="AUTOCOMMIT")
    name = f"pv_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(ADMIN_URLS[backend]).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def bare_load(driver: Any, backend: str, chunk: Chunk) -> None:
    """The plainest bulk load of ready tuples the driver offers."""
    for table in schema.metadata.sorted_tables:
        rows = chunk[table.name]
        if not rows:
            continue
        columns = ", ".join(c.name for c in table.columns)
        if backend == "postgresql":
            with driver.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({columns}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            mark = "?" if backend == "sqlite" else "%s"
            cursor = driver.cursor()
            cursor.executemany(
                f"INSERT INTO {table.name} ({columns}) VALUES "
                f"({', '.join([mark] * len(table.columns))})",
                rows,
            )
            cursor.close()
    driver.commit()


def baseline(url: str, backend: str, customers: int, seed: int, reference: date,
             batch_size: int) -> tuple[int, float, float]:
    """(rows, load seconds, index seconds) of the bare load."""
    engine = sa.create_engine(url)
    try:
        generation.prepare(engine)
        raw = engine.raw_connection()
        driver: Any = raw.driver_connection
        if backend == "sqlite":
            driver.execute("PRAGMA synchronous = OFF")  # as the generator does
        total, loading = 0, 0.0
        for chunk in generation.all_rows(customers, seed=seed, reference=reference,
                                         batch_size=batch_size):
            started = time.perf_counter()
            bare_load(driver, backend, chunk)
            loading += time.perf_counter() - started
            total += sum(len(rows) for rows in chunk.values())
        raw.close()
        started = time.perf_counter()
        generation.finish(engine)
        return total, loading, time.perf_counter() - started
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--backend", choices=("postgresql", "mariadb", "sqlite"),
                        default="postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=generation.DEFAULT_BATCH)
    args = parser.parse_args(argv)
    reference = date(2026, 11, 25)
    print(f"{args.backend}: {args.customers:,} customers, seed {args.seed}", flush=True)

    with fresh_database(args.backend) as url:
        report = generation.generate(url, args.customers, seed=args.seed, reference=reference,
                                     batch_size=args.batch_size)
    print(f"  generator : {report.rows:>12,} rows in {report.seconds:8.1f} s "
          f"(load {report.load_seconds:.1f} s + indexes {report.index_seconds:.1f} s) "
          f"= {report.rows_per_second:>10,.0f} rows/s", flush=True)

    with fresh_database(args.backend) as url:
        rows, loading, indexing = baseline(url, args.backend, args.customers, args.seed,
                                           reference, args.batch_size)
    assert rows == report.rows, "the baseline must load the very same rows"
    seconds = loading + indexing
    rate = rows / seconds
    print(f"  bare load : {rows:>12,} rows in {seconds:8.1f} s "
          f"(load {loading:.1f} s + indexes {indexing:.1f} s) = {rate:>10,.0f} rows/s")
    print(f"  ratio generator/bare load: {report.rows_per_second / rate:.2f} "
          f"(1.00 = generating is free)")
    for name, count in report.counts.items():
        print(f"    {name:<26}{count:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
