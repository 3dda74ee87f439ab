"""``personvern requests run`` and ``export``: the round trip, and clear refusals."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from personvern.cli import app
from personvern.demo.generate import generate
from personvern.requests import lifecycle
from personvern.requests.subject import subject_identity
from personvern.store.database import make_engine, upgrade
from personvern.store.models import RequestKind

MANIFEST = resources.files("personvern.demo").joinpath("manifest.yaml")
SECRET = "cli-test-secret-of-at-least-32-characters"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[str, str, dict[str, str]]:
    """The demo shop on SQLite, a migrated engine store; returns store URL, email, env."""
    shop = f"sqlite:///{tmp_path}/shop.db"
    generate(shop, 60, seed=3)
    with sa.create_engine(shop).connect() as connection:
        email = str(connection.scalar(sa.text("SELECT email FROM customers ORDER BY id")))
    store = f"sqlite:///{tmp_path}/store.db"
    upgrade(make_engine(store))
    env = {"PERSONVERN_DEMO_DB": shop, "PERSONVERN_SECRET": SECRET, "COLUMNS": "160"}
    return store, email, env


def approved(store: str, email: str, kind: RequestKind = RequestKind.access) -> str:
    engine = make_engine(store)
    with Session(engine) as session:
        request = lifecycle.create_request(
            session, kind=kind, identity=subject_identity(email=email, country="NO"),
            language="en", country="NO",
            received_at=datetime.now(UTC) - timedelta(days=1))
        lifecycle.verify_identity(session, request.id, method="email_link")
        lifecycle.approve(session, request.id)
        session.commit()
        request_id = request.id
    engine.dispose()
    return request_id


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def test_run_then_export_round_trip(setup: tuple[str, str, dict[str, str]],
                                    tmp_path: Path) -> None:
    store, email, env = setup
    request_id = approved(store, email)
    ran = invoke(env, "requests", "run", request_id[:8], "--manifest", str(MANIFEST),
                 "--database", store, "--max-uses", "1")
    assert ran.exit_code == 0, ran.output
    assert "shop.customers" in ran.output and "completed" in ran.output
    assert email not in ran.output  # counts only, never a row's value
    token = ran.output.split("token: ")[1].split()[0]
    assert "expires: " in ran.output

    target = tmp_path / "answer.zip"
    exported = invoke(env, "requests", "export", request_id, "--token", token, "-o",
                      str(target), "--database", store)
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        data = json.loads(archive.read("data.json"))
        assert "report.html" in archive.namelist()
    assert data["request"] == request_id
    assert data["datastores"]["shop"]["customers"][0]["email"] == email

    again = invoke(env, "requests", "export", request_id, "--token", token, "-o",
                   str(target), "--database", store)
    assert again.exit_code == 1
    assert "used" in again.output and "Traceback" not in again.output

    rerun = invoke(env, "requests", "run", request_id, "--manifest", str(MANIFEST),
                   "--database", store)
    assert rerun.exit_code == 1
    assert "already completed" in rerun.output


def test_refusals_are_clear_and_hold_no_personal_data(
    setup: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    store, email, env = setup
    erasure = approved(store, email, RequestKind.objection)  # without its "purposes"
    result = invoke(env, "requests", "run", erasure, "--manifest", str(MANIFEST),
                    "--database", store)
    assert result.exit_code == 1
    assert '"purposes"' in result.output
    assert email not in result.output

    unknown = invoke(env, "requests", "export", erasure, "--token", "nope", "-o",
                     str(tmp_path / "x.zip"), "--database", store)
    assert unknown.exit_code == 1 and "not valid" in unknown.output
    missing = invoke(env, "requests", "run", erasure, "--manifest",
                     str(tmp_path / "none.yaml"), "--database", store)
    assert missing.exit_code == 2

    broken = dict(env, PERSONVERN_DEMO_DB=f"sqlite:///{tmp_path}/no-such-shop.db")
    access_id = approved(store, email)
    down = invoke(broken, "requests", "run", access_id, "--manifest", str(MANIFEST),
                  "--database", store)
    assert down.exit_code == 1
    assert "datastore 'shop'" in down.output and "Traceback" not in down.output
