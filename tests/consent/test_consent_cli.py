"""``personvern consent record | link | proof``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from consent_shop import SHOP, VISITOR
from typer.testing import CliRunner

from personvern.cli import app
from personvern.store.models import ConsentEvent

SECRET = "cli-test-secret-" * 3


@pytest.fixture
def run(sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PERSONVERN_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)
    monkeypatch.setenv("PERSONVERN_MANIFEST", str(SHOP))
    return CliRunner()


def _count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(ConsentEvent)) or 0)


def test_record_link_and_proof(run: CliRunner, sqlite_engine: sa.Engine) -> None:
    recorded = run.invoke(app, ["consent", "record", f"visitor_id:{VISITOR}", "--category",
                                "marketing=no", "--category", "performance=yes",
                                "--source", "banner"])
    assert recorded.exit_code == 0, recorded.output
    assert "Recorded consent event #1" in recorded.output
    assert run.invoke(app, ["consent", "link", VISITOR, "K-1"]).output.strip() == "Linked."
    run.invoke(app, ["consent", "record", "customer:K-1", "--purpose", "newsletter=yes",
                     "--source", "double_opt_in", "--lang", "sv"])
    proof = run.invoke(app, ["consent", "proof", "customer_number:K-1"])
    assert proof.exit_code == 0, proof.output
    assert "2 events, 1 linked identities" in proof.output
    assert "banner" in proof.output and "double_opt_in" in proof.output
    assert "marketing=no, performance=yes" in proof.output
    document = json.loads(run.invoke(app, ["consent", "proof", "customer:K-1", "--json"]).output)
    assert document["state"]["purposes"]["newsletter"]["granted"] is True
    assert [e["language"] for e in document["events"]] == ["nb", "sv"]
    assert VISITOR not in json.dumps(document)


@pytest.mark.parametrize("arguments", [
    ["consent", "record", "customer:K-1", "--category", "tracking=yes"],
    ["consent", "record", "customer:K-1", "--category", "marketing=maybe"],
    ["consent", "record", "customer:K-1", "--purpose", "newsletter=yes", "--source", "fax"],
    ["consent", "record", "visitor_id:forged", "--category", "marketing=yes"],
    ["consent", "record", "customer:K-1"],
    ["consent", "record", "someone", "--category", "marketing=yes"],
    ["consent", "link", "forged", "K-1"],
])
def test_wrong_input_exits_2_and_writes_nothing(
    run: CliRunner, sqlite_engine: sa.Engine, arguments: list[str],
) -> None:
    result = run.invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert _count(sqlite_engine) == 0


def test_a_missing_manifest_is_a_usage_error(run: CliRunner, tmp_path: Path) -> None:
    result = run.invoke(app, ["consent", "proof", "customer:K-1", "--manifest",
                              str(tmp_path / "none.yaml")])
    assert result.exit_code == 2


def test_version_prints_the_hash_and_its_document(run: CliRunner) -> None:
    from personvern.consent.version import canonical_json, notice_version
    from personvern.manifest.load import load_manifest

    version = notice_version(load_manifest(SHOP).manifest)
    result = run.invoke(app, ["consent", "version", "--document"])
    assert result.exit_code == 0
    first, second = result.output.splitlines()[:2]
    assert first == version.id
    assert second.encode("utf-8") == canonical_json(version.document)
