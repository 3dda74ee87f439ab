"""The API on PostgreSQL: the same routes, the same refusals (engine store on the server)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from web_store import row_counts

from personvern.jobs import queue

pytestmark = pytest.mark.postgres


@pytest.fixture
def web_store_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture(autouse=True)
def job_queue(store: sa.Engine, web_store_url: str) -> None:
    # Approving queues the request's run on procrastinate: `personvern worker --setup`.
    queue.apply_schema(queue.make_app(web_store_url))


def test_flow_on_postgres(client: TestClient, auth: dict[str, str], store: sa.Engine) -> None:
    assert store.dialect.name == "postgresql"
    created = client.post("/api/v1/requests", headers=auth, json={
        "kind": "objection", "identities": {"email": "kari@example.no"},
        "payload": {"purposes": ["recommendations"]}})
    assert created.status_code == 201
    request_id = created.json()["id"]
    assert client.post(f"/api/v1/requests/{request_id}/approve",
                       headers=auth).status_code == 409
    client.post(f"/api/v1/requests/{request_id}/verify", headers=auth,
                json={"method": "email_link"})
    assert client.post(f"/api/v1/requests/{request_id}/approve",
                       headers=auth).json()["status"] == "approved"
    listed = client.get("/api/v1/requests", headers=auth).json()["requests"]
    assert [r["id"] for r in listed] == [request_id]

    objection = client.post("/api/v1/limits/objection", headers=auth, json={
        "identities": {"email": "kari@example.no"}, "purpose": "recommendations",
        "request_id": request_id})
    assert objection.status_code == 201 and objection.json()["absolute"] is False
    check = client.post("/api/v1/limits/check", headers=auth, json={
        "identities": {"email": "KARI@example.no"}, "purpose": "recommendations"}).json()
    assert check["allowed"] is False and check["articles"] == ["Art. 21(1)"]
    lifted = client.post(f"/api/v1/limits/{objection.json()['id']}/lift", headers=auth,
                         json={"reason": "Compelling grounds: fraud pattern analysis."})
    assert lifted.status_code == 200
    again = client.post("/api/v1/limits/check", headers=auth, json={
        "identities": {"email": "kari@example.no"}, "purpose": "recommendations"}).json()
    assert again["allowed"] is True


def test_hostile_input_writes_nothing_on_postgres(
    client: TestClient, auth: dict[str, str], store: sa.Engine,
) -> None:
    before = row_counts(store)
    for content in (b"x" * 1_048_576, b"[1, 2", b'{"kind": "access", "identities": {}}'):
        response = client.post("/api/v1/requests", content=content,
                               headers={**auth, "Content-Type": "application/json"})
        assert 400 <= response.status_code < 500
    bulk = client.post("/api/v1/limits/check-bulk", headers=auth, json={
        "purpose": "orders", "subjects": [{"email": f"p{i}@example.no"} for i in range(1001)]})
    assert bulk.status_code == 422
    assert row_counts(store) == before
