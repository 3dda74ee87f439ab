"""Shared fixtures: real database servers, each test session in databases of its own.

PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306) are real servers. Without one,
its tests are skipped on a developer's machine but fail under ``CI=true``: CI must never
pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get(
    "PERSONVERN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN_URL = os.environ.get(
    "PERSONVERN_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """Skip on a developer's machine; fail under ``CI=true``, where nothing may be missing."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing server or browser is a failure)")
    pytest.skip(reason)


def _unavailable(name: str, error: Exception) -> None:
    missing(f"{name} is not reachable: {error}")


def _fresh_database(admin_url: str, name: str) -> Iterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    database = f"pv_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database}")
    except Exception as error: # any failure to reach the server
        admin.dispose()
        _unavailable(name, error)
    url = sa.make_url(admin_url).set(database=database)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            if admin.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
                )
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    yield from _fresh_database(PG_ADMIN_URL, "PostgreSQL")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A fresh, empty MariaDB database for one test."""
    yield from _fresh_database(MARIADB_ADMIN_URL, "MariaDB")


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/shop.db"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite, PostgreSQL and MariaDB."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}
    return str(request.getfixturevalue(fixture[request.param]))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL on each backend the engine's own store supports."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param]
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    """The engine's own store, migrated to the newest revision (SQLite and PostgreSQL)."""
    from personvern.store.database import make_engine, upgrade

    made = make_engine(store_url)
    upgrade(made)
    yield made
    made.dispose()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium; Playwright never downloads one
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
SCREENSHOTS = Path(__file__).parents[1] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Real Chromium driven by Playwright; a module may add ``EXTRA_CHROMIUM_ARGS``."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    extra = list(getattr(request.module, "EXTRA_CHROMIUM_ARGS", []))
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=[*CHROMIUM_ARGS, *extra])
        try:
            yield launched
        finally:
            launched.close()


class ReceivedMail:
    """What a real SMTP server (aiosmtpd on a free loopback port) was handed."""

    def __init__(self) -> None:
        import email
        import email.policy
        from email.message import EmailMessage

        self._parse = lambda raw: email.message_from_bytes(raw, policy=email.policy.default)
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(self._parse(envelope.original_content or envelope.content))
        return "250 OK"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Any]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} mails, got {len(self.messages)}"
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, ReceivedMail]]:
    """A real SMTP server; yields its ``smtp://`` URL and the messages it receives."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    received = ReceivedMail()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        controller.stop()
