"""Consent under load: writes per second and decision latency with 1,000,000 recorded consents.

    python bench/bench_consent.py [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]
                                  [--consents 1000000] [--seconds 10] [--concurrency 32]

Starts ``personvern serve`` (one uvicorn process) on a fresh PostgreSQL engine store with
the demo manifest, preloads the consents with COPY, then drives the server from this process
(asyncio + httpx, a bounded number of requests for a bounded time, loopback only):

1. the baseline, measured in the same run: ``GET /health``, a trivial endpoint of the app;
2. consent writes: ``POST /consent`` as the banner sends them (a new visitor each time);
3. decisions: ``POST /api/v1/consent/decision`` for random known customers.

It prints requests/s of each, the ratio of writes to the trivial endpoint, and the p50/p99
latency of decisions. Targets (issue: consent): ≥ 2,000 writes/s, ≥ 40 % of the trivial
endpoint's rate, decisions p99 < 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from personvern.consent.records import customer, subject_hash
from personvern.consent.version import notice_version
from personvern.demo import MANIFEST
from personvern.manifest.load import load_manifest
from personvern.requests.apikeys import create_api_key
from personvern.store.database import make_engine, session_factory, upgrade

SECRET = "bench-consent-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def preload(url: str, count: int, version: str) -> None:
    """``count`` consent events of customers C0…, written by COPY (not through the API)."""
    engine = sa.create_engine(url)
    choices = json.dumps({"categories": {"marketing": True, "performance": True},
                          "purposes": {"newsletter": True}})
    at = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(
            "COPY consent_events (subject_hash, subject_kind, at, choices, notice_version, "
            "language, source, gpc, user_agent_family) FROM STDIN"
        ) as copy:
            for number in range(count):
                copy.write_row((subject_hash(customer(f"C{number}")), "customer_number", at,
                                choices, version, "nb", "import", False, None))
        connection.exec_driver_sql("ANALYZE consent_events")
    engine.dispose()


async def drive(client: httpx.AsyncClient, make: Callable[[], tuple[str, str, Any]],
                seconds: float, concurrency: int) -> tuple[int, list[float], int]:
    """Send requests from ``concurrency`` tasks for ``seconds``: count, latencies, errors."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            method, path, body = make()
            start = time.perf_counter()
            response = await client.request(method, path, json=body)
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies), latencies, errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(base: str, key: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        choice = {"categories": {"performance": True, "functional": False, "marketing": True},
                  "language": "nb"}
        scenarios: dict[str, Callable[[], tuple[str, str, Any]]] = {
            "trivial endpoint (GET /health)": lambda: ("GET", "/health", None),
            "consent writes (POST /consent)": lambda: ("POST", "/consent", choice),
            "decisions (POST /api/v1/consent/decision)": lambda: (
                "POST", "/api/v1/consent/decision",
                {"subject": {"kind": "customer_number",
                             "value": f"C{random.randrange(args.consents)}"},
                 "purpose": "newsletter"}),
        }
        for make in scenarios.values():  # warm up each path once
            await drive(client, make, 1, 4)
        rates: dict[str, float] = {}
        for name, make in scenarios.items():
            count, latencies, errors = await drive(client, make, args.seconds,
                                                   args.concurrency)
            rates[name] = count / args.seconds
            print(f"{name:<44} {rates[name]:8.0f} req/s   p50 "
                  f"{statistics.median(latencies) * 1000:6.1f} ms   p99 "
                  f"{percentile(latencies, 0.99) * 1000:6.1f} ms   errors {errors}")
        names = list(scenarios)
        print(f"writes / trivial endpoint: {rates[names[1]] / rates[names[0]]:.2f}")
        # Decision latency on its own, one request at a time: the backend's view.
        _, latencies, _ = await drive(client, scenarios[names[2]], args.seconds / 2, 1)
        print(f"decisions, one at a time: p50 {statistics.median(latencies) * 1000:.2f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms (n={len(latencies)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--consents", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    os.environ["PERSONVERN_SECRET"] = SECRET
    database = f"pv_bench_consent_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {database}")
    url = sa.make_url(args.pg).set(database=database).render_as_string(hide_password=False)
    server = None
    try:
        store = make_engine(url)
        upgrade(store)
        with session_factory(store)() as session:
            key, _ = create_api_key(session, "bench")
            session.commit()
        store.dispose()
        version = notice_version(load_manifest(MANIFEST).manifest).id
        started = time.perf_counter()
        preload(url, args.consents, version)
        print(f"preloaded {args.consents:,} consents in {time.perf_counter() - started:.0f} s")
        port = free_port()
        env = {**os.environ, "PERSONVERN_DATABASE_URL": url, "PERSONVERN_MANIFEST":
               str(MANIFEST), "PERSONVERN_SECRET": SECRET}
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("personvern")), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        asyncio.run(measure(base, key, args))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        with admin.connect() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        admin.dispose()


if __name__ == "__main__":
    main()
