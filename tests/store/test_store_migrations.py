"""The packaged migrations create exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from personvern.cli import app
from personvern.store.database import (
    DEFAULT_URL,
    SchemaNotCurrentError,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    require_current_schema,
    upgrade,
)
from personvern.store.models import Base

TABLES = {"requests", "request_events", "identities", "tasks", "audit_entries"}


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_creates_every_table(store_url: str) -> None:
    engine = make_engine(store_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert _tables(engine) >= TABLES
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_upgrade_twice_changes_nothing(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    before = {name: sa.inspect(engine).get_columns(name) for name in TABLES}
    upgrade(engine)
    after = {name: sa.inspect(engine).get_columns(name) for name in TABLES}
    assert [str(c) for c in before.items()] == [str(c) for c in after.items()]
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_migrations_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(engine: sa.Engine) -> None:
    from alembic import command

    from personvern.store.database import _alembic_config

    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "base")
    assert not TABLES & _tables(engine)
    upgrade(engine)
    assert _tables(engine) >= TABLES


def test_schema_check_names_the_fix(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with pytest.raises(SchemaNotCurrentError, match="personvern db upgrade"):
        require_current_schema(engine)
    upgrade(engine)
    require_current_schema(engine)


def test_url_comes_from_option_then_environment_then_default() -> None:
    assert database_url("sqlite:///x.db", {"PERSONVERN_DATABASE_URL": "sqlite:///y.db"}) \
        == "sqlite:///x.db"
    assert database_url(None, {"PERSONVERN_DATABASE_URL": "sqlite:///y.db"}) == "sqlite:///y.db"
    assert database_url(None, {}) == DEFAULT_URL == "sqlite:///personvern.db"


def test_cli_upgrade_needs_no_alembic_ini(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini, no migrations folder here
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade", "--database", store_url])
    assert first.exit_code == 0, first.output
    assert "migrated from empty" in first.output
    second = runner.invoke(app, ["db", "upgrade", "--database", store_url])
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    current = runner.invoke(app, ["db", "current", "--database", store_url])
    assert head_revision() in current.output


def test_cli_default_database_is_a_sqlite_file_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERSONVERN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "personvern.db").exists()


def test_cli_reads_the_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere.db"
    monkeypatch.setenv("PERSONVERN_DATABASE_URL", f"sqlite:///{target}")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert target.exists()


def test_cli_unreachable_database_is_a_clear_error() -> None:
    result = CliRunner().invoke(
        app, ["db", "upgrade", "--database", "postgresql+psycopg://nobody:secret@127.0.0.1:1/x"]
    )
    assert result.exit_code == 2
    assert "cannot open the database" in result.output
    assert "secret" not in result.output
