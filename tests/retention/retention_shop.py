"""Small shops for the retention tests: tables made with SQLAlchemy on any backend, and a
manifest declaring them (a module of its own: ``conftest`` names clash across folders)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.retention.sweep import Moment

SECRET = "retention-tests-secret-0123456789abcdef"

HEADER = """version: 1
organization: {{name: Test AS, country: "NO", fiscal_year_start: "{fiscal}"}}
datastores:
  shop:
    url: ${{SHOP_URL}}
"""


def manifest(folder: Path, url: str, body: str, *, fiscal: str = "01-01") -> Manifest:
    """A manifest with one datastore ``shop`` at ``url``; ``body`` is its YAML below
    ``url:`` (indented four spaces)."""
    path = folder / "manifest.yaml"
    path.write_text(HEADER.format(fiscal=fiscal) + body, encoding="utf-8")
    return load_manifest(path, environ={"SHOP_URL": url}).manifest


def at(day: str) -> Moment:
    """The frozen clock: noon UTC on ``day`` (the controller is Norwegian)."""
    return Moment.at(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC), "NO")


def create(url: str, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> None:
    engine = sa.create_engine(url)
    try:
        table.metadata.create_all(engine, tables=[table])
        rows = list(rows)
        if rows:
            with engine.begin() as connection:
                connection.execute(table.insert(), rows)
    finally:
        engine.dispose()


def select(url: str, statement: sa.Executable) -> list[sa.Row[Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement))
    finally:
        engine.dispose()


def ids(url: str, table: sa.Table) -> list[int]:
    return [row[0] for row in select(url, sa.select(table.c.id).order_by(table.c.id))]


def pairs(url: str, statement: sa.Executable) -> dict[Any, Any]:
    """The first two columns of each row, as a mapping (id → value)."""
    return {values[0]: values[1] for values in map(tuple, select(url, statement))}
