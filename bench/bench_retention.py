"""Retention sweeps on a large access log in PostgreSQL, against one hand-written statement.

    .venv/bin/python bench/bench_retention.py                 # 10,000,000 rows
    .venv/bin/python bench/bench_retention.py --rows 1000000

Builds ``access_logs_source`` with ``generate_series`` (IPv4 and IPv6 addresses, half of
the rows older than the two-month period, so due), then for each of the anonymisation
sweep (``truncate_ip``) and the deletion sweep measures, each on a fresh copy of the
table (same indexes, vacuumed and analysed):

* the baseline: ONE hand-written ``UPDATE``/``DELETE`` over the same rows, with the same
  anonymising expression;
* the sweep, as ``personvern retention run`` does it (batches, progress in the engine's
  store on PostgreSQL, audit entry), with its longest single transaction.

During both, a thread inserts rows into the same table one at a time (autocommit) and
the insert latency is reported (p50, p99, max). Targets: sweep/baseline <= 1.5, no
transaction over 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

os.environ.setdefault("PERSONVERN_SECRET", "bench-retention-secret-0123456789abcdef")

from personvern.manifest.load import load_manifest
from personvern.retention.predicates import column_facts, sql_mask
from personvern.retention.rules import cutoff, resolve
from personvern.retention.sweep import Moment, Settings, shop_engine, sweep_rule
from personvern.store.database import make_engine, session_factory, upgrade

ADMIN = os.environ.get("PERSONVERN_TEST_PG",
                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE = "pv_bench_retention"
STORE = "pv_bench_retention_store"  # the engine's own store, on PostgreSQL as in production
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
SPAN_DAYS = 122  # requested_at spread over four months: half older than two months

MANIFEST = """
version: 1
organization: {name: Bench AS, country: "NO"}
datastores:
  shop:
    url: ${BENCH_SHOP_URL}
    collections:
      access_logs:
        fields:
          id: {categories: system.operations, type: integer}
          ip_address:
            categories: user.device.ip_address
            type: string
            erasure: truncate_ip
            retention:
              - {action: anonymize, after: P2M, from: {column: requested_at}, masking: truncate_ip}
          user_agent: {categories: user.device, type: string, erasure: generalize_user_agent}
          path: {categories: user.behavior.browsing_history, type: string, erasure: delete_row}
          requested_at: {categories: system.operations, type: datetime}
        retention:
          - {action: delete, after: P2M, from: {column: requested_at}}
"""

SOURCE = """
CREATE TABLE access_logs_source AS
SELECT i::bigint AS id,
       CASE WHEN mod(i, 4) = 0
            THEN '2001:db8:' || to_hex(mod(i, 65536)) || ':' || to_hex(mod(i * 7, 65536)) || '::'
                 || to_hex(mod(i, 4096))
            ELSE (mod(i >> 16, 256)) || '.' || (mod(i >> 8, 256)) || '.' || (mod(i, 256)) || '.'
                 || (mod(i * 7, 256)) END::varchar(45) AS ip_address,
       'Mozilla/5.0 (X11; Linux x86_64) Firefox/13' || (mod(i, 10)) AS user_agent,
       '/produkt/' || (mod(i, 5000)) AS path,
       TIMESTAMP '{end}' - make_interval(secs => ({rows} - i) * {step}) AS requested_at
FROM generate_series(1, {rows}) AS i
"""


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)

    def summary(self) -> str:
        if not self.samples:
            return "no inserts"
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (f"{len(ordered)} inserts, p50 {statistics.median(ordered) * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms")


class Inserter(threading.Thread):
    """Inserts into access_logs one row per transaction until stopped."""

    def __init__(self, url: str, first_id: int) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.next_id = first_id
        self.latencies = Latencies()
        self.stopping = threading.Event()

    def run(self) -> None:
        statement = sa.text(
            "INSERT INTO access_logs (id, ip_address, user_agent, path, requested_at) "
            "VALUES (:id, '192.0.2.77', 'Mozilla/5.0 Firefox/130', '/', :at)")
        with self.engine.connect() as connection:
            while not self.stopping.is_set():
                started = time.perf_counter()
                connection.execute(statement, {"id": self.next_id,
                                               "at": NOW.replace(tzinfo=None)})
                self.latencies.samples.append(time.perf_counter() - started)
                self.next_id += 1
                time.sleep(0.005)

    def stop(self) -> Latencies:
        self.stopping.set()
        self.join()
        self.engine.dispose()
        return self.latencies


def fresh_copy(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS access_logs")
        connection.exec_driver_sql("CREATE TABLE access_logs AS SELECT * FROM access_logs_source")
        connection.exec_driver_sql("ALTER TABLE access_logs ADD PRIMARY KEY (id)")
        connection.exec_driver_sql("CREATE INDEX ix_access_logs_requested_at "
                                   "ON access_logs (requested_at)")
        connection.exec_driver_sql("VACUUM ANALYZE access_logs")
        connection.exec_driver_sql("CHECKPOINT")


def timed_statement(engine: sa.Engine, statement: sa.Executable, url: str, rows: int
                    ) -> tuple[float, int, Latencies]:
    inserter = Inserter(url, rows * 10)
    inserter.start()
    started = time.perf_counter()
    with engine.begin() as connection:
        count = connection.execute(statement).rowcount
    elapsed = time.perf_counter() - started
    return elapsed, count, inserter.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--batch-size", type=int, default=Settings().batch_size,
                        help="rows per transaction at most (default: the engine's)")
    args = parser.parse_args()
    if args.rows < 1000:
        parser.error("--rows must be at least 1000")

    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in (DATABASE, STORE):
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(ADMIN).set(database=DATABASE).render_as_string(hide_password=False)
    store_url = sa.make_url(ADMIN).set(database=STORE).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-retention-"))
    (folder / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    manifest = load_manifest(folder / "manifest.yaml", environ={"BENCH_SHOP_URL": url}).manifest
    sweeps = {s.action: s for s in resolve(manifest)}
    moment = Moment.at(NOW, manifest.organization.country)
    fiscal = manifest.organization.fiscal_year_start_month_day

    started = time.perf_counter()
    step = SPAN_DAYS * 86400 / args.rows
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(SOURCE.format(
            rows=args.rows, step=step,
            end=NOW.replace(tzinfo=None).isoformat(sep=" ")))
    print(f"{args.rows:,} rows generated in {time.perf_counter() - started:.1f} s "
          f"(PostgreSQL, {url.rsplit('@', 1)[-1]})")

    failures = 0
    for action in ("anonymize", "delete"):
        sweep = sweeps[action]
        at = cutoff(sweep, moment.shop_now, moment.today, fiscal)
        assert at is not None
        fresh_copy(engine)
        table = sa.Table("access_logs", sa.MetaData(), autoload_with=engine)
        if action == "delete":
            statement: sa.Executable = sa.delete(table).where(table.c.requested_at < at)
        else:
            expression = sql_mask(sweep.fields["ip_address"], table.c.ip_address,
                                  column_facts(table)["ip_address"], "postgresql")
            assert expression is not None
            statement = sa.update(table).where(table.c.requested_at < at).values(
                ip_address=expression)
        base_seconds, base_rows, base_latency = timed_statement(engine, statement, url,
                                                                args.rows)

        fresh_copy(engine)
        store = make_engine(store_url)
        upgrade(store)
        inserter = Inserter(url, args.rows * 20)
        inserter.start()
        started = time.perf_counter()
        with shop_engine(manifest, "shop") as shop, session_factory(store)() as session:
            result = sweep_rule(session, shop, sweep, moment, fiscal,
                                Settings(batch_size=args.batch_size))
        sweep_seconds = time.perf_counter() - started
        latency = inserter.stop()
        store.dispose()
        ratio = sweep_seconds / base_seconds
        ok = ratio <= 1.5 and result.longest_seconds <= 1.0 and result.rows == base_rows
        failures += not ok
        print(f"\n{action}: {result.rows:,} rows (baseline {base_rows:,})")
        print(f"  one statement   {base_seconds:8.2f} s   inserts meanwhile: "
              f"{base_latency.summary()}")
        print(f"  sweep           {sweep_seconds:8.2f} s   {result.batches} batches, longest "
              f"transaction {result.longest_seconds * 1000:.0f} ms")
        print(f"  inserts during the sweep: {latency.summary()}")
        print(f"  ratio sweep/statement {ratio:.2f} (target <= 1.5)  "
              f"{'ok' if ok else 'MISSED'}")
    engine.dispose()
    with admin.connect() as connection:
        for name in (DATABASE, STORE):
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
