"""The JSON API on a real SQLite engine store: auth on every route, the request flow,
hostile input refused with nothing written, the privacy notice, the OpenAPI schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_store import row_counts

from personvern.requests.apikeys import revoke
from personvern.store.database import transaction

KARI = {"email": "Kari.Nordmann@Example.no"}


def _create(client: TestClient, auth: dict[str, str], kind: str = "access",
            identities: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/requests", headers=auth,
                           json={"kind": kind, "identities": identities or KARI})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _api_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """Every (path, methods) under /api, also through included routers (FastAPI ≥0.16x
    keeps them as lazily expanded ``_IncludedRouter`` entries in ``app.routes``)."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:
        routes: Any = [r for r in app.routes if isinstance(r, APIRoute)]
    else:
        routes = list(iter_route_contexts(app.routes))
    return [(r.path, set(r.methods or ())) for r in routes
            if r.path and r.path.startswith("/api/")]


def _path(path: str) -> str:
    return path.replace("{request_id}", "00000000-0000-0000-0000-000000000000") \
               .replace("{limit_id}", "1")


def test_every_api_route_needs_a_key(app: FastAPI, client: TestClient, api_key: str) -> None:
    api_routes = _api_routes(app)
    assert len(api_routes) == 19  # requests 7, Art. 19 tasks 2, limits 5, consent 5
    documented = {path for path in client.get("/openapi.json").json()["paths"]
                  if path.startswith("/api/")}
    assert {path for path, _ in api_routes} == documented
    for path, methods in api_routes:
        for method in methods:
            for headers in ({}, {"Authorization": "Bearer pv_abcdefgh_" + "A" * 43},
                            {"Authorization": "Basic a2FyaTpwdw=="},
                            {"Authorization": f"Bearer {api_key}x"}):
                response = client.request(method, _path(path), headers=headers, json={})
                assert response.status_code == 401, (method, path, headers)
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                assert response.json()["error"]["status"] == 401


def test_a_revoked_key_is_refused_within_the_time_a_passed_key_is_trusted(
        client: TestClient, store: sa.Engine, api_key: str, auth: dict[str, str]) -> None:
    trusted = client.app.state.personvern.verified_keys  # type: ignore[attr-defined]
    now = [1000.0]
    trusted.clock = lambda: now[0]
    assert client.get("/api/v1/requests", headers=auth).status_code == 200
    with transaction(store) as session:
        revoke(session, api_key.split("_")[1])
    now[0] += trusted.ttl - 0.001  # passed a moment ago: not looked up again yet
    assert client.get("/api/v1/requests", headers=auth).status_code == 200
    now[0] += 0.001
    assert client.get("/api/v1/requests", headers=auth).status_code == 401
    now[0] += 3600  # and a refused key is never trusted later
    assert client.get("/api/v1/requests", headers=auth).status_code == 401


def test_health_and_privacy_need_no_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}
    assert client.get("/privacy").status_code == 200


def test_create_verify_approve_list(client: TestClient, auth: dict[str, str]) -> None:
    created = _create(client, auth)
    assert created["status"] == "received" and created["due_at"]
    request_id = created["id"]
    verified = client.post(f"/api/v1/requests/{request_id}/verify", headers=auth,
                           json={"method": "logged_in"})
    assert verified.status_code == 200, verified.text
    approved = client.post(f"/api/v1/requests/{request_id}/approve", headers=auth)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    listed = client.get("/api/v1/requests", headers=auth, params={"status": "approved"}).json()
    assert [r["id"] for r in listed["requests"]] == [request_id]
    assert client.get("/api/v1/requests", headers=auth,
                      params={"overdue": "true"}).json() == {"requests": []}
    detail = client.get(f"/api/v1/requests/{request_id}", headers=auth)
    events = [e["event"] for e in detail.json()["timeline"]]
    assert events == ["received", "identity_verified", "approved"]
    assert "kari" not in detail.text.lower()  # no identifiers in the answer
    assert detail.json()["timeline"][0]["actor"].startswith("api:")


def test_illegal_transitions_are_409_with_the_lifecycle_message(
    client: TestClient, auth: dict[str, str], store: sa.Engine,
) -> None:
    request_id = _create(client, auth)["id"]
    before = row_counts(store)
    response = client.post(f"/api/v1/requests/{request_id}/approve", headers=auth)
    assert response.status_code == 409
    assert "is received and cannot be approved" in response.json()["error"]["message"]
    rejected = client.post(f"/api/v1/requests/{request_id}/reject", headers=auth,
                           json={"reason": "Manifestly unfounded (Art. 12(5))."})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = client.post(f"/api/v1/requests/{request_id}/extend", headers=auth,
                        json={"reason": "Complex."})
    assert again.status_code == 409
    assert row_counts(store)["requests"] == before["requests"]


def test_reject_and_extend_need_a_reason(client: TestClient, auth: dict[str, str]) -> None:
    request_id = _create(client, auth)["id"]
    for action in ("reject", "extend"):
        for body in ({}, {"reason": ""}, {"reason": 5}):
            response = client.post(f"/api/v1/requests/{request_id}/{action}", headers=auth,
                                   json=body)
            assert response.status_code == 422, (action, body)
    extended = client.post(f"/api/v1/requests/{request_id}/extend", headers=auth,
                           json={"reason": "Many systems to search."})
    assert extended.status_code == 200 and extended.json()["extended_due_at"]


def test_unknown_request_is_404(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/requests/0123abcd-0000-0000-0000-000000000000",
                          headers=auth)
    assert response.status_code == 404


HOSTILE: list[tuple[str, bytes | None, Any, str]] = [
    ("oversized", b'{"kind": "access", "pad": "' + b"x" * 1_048_576 + b'"}', None, "json"),
    ("not json", b"{kind: access", None, "json"),
    ("plain text", b"kind=access", None, "text"),
    ("wrong types", None, {"kind": 5, "identities": ["a"], "payload": "x"}, "json"),
    ("unknown field", None, {"kind": "access", "identities": KARI, "admin": True}, "json"),
    ("unknown kind", None, {"kind": "delete_everything", "identities": KARI}, "json"),
    ("invalid e-mail", None, {"kind": "access",
                              "identities": {"email": "kari@@nordmann"}}, "json"),
    ("invalid phone", None, {"kind": "access", "identities": {"phone": "+47 12"}}, "json"),
    ("no identity", None, {"kind": "access", "identities": {}}, "json"),
    ("long e-mail", None, {"kind": "access",
                           "identities": {"email": "a" * 300 + "@example.no"}}, "json"),
    ("language", None, {"kind": "access", "identities": KARI, "language": "<script>"}, "json"),
]


@pytest.mark.parametrize(("body", "document", "content_type"),
                         [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_input_is_refused_and_nothing_is_written(
    client: TestClient, auth: dict[str, str], store: sa.Engine,
    body: bytes | None, document: Any, content_type: str,
) -> None:
    before = row_counts(store)
    content = body if body is not None else json.dumps(document).encode()
    headers = {**auth, "Content-Type": "application/json" if content_type == "json"
               else "text/plain"}
    response = client.post("/api/v1/requests", content=content, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["message"]
    assert "kari" not in response.text.lower() and "nordmann" not in response.text.lower()
    assert row_counts(store) == before


def test_an_oversized_body_is_413_even_without_content_length(
    client: TestClient, auth: dict[str, str], store: sa.Engine,
) -> None:
    before = row_counts(store)

    def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 8192

    response = client.post("/api/v1/limits/check-bulk", content=chunks(),
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert row_counts(store) == before


def test_bulk_check_refuses_1001_subjects(client: TestClient, auth: dict[str, str],
                                          store: sa.Engine) -> None:
    subjects = [{"customer_number": f"C{i}"} for i in range(1001)]
    before = row_counts(store)
    response = client.post("/api/v1/limits/check-bulk", headers=auth,
                           json={"purpose": "newsletter", "subjects": subjects})
    assert response.status_code == 422
    assert row_counts(store) == before
    ok = client.post("/api/v1/limits/check-bulk", headers=auth,
                     json={"purpose": "newsletter", "subjects": subjects[:1000]})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 1000


def test_limits_through_the_api(client: TestClient, auth: dict[str, str],
                                store: sa.Engine) -> None:
    kari = {"email": "kari@example.no", "phone": "912 34 567"}
    before = row_counts(store)
    refused = client.post("/api/v1/limits/objection", headers=auth,
                          json={"identities": kari, "purpose": "orders"})
    assert refused.status_code == 422 and "6(1)(e) or (f)" in refused.json()["error"]["message"]
    unknown = client.post("/api/v1/limits/objection", headers=auth,
                          json={"identities": kari, "purpose": "no_such_purpose"})
    assert unknown.status_code == 422
    assert row_counts(store) == before

    objection = client.post("/api/v1/limits/objection", headers=auth,
                            json={"identities": kari, "purpose": "retargeting"})
    assert objection.status_code == 201 and objection.json()["absolute"] is True
    check = client.post("/api/v1/limits/check", headers=auth,
                        json={"identities": {"phone": "+4791234567"}, "purpose": "retargeting"})
    assert check.json()["allowed"] is False and check.json()["articles"] == ["Art. 21(3)"]
    limit_id = objection.json()["id"]
    lift = client.post(f"/api/v1/limits/{limit_id}/lift", headers=auth,
                       json={"reason": "We have a compelling interest."})
    assert lift.status_code == 409

    restriction = client.post("/api/v1/limits/restriction", headers=auth,
                              json={"identities": {"email": "ola@example.no"},
                                    "ground": "18(1)(a)"})
    assert restriction.status_code == 201
    bulk = client.post("/api/v1/limits/check-bulk", headers=auth, json={
        "purpose": "orders",
        "subjects": [{"email": "ola@example.no"}, {"email": "kari@example.no"}]}).json()
    assert [r["allowed"] for r in bulk["results"]] == [False, True]
    restriction_id = restriction.json()["id"]
    not_told = client.post(f"/api/v1/limits/{restriction_id}/lift", headers=auth,
                           json={"reason": "Accuracy checked."})
    assert not_told.status_code == 409 and "18(3)" in not_told.json()["error"]["message"]
    lifted = client.post(f"/api/v1/limits/{restriction_id}/lift", headers=auth,
                         json={"reason": "Accuracy checked.",
                               "subject_informed_at": "2026-01-05T10:00:00Z"})
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert "ola" not in lifted.text


def test_security_headers(client: TestClient, auth: dict[str, str]) -> None:
    api = client.get("/api/v1/requests", headers=auth)
    assert api.headers["Cache-Control"] == "no-store"
    for response in (api, client.get("/privacy"), client.get("/api/v1/requests")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("params", "header", "language"), [
    ({}, None, "nb"),
    ({}, "sv-SE,sv;q=0.9,en;q=0.8", "sv"),
    ({}, "nn-NO", "nb"),
    ({}, "no", "nb"),
    ({}, "de-DE,en;q=0.5", "en"),
    ({}, "fr", "nb"),
    ({"lang": "en"}, "sv", "en"),
])
def test_privacy_negotiates_the_language(
    client: TestClient, params: dict[str, str], header: str | None, language: str,
) -> None:
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/privacy", params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    assert f'<html lang="{language}"' in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_privacy_json_and_markdown(client: TestClient) -> None:
    as_json = client.get("/privacy.json", params={"lang": "sv"})
    assert as_json.status_code == 200 and as_json.json()["language"] == "sv"
    markdown = client.get("/privacy.md", headers={"Accept-Language": "en"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# ")
    assert client.get("/privacy", params={"lang": "de"}).status_code == 404


def test_openapi_lists_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/api/v1/requests", "/api/v1/requests/{request_id}",
                 "/api/v1/requests/{request_id}/approve", "/api/v1/requests/{request_id}/reject",
                 "/api/v1/requests/{request_id}/extend", "/api/v1/limits/restriction",
                 "/api/v1/limits/objection", "/api/v1/limits/{limit_id}/lift",
                 "/api/v1/limits/check", "/api/v1/limits/check-bulk", "/health", "/privacy",
                 "/privacy.json", "/privacy.md"):
        assert path in paths, path
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    create = schema["paths"]["/api/v1/requests"]["post"]
    assert create["security"] == [{"HTTPBearer": []}]
