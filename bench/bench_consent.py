"""Consent under load: writes per second and decision latency with 1,000,000 recorded consents.

    python bench/bench_consent.py [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]
                                  [--consents 1000000] [--seconds 10] [--workers 2]
                                  [--connections 32] [--decision-connections 8]

Starts ``personvern serve --workers N`` on a fresh PostgreSQL engine store with the demo
manifest, preloads the consents with COPY (events and their current state), then drives
the server with wrk, a load generator written in C (``apt-get install -y wrk``), so the
load generator costs little of the cores the server runs on. Loopback only. In the same
run it measures:

1. the baseline: ``GET /.well-known/gpc.json``, the app's most trivial endpoint (no
   database), and ``GET /health`` (one ``SELECT 1``) for comparison;
2. consent writes: ``POST /consent`` as the banner sends them, a new visitor id in the
   cookie of every request (each answer comes after its event is committed);
3. decisions: ``POST /api/v1/consent/decision`` for random preloaded customers, flat out
   from ``--decision-connections`` concurrent connections, and one at a time;
4. decision latency: decisions offered at ``--decision-rate``/s on their own, then
   while banner writes are offered at ``--write-rate``/s (half the write target), and
   again while writes run flat out, where the server has no spare core left and the
   latency is the queue's (printed, not the target's measure).

It prints requests/s of each, writes as a share of the trivial endpoint, decisions p50/p99,
the events the store holds afterwards, and banner.js gzipped. Targets (issue: consent):
≥ 2,000 writes/s, ≥ 40 % of the trivial endpoint's rate, decisions p99 < 10 ms.

Without wrk it says so and falls back to a Python load generator (asyncio + httpx), which
takes a core of its own: its figures understate the server.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from personvern.consent.records import customer, ensure_partitions, month_of, subject_hash
from personvern.consent.version import notice_version
from personvern.demo import MANIFEST
from personvern.manifest.load import load_manifest
from personvern.requests.apikeys import create_api_key
from personvern.store.database import make_engine, session_factory, upgrade
from personvern.web.consent_routes import BANNER_FILE

SECRET = "bench-consent-secret-" + "x" * 32
CHOICE = {"categories": {"performance": True, "functional": False, "marketing": True},
          "language": "nb"}

# wrk scripts. done() prints one JSON line the benchmark reads: the requests, the
# non-2xx/3xx answers and socket errors, and latency percentiles in microseconds.
_REPORT = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %d, "duration_us": %d, "status_errors": %d, '
    .. '"socket_errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
_GET = _REPORT
# Each wrk thread gets a number of its own (tid), so ids and seeds differ across threads.
_THREAD_IDS = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
"""
# A fresh visitor id per request, unique across wrk's threads: "b" + thread + run + counter,
# 26 URL-safe characters, as the banner's own 22-character ids are.
_WRITE = _THREAD_IDS + """
function init(args)
  prefix = string.format("b%02d%s", tid, args[1])
  counter = 0
  body = args[2]
  pause = tonumber(args[3] or "0")
end
function delay()
  return pause
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/consent", {["Content-Type"] = "application/json",
    ["Cookie"] = "pv_visitor=" .. prefix .. string.format("%013d", counter)}, body)
end
""" + _REPORT
_DECIDE = _THREAD_IDS + """
function init(args)
  math.randomseed(tid * 7919 + os.time())
  consents = tonumber(args[1])
  auth = "Bearer " .. args[2]
  pause = tonumber(args[3] or "0")
end
function delay()
  return pause
end
function request()
  local body = '{"subject": {"kind": "customer_number", "value": "C'
    .. math.random(0, consents - 1) .. '"}, "purpose": "newsletter"}'
  return wrk.format("POST", "/api/v1/consent/decision", {["Content-Type"] =
    "application/json", ["Authorization"] = auth}, body)
end
""" + _REPORT


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    cpu_ms: float = 0.0  # CPU per request of the server's processes and its PG backends

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def preload(url: str, count: int, version: str) -> None:
    """``count`` consent events of customers C0…, and their current state, by COPY."""
    engine = sa.create_engine(url)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    given = {"categories": {"marketing": True, "performance": True},
             "purposes": {"newsletter": True}}
    choices = json.dumps(given)
    with engine.begin() as connection:
        ensure_partitions(connection, [month_of(at)])
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY consent_events (id, subject_hash, subject_kind, at, choices, "
                "notice_version, language, source, gpc, user_agent_family) FROM STDIN"
            ) as copy:
                for number in range(count):
                    copy.write_row((number + 1, subject_hash(customer(f"C{number}")),
                                    "customer_number", at, choices, version, "nb", "import",
                                    False, None))
            with cursor.copy("COPY consent_current (subject_hash, subject_kind, choices, "
                             "last_event_id, updated_at) FROM STDIN") as copy:
                for number in range(count):
                    state = {section: {key: [granted, at.isoformat(), version, "import",
                                             number + 1] for key, granted in keys.items()}
                             for section, keys in given.items()}
                    copy.write_row((subject_hash(customer(f"C{number}")), "customer_number",
                                    json.dumps(state), number + 1, at))
        connection.exec_driver_sql(
            "SELECT setval('consent_events_id_seq', (SELECT max(id) FROM consent_events))")
    engine.dispose()
    # Vacuumed and checkpointed now, so that autovacuum and the checkpointer do not take
    # the cores during the measurements that follow.
    maintenance = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE consent_events")
        connection.exec_driver_sql("VACUUM ANALYZE consent_current")
        connection.exec_driver_sql("CHECKPOINT")
    maintenance.dispose()


def event_count(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = int(connection.exec_driver_sql("SELECT count(*) FROM consent_events").scalar()
                    or 0)
    engine.dispose()
    return found


# --- CPU per request ----------------------------------------------------------------------------
# Shared machines are noisy: other work on the same cores lowers every rate here. The CPU
# time the server and its PostgreSQL backends spend per request does not depend on that,
# so it is printed too (read from /proc; Linux only, else 0).


@dataclass(frozen=True)
class Meter:
    server: int
    admin: sa.Engine
    database: str

    def pids(self) -> list[int]:
        found = [self.server]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.server:
                found.append(int(stat.parent.name))
        with self.admin.connect() as connection:
            found += connection.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = %(name)s",
                {"name": self.database}).scalars().all()
        return found

    def cpu(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


def metered(meter: Meter | None, run: Callable[[], Run]) -> Run:
    before = meter.cpu() if meter else 0.0
    done = run()
    if meter is None or not done.requests:
        return done
    return Run(done.requests, done.seconds, done.errors, done.p50_ms, done.p99_ms,
               (meter.cpu() - before) * 1000 / done.requests)


# --- wrk ------------------------------------------------------------------------------------


def start_wrk(base: str, path: str, script: str, args: list[str], *, seconds: float,
              connections: int, threads: int) -> tuple[subprocess.Popen[str], str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    process = subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
         "--timeout", "10s", "-s", file.name, base + path, "--", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, file.name


def finish_wrk(started: tuple[subprocess.Popen[str], str]) -> Run:
    process, script = started
    out, err = process.communicate()
    os.unlink(script)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {err.strip()}")
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    found = json.loads(line.removeprefix("RESULT "))
    return Run(found["requests"], found["duration_us"] / 1e6,
               found["status_errors"] + found["socket_errors"], found["p50_us"] / 1000,
               found["p99_us"] / 1000)


def wrk(base: str, path: str, script: str, args: list[str], *, seconds: float,
        connections: int, threads: int) -> Run:
    return finish_wrk(start_wrk(base, path, script, args, seconds=seconds,
                                connections=connections, threads=threads))


WRITE_PACERS = 16  # connections that offer the paced writes


def decisions_while_writing(base: str, key: str, args: argparse.Namespace, run_id: str,
                            write_rate: float | None) -> Run:
    """Decisions offered at about ``--decision-rate`` per second from 4 connections (each
    waits 4000 / rate ms between requests) while banner writes arrive: at about
    ``write_rate`` per second (16 paced connections), or flat out on half of
    ``--connections`` when it is None (the server then has no spare core, and every
    answer waits its turn: that figure is queueing, shown for completeness)."""
    if write_rate is None:
        writes = start_wrk(base, "/consent", _WRITE, ["m" + run_id[:9], json.dumps(CHOICE)],
                           seconds=args.seconds, connections=max(1, args.connections // 2),
                           threads=1)
    else:
        gap = str(max(0, round(1000 * WRITE_PACERS / write_rate)))
        writes = start_wrk(base, "/consent", _WRITE,
                           ["p" + run_id[:9], json.dumps(CHOICE), gap],
                           seconds=args.seconds, connections=WRITE_PACERS, threads=1)
    pause = max(0, round(4000 / args.decision_rate))
    found = wrk(base, "", _DECIDE, [str(args.consents), key, str(pause)],
                seconds=args.seconds, connections=4, threads=1)
    finish_wrk(writes)
    return found


def measure_with_wrk(base: str, key: str, args: argparse.Namespace,
                     meter: Meter | None) -> dict[str, Run]:
    threads = max(1, args.wrk_threads)
    run_id = uuid.uuid4().hex[:10]
    choice = json.dumps(CHOICE)
    common = {"seconds": args.seconds, "threads": threads}
    for path in ("/.well-known/gpc.json", "/health"):  # warm up
        wrk(base, path, _GET, [], seconds=1, connections=4, threads=1)
    wrk(base, "/consent", _WRITE, ["w" + run_id[:9], choice], seconds=1, connections=4,
        threads=1)
    wrk(base, "", _DECIDE, [str(args.consents), key], seconds=1, connections=4, threads=1)
    return {
        "trivial": metered(meter, lambda: wrk(
            base, "/.well-known/gpc.json", _GET, [], connections=args.connections, **common)),
        "health": metered(meter, lambda: wrk(
            base, "/health", _GET, [], connections=args.connections, **common)),
        "writes": metered(meter, lambda: wrk(
            base, "/consent", _WRITE, [run_id, choice], connections=args.connections,
            **common)),
        "decisions": metered(meter, lambda: wrk(
            base, "", _DECIDE, [str(args.consents), key],
            connections=args.decision_connections, **common)),
        "decisions paced": wrk(base, "", _DECIDE, [str(args.consents), key, str(
            max(0, round(4000 / args.decision_rate)))], seconds=args.seconds, connections=4,
            threads=1),
        "decisions while writing": decisions_while_writing(base, key, args, run_id,
                                                           args.write_rate),
        "decisions while writes run flat out": decisions_while_writing(base, key, args,
                                                                       run_id, None),
        "decisions, one at a time": metered(meter, lambda: wrk(
            base, "", _DECIDE, [str(args.consents), key], seconds=args.seconds / 2,
            connections=1, threads=1)),
    }


# --- the fallback: a Python load generator ----------------------------------------------------


async def drive(client: httpx.AsyncClient, make: Callable[[], tuple[str, str, Any, Any]],
                seconds: float, concurrency: int) -> Run:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            method, path, body, cookies = make()
            start = time.perf_counter()
            response = await client.request(method, path, json=body, cookies=cookies)
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    ordered = sorted(latencies)
    return Run(len(ordered), seconds, errors, statistics.median(ordered) * 1000,
               ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000)


async def measure_with_python(base: str, key: str, args: argparse.Namespace
                              ) -> dict[str, Run]:
    limits = httpx.Limits(max_connections=args.connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        def decision() -> tuple[str, str, Any, Any]:
            return ("POST", "/api/v1/consent/decision",
                    {"subject": {"kind": "customer_number",
                                 "value": f"C{random.randrange(args.consents)}"},
                     "purpose": "newsletter"}, None)

        def write() -> tuple[str, str, Any, Any]:
            return "POST", "/consent", CHOICE, {"pv_visitor": uuid.uuid4().hex[:26]}

        return {
            "trivial": await drive(client, lambda: ("GET", "/.well-known/gpc.json", None, None),
                                   args.seconds, args.connections),
            "health": await drive(client, lambda: ("GET", "/health", None, None),
                                  args.seconds, args.connections),
            "writes": await drive(client, write, args.seconds, args.connections),
            "decisions": await drive(client, decision, args.seconds,
                                     args.decision_connections),
            "decisions, one at a time": await drive(client, decision, args.seconds / 2, 1),
        }


# --- the run ----------------------------------------------------------------------------------


def report(runs: dict[str, Run], generator: str, args: argparse.Namespace, stored: int,
           written: int) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load generator: {generator}; server: personvern serve --workers {args.workers}; "
          f"{args.seconds:g} s per scenario; {os.cpu_count()} cores, load average {load:.1f}")
    labels = {"trivial": f"trivial endpoint (GET /.well-known/gpc.json), {args.connections} conn",
              "health": f"GET /health (SELECT 1), {args.connections} conn",
              "writes": f"consent writes (POST /consent), {args.connections} conn",
              "decisions": f"decisions flat out, {args.decision_connections} conn",
              "decisions paced": f"decisions ~{args.decision_rate:g}/s, 4 conn",
              "decisions while writing": f"decisions ~{args.decision_rate:g}/s + writes "
                                         f"~{args.write_rate:g}/s",
              "decisions while writes run flat out": f"decisions ~{args.decision_rate:g}/s "
                                                     "+ writes flat out (saturated)",
              "decisions, one at a time": "decisions one at a time, 1 conn"}
    for name, run in runs.items():
        cpu = f"   server+PG CPU {run.cpu_ms:.2f} ms/req" if run.cpu_ms else ""
        print(f"{labels[name]:<52} {run.rate:8.0f} req/s   p50 {run.p50_ms:6.2f} ms   "
              f"p99 {run.p99_ms:6.2f} ms   errors {run.errors}{cpu}")
    writes, trivial = runs["writes"].rate, runs["trivial"].rate
    if runs["writes"].cpu_ms and runs["trivial"].cpu_ms:
        print(f"CPU per request, writes / trivial endpoint: {runs['writes'].cpu_ms:.2f} / "
              f"{runs['trivial'].cpu_ms:.2f} ms; rate ratio if CPU-bound: "
              f"{runs['trivial'].cpu_ms / runs['writes'].cpu_ms:.2f}")
    decisions = runs.get("decisions while writing", runs["decisions"])
    print(f"writes/s: {writes:.0f} (target >= 2000)")
    print(f"trivial endpoint: {trivial:.0f} req/s; writes / trivial: {writes / trivial:.2f} "
          "(target >= 0.40)")
    paced = runs.get("decisions paced", runs["decisions"])
    print(f"decisions at {paced.rate:.0f}/s: p50 {paced.p50_ms:.2f} ms, p99 "
          f"{paced.p99_ms:.2f} ms (target p99 < 10 ms)")
    print(f"decisions under load ({decisions.rate:.0f}/s while {args.write_rate:g} writes/s "
          f"are offered): p50 "
          f"{decisions.p50_ms:.2f} ms, p99 {decisions.p99_ms:.2f} ms (target p99 < 10 ms)")
    print(f"consent events in the store: {stored:,} ({args.consents:,} preloaded + "
          f"{written:,} written by the benchmark)")
    size = len(gzip.compress(BANNER_FILE.read_bytes(), compresslevel=9))
    print(f"banner.js: {BANNER_FILE.stat().st_size:,} bytes, {size:,} bytes gzipped "
          "(target < 10 kB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--consents", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--decision-connections", type=int, default=8)
    parser.add_argument("--decision-rate", type=float, default=400,
                        help="decisions/s offered while writes run (the latency figure)")
    parser.add_argument("--write-rate", type=float, default=1000,
                        help="banner writes/s offered while decisions are measured")
    parser.add_argument("--wrk-threads", type=int, default=1)
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
            [str(Path(sys.executable).with_name("personvern")), "serve", "--port", str(port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        meter = Meter(server.pid, admin, database) if Path("/proc/self/stat").exists() else None
        if shutil.which("wrk"):
            runs, generator = measure_with_wrk(base, key, args, meter), "wrk (C)"
        else:
            print("wrk NOT FOUND (apt-get install -y wrk): falling back to the Python load "
                  "generator, which takes a core of its own; these figures understate the "
                  "server", file=sys.stderr)
            runs = asyncio.run(measure_with_python(base, key, args))
            generator = "Python asyncio+httpx (fallback)"
        stored = event_count(url)
        report(runs, generator, args, stored, stored - args.consents)
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        with admin.connect() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        admin.dispose()


if __name__ == "__main__":
    main()
