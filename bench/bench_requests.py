"""Data-subject requests on the demo shop: access end to end, its database phase, erasure.

    python bench/bench_requests.py --shop postgresql+psycopg://postgres@127.0.0.1/pv_bench_1m \
        [--samples 50] [--erasures 20] [--erasures-batch 10000] \
        [--erase-shop postgresql+psycopg://…/a_copy] [--store postgresql+psycopg://…/store]

For random customers of a demo shop (``personvern demo generate``) it measures:

(a) an access request from API submission (create, verify, approve over the JSON API) to a
    finished, encrypted, downloadable package with its token;
(b) the database phase alone (``resolve_subject``) and its SQL statement count;
(c) an erasure from API submission to completed (holds, deferred erasures, Art. 19 tasks),
    and the SQL statements it sends to the shop;

and, as the baseline measured in the same run, the same data gathered by hand-written SQL in
one round trip (one statement with a CTE per collection, the way a developer who knows the
schema would write it). It prints the median and p95 of each and the ratio (b)/baseline,
measured interleaved (baseline, then (b), customer by customer) so that the load of the
machine weighs on both alike. ``--erasures-batch N`` also submits N erasure requests over
the API and then runs them one after another, as a worker does, and prints the throughput.

Erasures change the shop: ``--erase-shop`` sends them to another copy of it
(``CREATE DATABASE copy TEMPLATE shop``), so the shop measured stays whole. The engine's
own store is a SQLite file in a temporary folder unless ``--store`` names another (an
empty PostgreSQL database, as in production; drop it afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from personvern.demo import MANIFEST
from personvern.manifest.load import load_manifest
from personvern.requests.access import issue_download_token, run_access
from personvern.requests.apikeys import create_api_key
from personvern.requests.erasure import run_erasure
from personvern.requests.subjects import resolve_subject
from personvern.store.database import make_engine, session_factory, upgrade
from personvern.web.app import create_app
from personvern.web.settings import Settings

# Hand-written: everything about the person with this e-mail, in one statement.
HANDWRITTEN = """
WITH c AS (SELECT * FROM customers WHERE lower(email) = %(e)s),
 g AS (SELECT * FROM guest_checkouts WHERE lower(email) = %(e)s),
 o AS (SELECT * FROM orders WHERE customer_id IN (SELECT id FROM c)
       UNION SELECT * FROM orders WHERE guest_checkout_id IN (SELECT id FROM g)
       UNION SELECT * FROM orders WHERE lower(email) = %(e)s),
 la AS (SELECT * FROM loyalty_accounts WHERE customer_id IN (SELECT id FROM c)),
 w AS (SELECT * FROM wishlists WHERE customer_id IN (SELECT id FROM c))
SELECT json_build_object(
 'customers', (SELECT json_agg(c) FROM c),
 'guest_checkouts', (SELECT json_agg(g) FROM g),
 'orders', (SELECT json_agg(o) FROM o),
 'order_lines', (SELECT json_agg(x) FROM order_lines x WHERE order_id IN (SELECT id FROM o)),
 'payments', (SELECT json_agg(x) FROM payments x WHERE order_id IN (SELECT id FROM o)),
 'shipments', (SELECT json_agg(x) FROM shipments x WHERE order_id IN (SELECT id FROM o)),
 'fraud_scores', (SELECT json_agg(x) FROM fraud_scores x WHERE order_id IN (SELECT id FROM o)),
 'credit_checks', (SELECT json_agg(x) FROM (
     SELECT * FROM credit_checks WHERE customer_id IN (SELECT id FROM c)
     UNION SELECT * FROM credit_checks WHERE order_id IN (SELECT id FROM o)) x),
 'addresses', (SELECT json_agg(x) FROM addresses x WHERE customer_id IN (SELECT id FROM c)),
 'newsletter', (SELECT json_agg(x) FROM (
     SELECT * FROM newsletter_subscriptions WHERE customer_id IN (SELECT id FROM c)
     UNION SELECT * FROM newsletter_subscriptions WHERE lower(email) = %(e)s) x),
 'back_in_stock', (SELECT json_agg(x) FROM back_in_stock_requests x WHERE lower(email) = %(e)s),
 'loyalty_accounts', (SELECT json_agg(la) FROM la),
 'loyalty_ledger', (SELECT json_agg(x) FROM (
     SELECT * FROM loyalty_ledger WHERE account_id IN (SELECT id FROM la)
     UNION SELECT * FROM loyalty_ledger WHERE order_id IN (SELECT id FROM o)) x),
 'wishlists', (SELECT json_agg(w) FROM w),
 'wishlist_items', (SELECT json_agg(x) FROM wishlist_items x
                    WHERE wishlist_id IN (SELECT id FROM w)),
 'pet_profiles', (SELECT json_agg(x) FROM pet_profiles x WHERE customer_id IN (SELECT id FROM c)),
 'product_reviews', (SELECT json_agg(x) FROM product_reviews x
                     WHERE customer_id IN (SELECT id FROM c)),
 'support_chats', (SELECT json_agg(x) FROM (
     SELECT * FROM support_chats WHERE customer_id IN (SELECT id FROM c)
     UNION SELECT * FROM support_chats WHERE lower(email) = %(e)s) x),
 'cart_events', (SELECT json_agg(x) FROM cart_events x WHERE customer_id IN (SELECT id FROM c)),
 'access_logs', (SELECT json_agg(x) FROM access_logs x WHERE customer_id IN (SELECT id FROM c)))
"""


def stats(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return (f"{name:<44} median {statistics.median(ordered) * 1000:8.1f} ms   "
            f"p95 {p95(ordered) * 1000:8.1f} ms   (n={len(ordered)})")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


@contextmanager
def statements_to(database: str) -> Iterator[list[int]]:
    """Counts the statements any engine sends to ``database`` (one list item: the count)."""
    seen = [0]

    def count(connection: Any, *_: Any) -> None:
        if connection.engine.url.database == database:
            seen[0] += 1

    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", count)


class Engine:
    """The personvern side: engine store, API client, manifest, shop connection.

    The requests reach the shop the way a worker does: through the process's shared
    engines, from the manifest's URL (``PERSONVERN_DEMO_DB``).
    """

    def __init__(self, shop_url: str, folder: Path, store_url: str | None = None) -> None:
        os.environ["PERSONVERN_DEMO_DB"] = shop_url
        os.environ.setdefault("PERSONVERN_SECRET", "bench-secret-" + "x" * 32)
        self.loaded = load_manifest(MANIFEST)
        store_url = store_url or f"sqlite:///{folder}/engine.db"
        self.store = make_engine(store_url)
        upgrade(self.store)
        if self.store.dialect.name == "postgresql":
            # Approving queues the run for the workers (`personvern worker --setup`); the
            # bench runs it itself, as a worker would, and leaves the queued jobs.
            from personvern.jobs.queue import apply_schema, make_app

            apply_schema(make_app(store_url))
        self.sessions = session_factory(self.store)
        with self.sessions() as session:
            key, _ = create_api_key(session, "bench")
            session.commit()
        app = create_app(Settings(database_url=store_url, manifest_path=MANIFEST))
        self.client = TestClient(app, headers={"Authorization": f"Bearer {key}"})
        self.shop = sa.create_engine(shop_url, pool_size=2)

    def submit(self, kind: str, email: str) -> str:
        created = self.client.post("/api/v1/requests", json={
            "kind": kind, "identities": {"email": email}, "language": "nb"})
        created.raise_for_status()
        request_id = str(created.json()["id"])
        self.client.post(f"/api/v1/requests/{request_id}/verify",
                         json={"method": "logged_in"}).raise_for_status()
        self.client.post(f"/api/v1/requests/{request_id}/approve").raise_for_status()
        return request_id

    def access(self, email: str) -> int:
        request_id = self.submit("access", email)
        with self.sessions() as session:
            package = run_access(session, request_id, self.loaded)
            issue_download_token(session, package.id)
            session.commit()
            return package.size_bytes

    def erase(self, email: str) -> None:
        self.run_erasure(self.submit("erasure", email))

    def run_erasure(self, request_id: str) -> None:
        with self.sessions() as session:
            run_erasure(session, request_id, self.loaded.manifest)
            session.commit()


def sample_emails(shop: sa.Engine, count: int, seed: int) -> list[str]:
    with shop.connect() as connection:
        top = connection.execute(sa.text("SELECT max(id) FROM customers")).scalar_one()
        rng = random.Random(seed)
        ids = rng.sample(range(1, int(top) + 1), min(count * 2, int(top)))
        rows = connection.execute(
            # An erased customer's e-mail is a pseudonym (no @): nobody to ask for.
            sa.text("SELECT lower(email) FROM customers WHERE id IN :ids "
                    "AND email LIKE '%@%'").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": ids}).scalars().all()
    emails = list(dict.fromkeys(rows))
    rng.shuffle(emails)  # IN returns them in table order; keep the sample random
    return emails[:count]


def measure_access(engine: Engine, emails: list[str]) -> None:
    raw = engine.shop.raw_connection()
    cursor = raw.cursor()
    database = engine.shop.url.database or ""
    manifest = engine.loaded.manifest
    for email in emails[:5]:  # warm caches, connections and prepared statements once
        engine.access(email)
        cursor.execute(HANDWRITTEN, {"e": email})
        cursor.fetchall()
    full: list[float] = []
    phase: list[float] = []
    handwritten: list[float] = []
    statements: list[int] = []
    whole: list[int] = []

    def by_hand(email: str) -> None:
        cursor.execute(HANDWRITTEN, {"e": email})
        cursor.fetchall()

    for email in emails:
        seconds, _ = timed(partial(by_hand, email))
        handwritten.append(seconds)
        seconds, subject = timed(partial(resolve_subject, manifest, {"email": [email]}))
        phase.append(seconds)
        statements.append(subject.statements)
        with statements_to(database) as seen:
            seconds, _ = timed(partial(engine.access, email))
        full.append(seconds)
        whole.append(seen[0])
    raw.close()
    print(stats("(a) access, API submission → package", full))
    print(stats("(b) database phase (resolve_subject)", phase))
    print(stats("    baseline: hand-written SQL, 1 round trip", handwritten))
    ratio = statistics.median(phase) / statistics.median(handwritten)
    print(f"    ratio (b)/baseline: medians {ratio:.2f}, "
          f"p95s {p95(phase) / p95(handwritten):.2f}")
    print(f"    SQL statements to the shop per access request: database phase "
          f"{_spread(statements)}; whole request {_spread(whole)} "
          f"({len(manifest.datastores['shop'].collections)} collections)")


def _spread(counts: list[int]) -> str:
    return f"min {min(counts)}, median {statistics.median(counts):.0f}, max {max(counts)}"


def measure_erasures(engine: Engine, emails: list[str]) -> None:
    database = engine.shop.url.database or ""
    for email in emails[:3]:  # warm up, as for access
        engine.erase(email)
    seconds: list[float] = []
    statements: list[int] = []
    for email in emails[3:]:
        with statements_to(database) as seen:
            elapsed, _ = timed(partial(engine.erase, email))
        seconds.append(elapsed)
        statements.append(seen[0])
    print(stats("(c) erasure, API submission → completed", seconds))
    print(f"    SQL statements to the shop per erasure: {_spread(statements)}")


def erasure_batch(engine: Engine, emails: list[str]) -> None:
    submitted, ids = timed(lambda: [engine.submit("erasure", e) for e in emails])

    def run_all() -> None:
        for request_id in ids:
            engine.run_erasure(request_id)

    ran, _ = timed(run_all)
    print(f"batch of {len(ids)} erasures: submitted over the API in {submitted:.1f} s, "
          f"run in {ran:.1f} s = {len(ids) / ran:.1f} erasures/s "
          f"({len(ids) / (submitted + ran):.1f}/s including submission)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shop", required=True, help="URL of a demo shop (PostgreSQL)")
    parser.add_argument("--erase-shop", help="a copy of the shop to erase in (default: --shop)")
    parser.add_argument("--store", help="URL of an empty database for the engine's store")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--erasures", type=int, default=20)
    parser.add_argument("--erasures-batch", "--batch", dest="batch", type=int, default=0,
                        help="erase this many in one batch")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(args.shop, Path(folder), args.store)
        print(f"shop: {args.shop.rsplit('@', 1)[-1]}; store: {engine.store.dialect.name}; "
              f"{len(engine.loaded.manifest.datastores['shop'].collections)} collections")
        if args.samples:
            measure_access(engine, sample_emails(engine.shop, args.samples, args.seed))
        if args.erasures or args.batch:
            erase_url = args.erase_shop or args.shop
            eraser = engine if erase_url == args.shop else Engine(
                erase_url, Path(folder), args.store)  # the same store: requests are apart
            emails = sample_emails(eraser.shop, args.erasures + 3 + args.batch,
                                   args.seed + 1)
            if args.erasures:
                measure_erasures(eraser, emails[:args.erasures + 3])
            if args.batch:
                erasure_batch(eraser, emails[args.erasures + 3:])


if __name__ == "__main__":
    main()
