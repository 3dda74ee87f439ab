"""Helpers for the portal tests (a module of its own: ``conftest`` names clash)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from personvern.demo.generate import generate
from personvern.web.csrf import CSRF_COOKIE

SECRET = "portal-tests-secret-0123456789abcdef"
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
REFERENCE = date(2025, 6, 30)
TABLES = ("requests", "request_events", "identities", "subject_limits", "consent_events",
          "verification_challenges", "audit_entries", "download_tokens")
_CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


def demo_manifest_path() -> Path:
    return Path(str(resources.files("personvern.demo").joinpath("manifest.yaml")))


def make_shop(url: str) -> str:
    generate(url, 60, seed=5, reference=REFERENCE)
    return url


def guest_order(shop_url: str) -> tuple[str, str]:
    engine = sa.create_engine(shop_url)
    with engine.connect() as connection:
        email, number = connection.execute(sa.text(
            "SELECT email, order_number FROM orders WHERE guest_checkout_id IS NOT NULL "
            "AND email IS NOT NULL ORDER BY id LIMIT 1")).one()
    engine.dispose()
    return str(email), str(number)


def code_in(message: Any) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = _CODE.search(body)
    assert found, "the mail carries a 6-digit code on a line of its own"
    return found.group(1)


def row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: int(connection.execute(
            sa.text(f"SELECT count(*) FROM {table}")).scalar_one()) for table in TABLES}


@dataclass
class Portal:
    client: TestClient
    received: Any  # conftest.ReceivedMail
    store: sa.Engine
    shop_url: str

    def token(self, path: str = "/portal") -> str:
        self.client.get(path)
        return str(self.client.cookies[CSRF_COOKIE])

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.token(), **data},
                                follow_redirects=False, **kwargs)

    def ask(self, kind: str, email: str, **fields: str) -> tuple[str, str]:
        """Submit a right's form; the verify path and the code from the mail."""
        before = len(self.received.messages)
        answer = self.post(f"/portal/request/{kind}", {"email": email, **fields})
        assert answer.status_code == 303, answer.text
        mail = self.received.wait_for(before + 1)[before]
        return answer.headers["location"], code_in(mail)

    def verify(self, path: str, code: str) -> httpx.Response:
        return self.post(path, {"code": code})

    def request_via_portal(self, kind: str, email: str, **fields: str) -> str:
        """The status path of a request made and verified through the portal."""
        path, code = self.ask(kind, email, **fields)
        done = self.verify(path, code)
        assert done.status_code == 303, done.text
        return str(done.headers["location"])
