"""``personvern demo`` without a sub-command: the README's first command's main job."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from personvern.cli import app

runner = CliRunner()


def test_demo_builds_checks_and_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    # The command sets both for its process; monkeypatch puts them back after the test.
    monkeypatch.setenv("PERSONVERN_DEMO_DB", url)
    monkeypatch.setenv("PERSONVERN_SECRET", "demo-tour-test-secret-" + "t" * 20)
    arguments = ["demo", "--no-serve", "--dir", str(tmp_path / "files")]
    first = runner.invoke(app, [*arguments, "--customers", "50", "--db", url])
    assert first.exit_code == 0, first.output
    assert "0 errors, 0 warnings, 0 infos" in first.output
    assert "built the demo shop" in first.output and "50 customers" in first.output
    assert "every table and column is declared" in first.output
    assert "lower(customers.email) IN" in first.output
    assert "personvern demo is ready" in first.output
    assert not (tmp_path / "files" / "personvern-demo.db").exists()  # --db was used
    assert (tmp_path / "files" / "personvern-demo-store.db").is_file()
    second = runner.invoke(app, [*arguments, "--db", url])
    assert second.exit_code == 0 and "using the demo shop" in second.output
