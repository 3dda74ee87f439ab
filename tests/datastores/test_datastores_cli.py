"""``personvern datastores …`` from the command line, including hostile input."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from datastores_shop import manifest_document, shop_metadata
from typer.testing import CliRunner, Result

from personvern.cli import app

runner = CliRunner()
Write = Callable[[dict[str, Any]], Path]


def _text(result: Result) -> str:
    """stdout and stderr, with Rich's line wrapping undone."""
    parts = [result.output]
    with contextlib.suppress(ValueError):  # stderr not captured apart from stdout
        parts.append(result.stderr)
    return " ".join(" ".join(parts).split())


def _shop(sqlite_url: str) -> str:
    engine = sa.create_engine(sqlite_url)
    shop_metadata().create_all(engine)
    engine.dispose()
    return sqlite_url


def test_verify_clean_exits_zero(sqlite_url: str, write_manifest: Write,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_DATABASE_URL", _shop(sqlite_url))
    result = runner.invoke(app, ["datastores", "verify", str(write_manifest(manifest_document()))])
    assert result.exit_code == 0, _text(result)
    assert "matches the database" in _text(result)


def test_verify_findings_exit_one_as_text_and_json(sqlite_url: str, write_manifest: Write,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    engine = sa.create_engine(_shop(sqlite_url))
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE customers ADD COLUMN epost TEXT")
    engine.dispose()
    monkeypatch.setenv("SHOP_DATABASE_URL", sqlite_url)
    path = str(write_manifest(manifest_document()))

    result = runner.invoke(app, ["datastores", "verify", path])
    assert result.exit_code == 1, _text(result)
    assert "undeclared_personal_column" in _text(result) and "customers.epost" in _text(result)

    result = runner.invoke(app, ["datastores", "verify", path, "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["clean"] is False
    [finding] = document["findings"]
    assert finding["datastore"] == "shop" and finding["column"] == "epost"
    assert finding["location"].startswith(path)


def test_nonexistent_manifest(tmp_path: Path) -> None:
    result = runner.invoke(app, ["datastores", "verify", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "does not load" in _text(result) and "Traceback" not in _text(result)


def test_manifest_that_does_not_load(write_manifest: Write) -> None:
    document = manifest_document()
    document["datastores"]["shop"]["collections"]["orders"]["fields"]["customer_id"] = {
        "references": "nowhere.id"}
    document["organization"]["colour"] = "blue"
    path = write_manifest(document)
    for command in (["verify", str(path)], ["plan", str(path), "--identity", "email"],
                    ["export-fides", str(path)]):
        result = runner.invoke(app, ["datastores", *command])
        assert result.exit_code == 2, command
        text = _text(result)
        assert "unknown key 'colour'" in text and f"{path}:" in text
        assert "Traceback" not in text


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://nobody:secret@127.0.0.1:1/x",
    "mysql+pymysql://nobody:secret@127.0.0.1:1/x",
])
@pytest.mark.parametrize("output", ["text", "json"])
def test_unreachable_database_never_shows_the_password(
    url: str, output: str, write_manifest: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_DATABASE_URL", url)
    path = write_manifest(manifest_document())
    result = runner.invoke(app, ["datastores", "verify", str(path), "--format", output])
    assert result.exit_code == 2
    text = _text(result)
    assert "secret" not in text
    assert "datastore 'shop'" in text and "cannot connect" in text and "***" in text
    assert "Traceback" not in text


def test_unset_url_variable_and_missing_sqlite_file(
    tmp_path: Path, write_manifest: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    path = write_manifest(manifest_document())
    result = runner.invoke(app, ["datastores", "verify", str(path)])
    assert result.exit_code == 2 and "environment variable" in _text(result)

    monkeypatch.setenv("SHOP_DATABASE_URL", f"sqlite:///{tmp_path}/absent.db")
    result = runner.invoke(app, ["datastores", "verify", str(path)])
    assert result.exit_code == 2 and "no SQLite database" in _text(result)
    assert not (tmp_path / "absent.db").exists()  # not created by looking


def test_unknown_datastore_name(write_manifest: Write) -> None:
    path = str(write_manifest(manifest_document()))
    for command in (["verify", path], ["plan", path, "--identity", "email"]):
        result = runner.invoke(app, ["datastores", *command, "--datastore", "warehouse"])
        assert result.exit_code == 2
        assert "no datastore 'warehouse'" in _text(result) and "shop" in _text(result)


def test_plan_prints_the_queries_without_a_database(write_manifest: Write,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    path = str(write_manifest(manifest_document()))
    result = runner.invoke(app, ["datastores", "plan", path, "--identity", "email"])
    assert result.exit_code == 0, _text(result)
    text = _text(result)
    order = [text.index(f"hop {hop} · {name}") for hop, name in
             [(0, "customers"), (0, "orders"), (1, "addresses"), (1, "order_items"),
              (2, "products")]]
    assert order == sorted(order)
    assert "lower(customers.email) IN (:email)" in text
    assert "unreachable" in text and "tickets" in text

    result = runner.invoke(app, ["datastores", "plan", path, "--identity", "phone"])
    assert result.exit_code == 0
    assert "LIKE" in _text(result) and "E.164" in _text(result)


def test_import_fides_hostile_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["datastores", "import-fides", str(tmp_path / "none.yml")])
    assert result.exit_code == 2 and "cannot read" in _text(result)
    bad = tmp_path / "bad.yml"
    for content in ("dataset: [", "just: text", "dataset:\n  - name: no key\n"):
        bad.write_text(content)
        result = runner.invoke(app, ["datastores", "import-fides", str(bad)])
        assert result.exit_code == 2, content
        assert "Traceback" not in _text(result)
