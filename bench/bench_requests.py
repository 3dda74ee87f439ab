"""Data-subject requests on the demo shop: access end to end, its database phase, erasure.

    python bench/bench_requests.py --shop postgresql+psycopg://postgres@127.0.0.1/pv_bench_1m \
        [--samples 50] [--erasures 20] [--batch 0]

For random customers of a demo shop (``personvern demo generate``) it measures:

(a) an access request from API submission (create, verify, approve over the JSON API) to a
    finished, encrypted, downloadable package with its token;
(b) the database phase alone (``resolve_subject``) and its SQL statement count;
(c) an erasure from API submission to completed (holds, deferred erasures, Art. 19 tasks);

and, as the baseline measured in the same run, the same data gathered by hand-written SQL in
one round trip (one statement with a CTE per collection, the way a developer who knows the
schema would write it). It prints the median and p95 of each and the ratio (b)/baseline.
``--batch N`` also erases N customers in one batch and prints the throughput.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
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
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name:<44} median {statistics.median(ordered) * 1000:8.1f} ms   "
            f"p95 {p95 * 1000:8.1f} ms   (n={len(ordered)})")


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


class Engine:
    """The personvern side: engine store, API client, manifest, shop connection."""

    def __init__(self, shop_url: str, folder: Path) -> None:
        os.environ["PERSONVERN_DEMO_DB"] = shop_url
        os.environ.setdefault("PERSONVERN_SECRET", "bench-secret-" + "x" * 32)
        self.loaded = load_manifest(MANIFEST)
        store_url = f"sqlite:///{folder}/engine.db"
        self.store = make_engine(store_url)
        upgrade(self.store)
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
            package = run_access(session, request_id, self.loaded, engines={"shop": self.shop})
            issue_download_token(session, package.id)
            session.commit()
            return package.size_bytes

    def erase(self, email: str) -> None:
        request_id = self.submit("erasure", email)
        with self.sessions() as session:
            run_erasure(session, request_id, self.loaded.manifest)
            session.commit()


def sample_emails(shop: sa.Engine, count: int, seed: int) -> list[str]:
    with shop.connect() as connection:
        top = connection.execute(sa.text("SELECT max(id) FROM customers")).scalar_one()
        rng = random.Random(seed)
        ids = rng.sample(range(1, int(top) + 1), min(count * 2, int(top)))
        rows = connection.execute(
            sa.text("SELECT lower(email) FROM customers WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": ids}).scalars().all()
    return list(dict.fromkeys(rows))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shop", required=True, help="URL of a demo shop (PostgreSQL)")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--erasures", type=int, default=20)
    parser.add_argument("--batch", type=int, default=0, help="erase this many in one batch")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(args.shop, Path(folder))
        emails = sample_emails(engine.shop, args.samples + args.erasures + args.batch, args.seed)
        access_emails = emails[: args.samples]
        raw = engine.shop.raw_connection()
        cursor = raw.cursor()
        engine.access(access_emails[0])  # warm caches and connections once
        full, phase, handwritten, statements = [], [], [], []
        for email in access_emails:
            seconds, _ = timed(lambda e=email: cursor.execute(HANDWRITTEN, {"e": e}) or
                               cursor.fetchall())
            handwritten.append(seconds)
            seconds, subject = timed(lambda e=email: resolve_subject(
                engine.loaded.manifest, {"email": [e]}, engines={"shop": engine.shop}))
            phase.append(seconds)
            statements.append(subject.statements)
            seconds, _ = timed(lambda e=email: engine.access(e))
            full.append(seconds)
        raw.close()
        print(f"shop: {args.shop.rsplit('@', 1)[-1]}; "
              f"{len(engine.loaded.manifest.datastores['shop'].collections)} collections")
        print(stats("(a) access, API submission → package", full))
        print(stats("(b) database phase (resolve_subject)", phase))
        print(stats("    baseline: hand-written SQL, 1 round trip", handwritten))
        ratio = statistics.median(phase) / statistics.median(handwritten)
        print(f"    ratio (b)/baseline (medians): {ratio:.2f}")
        print(f"    SQL statements per access request: min {min(statements)}, "
              f"median {statistics.median(statements):.0f}, max {max(statements)}")
        erase_emails = emails[args.samples: args.samples + args.erasures]
        erasures = [timed(lambda e=email: engine.erase(e))[0] for email in erase_emails]
        if erasures:
            print(stats("(c) erasure, API submission → completed", erasures))
        if args.batch:
            batch = emails[args.samples + args.erasures:]
            seconds, _ = timed(lambda: [engine.erase(e) for e in batch])
            print(f"batch of {len(batch)} erasures: {seconds:.1f} s = "
                  f"{len(batch) / seconds:.1f} erasures/s")


if __name__ == "__main__":
    main()
