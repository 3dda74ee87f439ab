"""Helpers for the admin console's tests (a module of its own: ``conftest`` names clash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from personvern.demo.generate import generate
from personvern.requests import lifecycle
from personvern.requests.subject import SubjectIdentity
from personvern.staff.users import create_user
from personvern.store.database import transaction
from personvern.store.models import RequestKind
from personvern.web.csrf import CSRF_COOKIE

SECRET = "admin-tests-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
TABLES = ("requests", "request_events", "audit_entries", "staff_users", "staff_sessions",
          "staff_login_failures", "tasks", "jobs", "subject_limits")


def demo_manifest_path() -> Path:
    return Path(str(resources.files("personvern.demo").joinpath("manifest.yaml")))


def make_shop(url: str) -> str:
    from datetime import date

    generate(url, 40, seed=11, reference=date(2025, 6, 30))
    return url


def shop_customer(shop_url: str) -> str:
    """The e-mail address of a customer with orders in the demo shop."""
    engine = sa.create_engine(shop_url)
    with engine.connect() as connection:
        email = connection.execute(sa.text(
            "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id "
            "WHERE c.email IS NOT NULL ORDER BY c.id LIMIT 1")).scalar_one()
    engine.dispose()
    return str(email)


def row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: int(connection.execute(
            sa.text(f"SELECT count(*) FROM {table}")).scalar_one()) for table in TABLES}


def add_user(engine: sa.Engine, username: str, role: str, password: str = PASSWORD) -> None:
    with transaction(engine) as session:
        create_user(session, username, password, role, "test")


def verified_request(engine: sa.Engine, email: str, kind: RequestKind = RequestKind.access,
                     *, language: str = "nb", payload: dict[str, Any] | None = None,
                     received_at: datetime | None = None) -> str:
    """A request whose e-mail address is verified, as the portal leaves it."""
    with transaction(engine) as session:
        request = lifecycle.create_request(
            session, kind=kind, identity=SubjectIdentity(email=email), language=language,
            country="NO", payload=payload or {"source": "portal"}, actor="portal",
            received_at=received_at or datetime.now(UTC))
        lifecycle.verify_identity(session, request.id, method="email_code", actor="portal")
        return request.id


@dataclass
class Console:
    """A test client on the whole app, with the console's form conventions."""

    client: TestClient
    store: sa.Engine
    shop_url: str

    def token(self, path: str = "/admin/login") -> str:
        if CSRF_COOKIE not in self.client.cookies:
            self.client.get(path)
        return str(self.client.cookies[CSRF_COOKIE])

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any
             ) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})},
                                follow_redirects=False, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.post("/admin/login", {"username": username, "password": password})

    def logged_in_as(self, username: str) -> Console:
        answer = self.login(username)
        assert answer.status_code == 303, answer.text
        return self


def manifest_with_transfer(folder: Path) -> Path:
    """The demo manifest plus Mailchimp (US, EU-US Data Privacy Framework) as the
    newsletter's recipient, so the data map has a third-country transfer to show."""
    text = demo_manifest_path().read_text(encoding="utf-8")
    text = text.replace("recipients:\n  klarna: {catalog: klarna}\n",
                        "recipients:\n  klarna: {catalog: klarna}\n"
                        "  mailchimp: {catalog: mailchimp, dpa_signed: 2024-01-15}\n", 1)
    marker = "    categories: [user.contact.email, user.unique_id, user.privacy_preferences]\n"
    assert text.count(marker) == 1, "the newsletter purpose's categories line moved"
    text = text.replace(marker, marker + "    recipients: [mailchimp]\n")
    path = folder / "personvern.yaml"
    path.write_text(text, encoding="utf-8")
    return path
