"""No admin route is forgotten: every route under /admin, read from the app's router,
answers 401 or a redirect to the login form without a session; a read-only user gets
403 from every route that changes something; every form POST needs its CSRF token.
Each refusal writes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from admin_console import Console, add_user, row_counts, shop_customer, verified_request
from fastapi import FastAPI
from fastapi.routing import APIRoute

from personvern.mail import FileOutbox, compose
from personvern.requests import lifecycle
from personvern.store.database import transaction
from personvern.store.models import RequestKind
from personvern.web.csrf import CSRF_COOKIE

PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login")}
# Routes that change nothing but the caller's own session.
OWN_SESSION = {("POST", "/admin/logout")}


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) under /admin, also through included routers (FastAPI ≥0.16x
    keeps them as lazily expanded entries in ``app.routes``)."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:
        routes: Any = [r for r in app.routes if isinstance(r, APIRoute)]
    else:
        routes = list(iter_route_contexts(app.routes))
    found = sorted({(method, route.path) for route in routes
                    if route.path and route.path.startswith("/admin")
                    for method in (route.methods or ()) if method != "HEAD"})
    assert len(found) >= 20, found  # the console's pages and forms, not an empty router
    return found


@pytest.fixture
def filled(console: Console) -> dict[str, str]:
    """Values for the path parameters: a real request, a task, a user and a mail."""
    add_user(console.store, "ola", "admin")
    add_user(console.store, "lesa", "read_only")
    request_id = verified_request(console.store, shop_customer(console.shop_url),
                                  RequestKind.erasure)
    with transaction(console.store) as session:
        task = lifecycle.add_recipient_tasks(session, request_id, ["bring"])[0]
        session.flush()
        task_id = str(task.id)
    outbox: FileOutbox = console.client.app.state.personvern.outbox  # type: ignore[attr-defined]
    outbox.send(compose("shop <shop@example.no>", "guest@example.no", "Hello", "Body"))
    mail = outbox.messages()[0].name
    return {"request_id": request_id, "task_id": task_id, "username": "ola", "name": mail}


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_admin_route_needs_a_session(app: FastAPI, console: Console,
                                           filled: dict[str, str]) -> None:
    console.token()  # a CSRF cookie, so a refusal is about the session, not the token
    before = row_counts(console.store)
    checked = 0
    for method, path in admin_routes(app):
        if (method, path) in PUBLIC:
            continue
        url = concrete(path, filled)
        answer = console.client.request(method, url, data={"csrf_token": console.token()},
                                        follow_redirects=False)
        if method == "GET":
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/admin/login?next=%2Fadmin"), path
        else:
            assert answer.status_code == 401, (method, path, answer.status_code)
        checked += 1
    assert checked >= 18
    assert row_counts(console.store) == before


def test_a_forged_session_cookie_is_no_session(app: FastAPI, console: Console) -> None:
    for value in ("x" * 43, "", "%C3%A4" * 10, "y" * 3000, "a b;c"):
        console.client.cookies.set("pv_staff", value)
        answer = console.client.get("/admin", follow_redirects=False)
        assert answer.status_code == 303, value[:10]


def test_read_only_users_see_but_cannot_change_anything(
        app: FastAPI, console: Console, filled: dict[str, str]) -> None:
    console.logged_in_as("lesa")
    before = row_counts(console.store)
    changing = [(m, p) for m, p in admin_routes(app)
                if m != "GET" and (m, p) not in PUBLIC | OWN_SESSION]
    assert len(changing) >= 9
    for method, path in changing:
        answer = console.client.request(method, concrete(path, filled),
                                        data={"csrf_token": console.token(), "reason": "x",
                                              "note": "x", "ground": "excessive",
                                              "username": "newbie", "role": "admin"},
                                        follow_redirects=False)
        assert answer.status_code == 403, (method, path, answer.status_code)
    assert row_counts(console.store) == before
    # …and sees every page, without the buttons.
    for method, path in admin_routes(app):
        if method == "GET" and (method, path) not in PUBLIC:
            url = concrete(path, filled)
            answer = console.client.get(url)
            assert answer.status_code == 200, (path, answer.status_code)
            assert 'action="/admin/requests/' not in answer.text, path
            assert 'action="/admin/users' not in answer.text, path
            assert 'action="/admin/tasks/' not in answer.text, path


def test_every_form_post_checks_its_csrf_token(app: FastAPI, console: Console,
                                               filled: dict[str, str]) -> None:
    console.logged_in_as("ola")
    token = console.token()
    before = row_counts(console.store)
    posts = [p for m, p in admin_routes(app) if m == "POST"]
    for path in posts:
        url = concrete(path, filled)
        for data in ({}, {"csrf_token": "forged" * 8}, {"csrf_token": token + "x"}):
            answer = console.client.post(url, data={**data, "username": "ola",
                                                    "password": "whatever-password",
                                                    "reason": "x", "note": "x"},
                                         follow_redirects=False)
            assert answer.status_code == 403, (path, data, answer.status_code)
        evil = console.client.post(url, data={"csrf_token": token},
                                   headers={"Origin": "https://evil.example"},
                                   follow_redirects=False)
        assert evil.status_code == 403, path
    assert row_counts(console.store) == before
    assert console.client.cookies.get(CSRF_COOKIE) == token
