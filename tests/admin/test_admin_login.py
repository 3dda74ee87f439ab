"""Logging in to the console over HTTP: the session cookie's attributes, a new session id
at every login (no fixation), logout revokes, guessing is throttled, no open redirect,
and the audit log records each attempt without the password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from admin_console import PASSWORD, Console, add_user, row_counts
from fastapi import FastAPI
from fastapi.testclient import TestClient

from personvern.staff import sessions
from personvern.store.database import transaction
from personvern.store.models import AuditEntry, StaffSession
from personvern.web.admin.visit import PLAIN_COOKIE, SECURE_COOKIE


@pytest.fixture
def kari(console: Console) -> Console:
    add_user(console.store, "kari", "privacy_officer")
    return console


def _set_cookie(answer: object, name: str) -> str:
    headers = answer.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert len(found) == 1, headers
    return str(found[0])


def test_login_sets_a_strict_http_only_session_cookie(kari: Console) -> None:
    page = kari.client.get("/admin/login")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.text and "<h1>" in page.text
    answer = kari.login("kari")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = _set_cookie(answer, PLAIN_COOKIE).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http (a test server): the browser would drop it
    assert kari.client.get("/admin").status_code == 200


@pytest.fixture
def https_console(app: FastAPI, kari: Console) -> Iterator[Console]:
    with TestClient(app, base_url="https://admin.test", headers={"Accept-Language": "en"}
                    ) as client:
        yield Console(client, kari.store, kari.shop_url)


def test_on_https_the_cookie_is_secure_with_the_host_prefix(https_console: Console) -> None:
    answer = https_console.login("kari")
    assert answer.status_code == 303
    cookie = _set_cookie(answer, SECURE_COOKIE).lower()
    assert "secure" in cookie and "path=/" in cookie and "domain" not in cookie
    assert https_console.client.get("/admin").status_code == 200
    # The plain name is not read on https: a cookie planted without Secure opens nothing.
    token = https_console.client.cookies.get(SECURE_COOKIE)
    https_console.client.cookies.clear()
    https_console.client.cookies.set(PLAIN_COOKIE, str(token))
    assert https_console.client.get("/admin", follow_redirects=False).status_code == 303


def _session_of(answer: object) -> str:
    return _set_cookie(answer, PLAIN_COOKIE).split(";")[0].split("=", 1)[1]


def _replace(console: Console, value: str) -> None:
    """The browser's session cookie is now ``value`` (one cookie of that name)."""
    for cookie in list(console.client.cookies.jar):
        if cookie.name == PLAIN_COOKIE:
            console.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    console.client.cookies.set(PLAIN_COOKIE, value, domain="testserver.local")


def test_every_login_gets_a_new_session_and_ends_the_old_one(kari: Console) -> None:
    planted = "attacker-chosen-value-0123456789abcdef"
    _replace(kari, planted)
    first = _session_of(kari.login("kari"))
    assert first and first != planted
    _replace(kari, first)
    second = _session_of(kari.login("kari"))
    assert second and second != first
    with transaction(kari.store) as session:
        rows = {row.token_hash: row.revoked_at for row in session.scalars(
            sa.select(StaffSession))}
    assert set(rows) == {sessions.token_hash(first), sessions.token_hash(second)}
    assert rows[sessions.token_hash(first)] is not None  # ended by the second login
    assert rows[sessions.token_hash(second)] is None
    _replace(kari, first)
    assert kari.client.get("/admin", follow_redirects=False).status_code == 303
    _replace(kari, second)
    assert kari.client.get("/admin", follow_redirects=False).status_code == 200


def test_logout_revokes_the_session_on_the_server(kari: Console) -> None:
    token = _session_of(kari.login("kari"))
    answer = kari.post("/admin/logout")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login"
    assert 'max-age=0' in _set_cookie(answer, PLAIN_COOKIE).lower()
    _replace(kari, token)  # replaying the old cookie
    assert kari.client.get("/admin", follow_redirects=False).status_code == 303
    with transaction(kari.store) as session:
        actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["staff.login", "staff.logout"]


def test_wrong_passwords_are_refused_alike_then_throttled(kari: Console) -> None:
    answers = [kari.login(name, "wrong-password-1") for name in ("kari", "nobody")]
    assert [a.status_code for a in answers] == [401, 401]
    assert all("Wrong user name or password." in a.text for a in answers)
    for _ in range(sessions.MAX_FAILURES_PER_USER - 1):
        assert kari.login("kari", "wrong-password-2").status_code == 401
    blocked = kari.login("kari")  # the right password, too late
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert PLAIN_COOKIE not in kari.client.cookies
    with transaction(kari.store) as session:
        entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        text = " ".join(f"{e.actor} {e.action} {e.subject} {e.detail}" for e in entries)
    assert [e.action for e in entries].count("staff.login_failed") == 6
    assert entries[-1].action == "staff.login_throttled"
    assert "wrong-password" not in text and PASSWORD not in text and "nobody" not in text


@pytest.mark.parametrize("data", [
    {},
    {"username": "kari"},
    {"username": "", "password": PASSWORD},
    {"username": "k" * 10_000, "password": PASSWORD},
    {"username": "kari", "password": "p" * 50_000},
    {"username": "kari\x00", "password": PASSWORD},
])
def test_hostile_login_forms_are_refused_and_write_nothing(kari: Console,
                                                          data: dict[str, str]) -> None:
    kari.token()
    before = row_counts(kari.store)
    answer = kari.post("/admin/login", data)
    assert answer.status_code in (401, 413, 422), answer.status_code
    after = row_counts(kari.store)
    # A refused attempt that reached the password check is counted and audited, no more.
    assert after["staff_sessions"] == before["staff_sessions"]
    assert after["staff_users"] == before["staff_users"]
    assert after["audit_entries"] - before["audit_entries"] <= 1


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin",
                                    "/portal", "/admin\\@evil.example", "javascript:x"])
def test_login_never_redirects_outside_the_console(kari: Console, target: str) -> None:
    kari.token()
    answer = kari.post("/admin/login", {"username": "kari", "password": PASSWORD,
                                        "next": target})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"


def test_after_login_the_page_asked_for_opens(kari: Console) -> None:
    redirect = kari.client.get("/admin/audit?page=1", follow_redirects=False)
    assert redirect.headers["location"] == "/admin/login?next=%2Fadmin%2Faudit%3Fpage%3D1"
    form = kari.client.get(redirect.headers["location"])
    assert 'name="next" value="/admin/audit?page=1"' in form.text
    answer = kari.post("/admin/login", {"username": "kari", "password": PASSWORD,
                                        "next": "/admin/audit?page=1"})
    assert answer.headers["location"] == "/admin/audit?page=1"
