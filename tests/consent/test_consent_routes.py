"""The consent routes on a small app of their own, with hostile input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated

import pytest
import sqlalchemy as sa
from consent_shop import KEY
from fastapi import FastAPI, Header, HTTPException
from fastapi.testclient import TestClient

from personvern.consent import records
from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest
from personvern.store.database import session_factory, transaction
from personvern.store.models import ConsentEvent, ConsentLink
from personvern.web.consent_routes import BANNER_FILE, create_consent_router

API_KEY = "test-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def require_api_key(authorization: Annotated[str | None, Header()] = None) -> None:
    if authorization != f"Bearer {API_KEY}":
        raise HTTPException(401, "an API key is required")


def consent_app(engine: sa.Engine, manifest: Manifest) -> FastAPI:
    app = FastAPI()
    app.include_router(create_consent_router(lambda: manifest, session_factory(engine),
                                             require_api_key, hash_key=KEY))
    return app


@pytest.fixture
def client(engine: sa.Engine, manifest: Manifest) -> Iterator[TestClient]:
    with TestClient(consent_app(engine, manifest)) as made:
        yield made


def _rows(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        events = connection.scalar(sa.select(sa.func.count()).select_from(ConsentEvent))
        links = connection.scalar(sa.select(sa.func.count()).select_from(ConsentLink))
    return int(events or 0), int(links or 0)


def _set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined,no-any-return]


# --- the banner ------------------------------------------------------------------------------


def test_the_banner_script_is_served_with_cache_headers(client: TestClient) -> None:
    response = client.get("/banner.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.content == BANNER_FILE.read_bytes()
    again = client.get("/banner.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(("lang", "expected", "accept"), [
    ("nb-NO", "nb", "Godta alle"), ("no", "nb", "Godta alle"), ("sv", "sv", "Godkänn alla"),
    ("en", "en", "Accept all"), ("de", "en", "Accept all"), ("x" * 5000, "en", "Accept all"),
])
def test_the_config_is_in_the_pages_language(
    client: TestClient, manifest: Manifest, lang: str, expected: str, accept: str,
) -> None:
    config = client.get("/banner/config.json", params={"lang": lang}).json()
    assert config["language"] == expected and config["texts"]["accept_all"] == accept
    assert config["version"] == notice_version(manifest).id
    by_key = {c["key"]: c for c in config["categories"]}
    assert list(by_key) == ["necessary", "performance", "functional", "marketing"]
    assert by_key["necessary"]["necessary"] is True
    assert {"_ga", "_ga_*", "_gid"} <= {c["name"] for c in by_key["performance"]["cookies"]}
    assert [v["key"] for v in by_key["marketing"]["vendors"]] == ["google_ads"]
    assert config["consent_mode"]["ad_user_data"] == "marketing"
    assert config["gpc_refuses"] == ["marketing"]


def test_gpc_support_is_declared(client: TestClient) -> None:
    assert client.get("/.well-known/gpc.json").json()["gpc"] is True


# --- choices from the banner ---------------------------------------------------------------


def test_a_choice_sets_both_cookies_and_is_recorded(
    client: TestClient, engine: sa.Engine, manifest: Manifest,
) -> None:
    response = client.post("/consent", json={
        "categories": {"performance": True, "functional": False, "marketing": False},
        "language": "nb-NO"}, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["granted"] == ["performance"] and body["recorded"] is True
    cookies = _set_cookies(response)
    consent = next(c for c in cookies if c.startswith("pv_consent="))
    visitor = next(c for c in cookies if c.startswith("pv_visitor="))
    assert f"pv_consent={notice_version(manifest).id}~" in consent
    assert consent.split(";")[0].endswith("~performance~e")
    assert "Max-Age=31536000" in consent and "SameSite=lax" in consent
    assert "Secure" not in consent and "HttpOnly" not in consent
    assert "HttpOnly" in visitor
    visitor_id = client.cookies["pv_visitor"]
    assert records.VISITOR_ID.match(visitor_id)
    # The same browser again: the same subject, now with two events.
    client.post("/consent", json={"categories": {"marketing": True}, "language": "nb"})
    with transaction(engine) as session:
        state = records.current_state(session, records.visitor(visitor_id), KEY)
        found = records.proof(session, manifest, records.visitor(visitor_id), KEY)
    assert state.categories["marketing"].granted and state.categories["performance"].granted
    assert [e.language for e in found.events] == ["nb", "nb"]
    assert found.events[0].user_agent_family == "Firefox"


def test_cookies_are_secure_over_https(engine: sa.Engine, manifest: Manifest) -> None:
    with TestClient(consent_app(engine, manifest), base_url="https://shop.test") as client:
        response = client.post("/consent", json={"categories": {"marketing": False}})
    assert all("Secure" in c for c in _set_cookies(response))


def test_sec_gpc_refuses_marketing_once(client: TestClient, engine: sa.Engine) -> None:
    first = client.post("/consent", json={"language": "en"}, headers={"Sec-GPC": "1"})
    assert first.status_code == 200, first.text
    assert first.json()["source"] == "gpc" and first.json()["recorded"] is True
    assert client.cookies["pv_consent"].endswith("~~g")
    second = client.post("/consent", json={"language": "en"}, headers={"Sec-GPC": "1"})
    assert second.json()["recorded"] is False
    assert _rows(engine) == (1, 0)
    explicit = client.post("/consent", json={"categories": {"marketing": True}},
                           headers={"Sec-GPC": "1"})
    assert explicit.json()["granted"] == ["marketing"] and explicit.json()["source"] == "choice"


@pytest.mark.parametrize("header", ["0", "true", "1 ", "yes"])
def test_only_exactly_1_is_a_gpc_signal(client: TestClient, engine: sa.Engine,
                                        header: str) -> None:
    response = client.post("/consent", json={"language": "en"}, headers={"Sec-GPC": header})
    assert response.status_code == 422
    assert _rows(engine) == (0, 0)


def test_withdrawal_expires_the_listed_cookies_on_parent_domains(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    with TestClient(consent_app(engine, manifest), base_url="http://www.shop.test") as client:
        response = client.post(
            "/consent", json={"categories": {"performance": False, "marketing": False}},
            headers={"Cookie": "_ga_XYZ=GS1.1; _ga=GA1.2; fjellsko_session=s; other=1"})
    expired = [c for c in _set_cookies(response) if "Max-Age=0" in c]
    names = {c.split("=")[0] for c in expired}
    assert names == {"_ga_XYZ", "_ga"}
    domains = {part.strip() for c in expired for part in c.split(";")
               if part.strip().startswith("Domain=")}
    assert domains == {"Domain=.www.shop.test", "Domain=.shop.test"}


HOSTILE: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("oversized", b'{"categories": {"marketing": true}, "x": "' + b"a" * 20000 + b'"}', {},
     413, "larger than"),
    ("not json", b"{categories", {}, 400, "not valid JSON"),
    ("deep json", b"[" * 4000 + b"]" * 4000, {}, 400, "not valid JSON"),
    ("array", b"[]", {}, 422, "JSON object"),
    ("wrong type", b'{"categories": {"marketing": "yes"}}', {}, 422, "not valid"),
    ("string map", b'{"categories": "marketing"}', {}, 422, "not valid"),
    ("unknown field", b'{"categories": {"marketing": true}, "admin": true}', {}, 422,
     "not valid"),
    ("unknown category", b'{"categories": {"tracking": true}}', {}, 422, "unknown category"),
    ("necessary refused", b'{"categories": {"necessary": false}}', {}, 422, "necessary"),
    ("no choice", b'{"categories": {}}', {}, 422, "GPC signal"),
    ("forged visitor", b'{"categories": {"marketing": true}}',
     {"Cookie": "pv_visitor=../../etc/passwd"}, 422, "visitor id"),
    ("oversized visitor", b'{"categories": {"marketing": true}}',
     {"Cookie": "pv_visitor=" + "A" * 65}, 422, "visitor id"),
]


@pytest.mark.parametrize(("name", "body", "headers", "status", "message"), HOSTILE,
                         ids=[case[0] for case in HOSTILE])
def test_hostile_banner_input_writes_nothing(
    client: TestClient, engine: sa.Engine, name: str, body: bytes, headers: dict[str, str],
    status: int, message: str,
) -> None:
    before = _rows(engine)
    response = client.post("/consent", content=body,
                           headers={"Content-Type": "application/json", **headers})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert message in error["message"] + " ".join(error.get("problems", []))
    assert "passwd" not in response.text and "A" * 65 not in response.text
    assert _rows(engine) == before
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(("headers", "status"), [
    ({"Content-Type": "text/plain"}, 415),
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
    ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403),
])
def test_a_choice_forged_by_another_site_is_refused(
    client: TestClient, engine: sa.Engine, headers: dict[str, str], status: int,
) -> None:
    response = client.post("/consent", content=b'{"categories": {"marketing": true}}',
                           headers=headers)
    assert response.status_code == status, response.text
    assert _rows(engine) == (0, 0) and "set-cookie" not in response.headers


def test_a_same_origin_choice_passes_the_origin_check(client: TestClient) -> None:
    response = client.post("/consent", json={"categories": {"marketing": False}},
                           headers={"Origin": "http://testserver",
                                    "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200, response.text


def test_a_lying_content_length_is_refused(client: TestClient, engine: sa.Engine) -> None:
    response = client.post("/consent", content=b"{}",
                           headers={"Content-Length": "999999999",
                                    "Content-Type": "application/json"})
    assert response.status_code in (400, 413)
    assert _rows(engine) == (0, 0)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_needs_a_key(client: TestClient) -> None:
    question = {"subject": {"kind": "customer_number", "value": "K-1"}, "purpose": "newsletter"}
    assert client.post("/api/v1/consent/decision", json=question).status_code == 401
    assert client.post("/api/v1/consent/decision", json=question,
                       headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_events_link_and_decisions(client: TestClient, engine: sa.Engine) -> None:
    recorded = client.post("/api/v1/consent/events", headers=AUTH, json={
        "subject": {"kind": "email", "value": "Kari@Example.no"},
        "purposes": {"newsletter": True}, "source": "double_opt_in", "language": "nb"})
    assert recorded.status_code == 201, recorded.text
    assert "kari" not in recorded.text.lower()
    client.post("/consent", json={"categories": {"marketing": True}}, headers=AUTH)
    visitor_id = client.cookies["pv_visitor"]
    linked = client.post("/api/v1/consent/link", headers=AUTH,
                         json={"visitor_id": visitor_id, "customer_number": "K-1"})
    assert linked.status_code == 201 and linked.json()["new"] is True
    assert client.post("/api/v1/consent/link", headers=AUTH, json={
        "visitor_id": visitor_id, "customer_number": "K-1"}).status_code == 200
    single = client.post("/api/v1/consent/decision", headers=AUTH, json={
        "subject": {"kind": "email", "value": "kari@example.no"}, "purpose": "newsletter"})
    assert single.status_code == 200 and single.json()["allowed"] is True
    assert single.json()["reason"] == "consent_given"
    bulk = client.post("/api/v1/consent/decision-bulk", headers=AUTH, json={
        "subjects": [{"kind": "customer_number", "value": "K-1"},
                     {"kind": "customer_number", "value": "K-2"}],
        "purposes": ["ads", "order_fulfilment"]})
    assert bulk.status_code == 200, bulk.text
    rows = bulk.json()["decisions"]
    assert [d["allowed"] for d in rows[0]["decisions"]] == [True, True]
    assert [d["reason"] for d in rows[1]["decisions"]] == ["no_consent", "not_consent_basis"]


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/v1/consent/decision", {"subject": {"kind": "passport", "value": "1"},
                                  "purpose": "newsletter"}, 422),
    ("/api/v1/consent/decision", {"subject": {"kind": "email", "value": "x" * 400},
                                  "purpose": "newsletter"}, 422),
    ("/api/v1/consent/decision", {"subject": {"kind": "email", "value": "a@b.no"},
                                  "purpose": "mind_reading"}, 422),
    ("/api/v1/consent/decision-bulk", {"subjects": [{"kind": "customer_number",
                                                     "value": "K"}] * 1001,
                                       "purposes": ["ads"]}, 422),
    ("/api/v1/consent/events", {"subject": {"kind": "customer_number", "value": "K-1"},
                                "purposes": {"order_fulfilment": True}, "source": "api",
                                "language": "nb"}, 422),
    ("/api/v1/consent/events", {"subject": {"kind": "customer_number", "value": "K-1"},
                                "purposes": {"newsletter": True}, "source": "gpc",
                                "language": "nb"}, 422),
    ("/api/v1/consent/link", {"visitor_id": "forged!", "customer_number": "K-1"}, 422),
])
def test_hostile_api_input_writes_nothing(
    client: TestClient, engine: sa.Engine, path: str, body: object, status: int,
) -> None:
    before = _rows(engine)
    response = client.post(path, headers=AUTH, content=json.dumps(body))
    assert response.status_code == status, response.text
    assert "x" * 400 not in response.text and "forged!" not in response.text
    assert _rows(engine) == before
