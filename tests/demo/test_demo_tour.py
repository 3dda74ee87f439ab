"""``personvern demo`` without a sub-command: the README's first command's main job."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from personvern.cli import app

runner = CliRunner()


def test_demo_builds_checks_and_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERSONVERN_DEMO_DB", raising=False)
    url = f"sqlite:///{tmp_path}/demo.db"
    first = runner.invoke(app, ["demo", "--customers", "50", "--db", url])
    assert first.exit_code == 0, first.output
    assert "0 errors, 0 warnings, 0 infos" in first.output
    assert "built the demo shop" in first.output and "50 customers" in first.output
    assert "every table and column is declared" in first.output
    assert "lower(customers.email) IN" in first.output
    second = runner.invoke(app, ["demo", "--db", url])
    assert second.exit_code == 0 and "using the demo shop" in second.output
