"""``GET /api/v1/requests/{id}/tasks`` and ``POST /api/v1/tasks/{id}/done``: Art. 19 tasks
over the API, and hostile input that gets a 4xx and writes nothing."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from web_store import row_counts

from personvern.requests import lifecycle
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import transaction
from personvern.store.models import TEXT_MAX, RequestKind

NOTE = "Told Klarna through their DPA portal, case 88."


def running_erasure(store: sa.Engine, recipients: tuple[str, ...]) -> tuple[str, list[int]]:
    with transaction(store) as session:
        request = lifecycle.create_request(
            session, kind=RequestKind.erasure, identity=SubjectIdentity(email="kari@example.no"),
            language="nb", country="NO")
        lifecycle.verify_identity(session, request.id, method="email_link")
        lifecycle.approve(session, request.id)
        lifecycle.start(session, request.id)
        planned = lifecycle.add_recipient_tasks(session, request.id, recipients)
        session.flush()
        return request.id, [task.id for task in planned]


def test_list_and_mark_done(client: TestClient, auth: dict[str, str],
                            store: sa.Engine) -> None:
    request_id, (bring, klarna) = running_erasure(store, ("klarna", "bring"))
    listed = client.get(f"/api/v1/requests/{request_id}/tasks", headers=auth)
    assert listed.status_code == 200
    assert [(t["id"], t["recipient"], t["status"]) for t in listed.json()["tasks"]] == [
        (bring, "bring", "open"), (klarna, "klarna", "open")]
    done = client.post(f"/api/v1/tasks/{klarna}/done", headers=auth, json={"note": NOTE})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "done" and body["note"] == NOTE and body["done_at"]
    assert body["done_by"].startswith("api:")
    still_open = client.get(f"/api/v1/requests/{request_id}/tasks", headers=auth,
                            params={"open": "true"}).json()["tasks"]
    assert [t["id"] for t in still_open] == [bring]
    client.post(f"/api/v1/tasks/{bring}/done", headers=auth, json={"note": "Told Bring."})
    detail = client.get(f"/api/v1/requests/{request_id}", headers=auth).json()
    assert detail["status"] == "completed"  # the erasure was waiting only for the notices
    assert NOTE not in str(detail)  # the timeline shows events, not the notes


def test_hostile_input_is_refused_and_writes_nothing(
    client: TestClient, auth: dict[str, str], store: sa.Engine,
) -> None:
    request_id, (task,) = running_erasure(store, ("klarna",))
    before = row_counts(store)
    for path, body, status in [
        ("/api/v1/tasks/999999/done", {"note": NOTE}, 404),
        ("/api/v1/tasks/0/done", {"note": NOTE}, 422),
        ("/api/v1/tasks/-3/done", {"note": NOTE}, 422),
        (f"/api/v1/tasks/{2**31}/done", {"note": NOTE}, 422),
        ("/api/v1/tasks/abc/done", {"note": NOTE}, 422),
        (f"/api/v1/tasks/{task}/done", {}, 422),
        (f"/api/v1/tasks/{task}/done", {"note": ""}, 422),
        (f"/api/v1/tasks/{task}/done", {"note": "x" * (TEXT_MAX + 1)}, 422),
        (f"/api/v1/tasks/{task}/done", {"note": 42}, 422),
        (f"/api/v1/tasks/{task}/done", {"note": NOTE, "done_by": "someone else"}, 422),
    ]:
        response = client.post(path, headers=auth, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert "error" in response.json()
    assert client.get("/api/v1/requests/00000000-0000-0000-0000-000000000000/tasks",
                      headers=auth).status_code == 404
    assert client.get("/api/v1/requests/not-an-id/tasks", headers=auth).status_code == 404
    assert client.post(f"/api/v1/tasks/{task}/done", json={"note": NOTE}).status_code == 401
    assert row_counts(store) == before
    with transaction(store) as session:
        assert lifecycle.get_request(session, request_id).tasks[0].note is None


def test_marking_done_twice_is_refused(client: TestClient, auth: dict[str, str],
                                       store: sa.Engine) -> None:
    _request_id, (task, _other) = running_erasure(store, ("klarna", "bring"))
    assert client.post(f"/api/v1/tasks/{task}/done", headers=auth,
                       json={"note": NOTE}).status_code == 200
    before = row_counts(store)
    again = client.post(f"/api/v1/tasks/{task}/done", headers=auth,
                        json={"note": "A second note."})
    assert again.status_code == 422 and "already done" in again.json()["error"]["message"]
    assert row_counts(store) == before
    listed = client.get(f"/api/v1/requests/{_request_id}/tasks", headers=auth).json()
    assert [t["note"] for t in listed["tasks"] if t["id"] == task] == [NOTE]
