"""``personvern demo generate`` on the command line."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from personvern.cli import app


def test_demo_generate_command(sqlite_url: str) -> None:
    runner = CliRunner()
    arguments = ["demo", "generate", "--customers", "40", "--db", sqlite_url, "--seed", "3",
                 "--batch-size", "20", "--reference-date", "2026-01-15"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "customers" in result.output
    assert "rows/s" in result.output
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 40
    engine.dispose()

    again = runner.invoke(app, arguments)
    assert again.exit_code == 1
    assert "--replace" in again.output
    assert runner.invoke(app, [*arguments, "--replace"]).exit_code == 0
