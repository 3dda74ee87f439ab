"""``personvern demo``: builds, sets up and serves everything; again on a second run."""

from __future__ import annotations

import re
import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from demo_process import DemoProcess, run_demo

CUSTOMERS = "40"
_API_KEY = re.compile(r"API key\s+(pv_\S+)")


def test_demo_no_serve_twice_reuses_the_folder(tmp_path: Path) -> None:
    first = run_demo("--no-serve", "--customers", CUSTOMERS, "--dir", "demo", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    folder = tmp_path / "demo"
    assert "built the demo shop" in first.stdout and "40 customers" in first.stdout
    assert "every table and column is declared" in first.stdout
    assert "personvern demo is ready" in first.stdout
    for name in ("personvern-demo.db", "personvern-demo-store.db", ".personvern-secret"):
        assert (folder / name).is_file(), name
    assert str(folder / "personvern-demo-outbox") in first.stdout
    secret = (folder / ".personvern-secret").read_text()

    second = run_demo("--no-serve", "--dir", "demo", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "using the demo shop" in second.stdout
    # Only a key's hash is kept: each run prints a new key and revokes the old one.
    keys = [_API_KEY.search(run.stdout) for run in (first, second)]
    assert all(keys) and keys[0] != keys[1]
    logins = [_LOGIN.search(run.stdout) for run in (first, second)]
    assert all(logins) and logins[0] != logins[1]  # the officer's password is set anew
    assert (folder / ".personvern-secret").read_text() == secret
    engine = sa.create_engine(f"sqlite:///{folder / 'personvern-demo.db'}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 40
    engine.dispose()
    store = sa.create_engine(f"sqlite:///{folder / 'personvern-demo-store.db'}")
    with store.connect() as connection:
        live = connection.execute(sa.text(
            "SELECT count(*) FROM api_keys WHERE name = 'demo-shop' AND revoked_at IS NULL"
        )).scalar()
    store.dispose()
    assert live == 1


_GUEST = re.compile(r"Try as\s+(\S+@\S+)")
_LOGIN = re.compile(r"Admin login\s+(\S+) / (\S+)")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _officer_logs_in(client: httpx.Client, output: str) -> None:
    """The printed officer logs in to the admin console and sees the request queue."""
    login = _LOGIN.search(output)
    assert login, output
    form = _get(client, "/admin/login")
    token = _CSRF.search(form.text)
    assert token
    answer = client.post("/admin/login", data={
        "username": login.group(1), "password": login.group(2),
        "csrf_token": token.group(1), "next": "/admin"})
    assert answer.status_code == 303, answer.text[:300]
    queue = client.get(answer.headers["location"])
    assert queue.status_code == 200 and "/admin/logout" in queue.text


def _request_is_carried_out(client: httpx.Client, output: str) -> None:
    """The printed API key works, and the demo's worker carries out an approved request."""
    key, guest = _API_KEY.search(output), _GUEST.search(output)
    assert key and guest, output
    auth = {"Authorization": f"Bearer {key.group(1)}"}
    created = client.post("/api/v1/requests", headers=auth, json={
        "kind": "access", "identities": {"email": guest.group(1)}, "language": "en"})
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    verified = client.post(f"/api/v1/requests/{request_id}/verify", headers=auth,
                           json={"method": "email_link"})
    assert verified.status_code == 200, verified.text
    approved = client.post(f"/api/v1/requests/{request_id}/approve", headers=auth)
    assert approved.status_code == 200, approved.text
    deadline = time.monotonic() + 60
    status = approved.json()["status"]
    while status != "completed" and time.monotonic() < deadline:
        time.sleep(0.25)
        status = client.get(f"/api/v1/requests/{request_id}", headers=auth).json()["status"]
    assert status == "completed"


def _get(client: httpx.Client, path: str) -> httpx.Response:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM],
                         ids=["sigint", "sigterm"])
def test_demo_serves_shop_portal_admin_and_notice(tmp_path: Path,
                                                  stop_with: signal.Signals) -> None:
    demo = DemoProcess("--customers", CUSTOMERS, "--port", "0", cwd=tmp_path)
    try:
        base = demo.wait_until_served()
        with httpx.Client(base_url=base, timeout=10) as client:
            shop = _get(client, "/?lang=en").text
            assert '<script src="/banner.js"></script>' in shop
            assert 'type="text/plain" data-consent="marketing"' in shop
            assert 'data-consent-embed="functional"' in shop
            assert 'href="/privacy?lang=en"' in shop and 'href="/portal?lang=en"' in shop
            assert "'unsafe-eval'" not in _get(client, "/").headers["content-security-policy"]
            assert _get(client, "/demo-static/marketing.js").text.startswith("/*")
            assert "personvern consent banner" in _get(client, "/banner.js").text
            assert "Fjordhund AS" in _get(client, "/privacy").text
            assert _get(client, "/portal").headers["content-type"].startswith("text/html")
            _request_is_carried_out(client, "".join(demo.output))
            _officer_logs_in(client, "".join(demo.output))
    finally:
        output = demo.stop(stop_with)
    assert demo.process.returncode == 0, output
    assert f"personvern demo stopped ({signal.Signals(stop_with).name})" in output
    assert f"{base}/portal" in output
    assert f"{base}/privacy" in output
    assert f"{base}/admin" in output
    assert "Traceback" not in output


def test_demo_refuses_a_port_in_use_and_writes_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_demo("--port", str(port), "--dir", "demo", cwd=tmp_path)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize(("arguments", "message"), [
    (["--port", "70000"], "'--port'"),
    (["--port", "-1"], "'--port'"),
    (["--host", "no-such-host.invalid"], "unknown host"),
    (["--customers", "0"], "--customers"),
])
def test_demo_refuses_bad_options(tmp_path: Path, arguments: list[str], message: str) -> None:
    result = run_demo(*arguments, "--dir", "demo", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "demo").exists()


def test_demo_refuses_a_folder_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    inside = run_demo("--no-serve", "--dir", str(blocker / "demo"), cwd=tmp_path)
    assert inside.returncode == 2
    assert f"cannot write in {blocker / 'demo'}" in inside.stderr
    itself = run_demo("--no-serve", "--dir", str(blocker), cwd=tmp_path)
    assert itself.returncode == 2
    assert "is a file" in itself.stderr
    assert "Traceback" not in inside.stderr + itself.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file"]


def test_tasks_demo_passes_options_on_and_sigterm_stops_the_demo(tmp_path: Path) -> None:
    """The README's first command: ``python3 tasks.py demo`` with options; a SIGTERM to it
    reaches the demo, which shuts down cleanly (no orphaned server)."""
    tasks_py = Path(__file__).parents[2] / "tasks.py"
    demo = DemoProcess("--port", "0", "--customers", CUSTOMERS, "--dir", str(tmp_path),
                       cwd=tmp_path, command=[sys.executable, str(tasks_py), "demo"])
    try:
        base = demo.wait_until_served()
        with httpx.Client(base_url=base, timeout=10) as client:
            assert "Fjordhund" in _get(client, "/").text
    finally:
        output = demo.stop(signal.SIGTERM)
    assert demo.process.returncode == 0, output
    assert "personvern demo stopped (SIGTERM)" in output
    with pytest.raises(httpx.ConnectError):
        httpx.get(base, timeout=2)
