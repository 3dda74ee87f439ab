"""An engine database, migrated, on SQLite and on PostgreSQL (fixtures from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from personvern.store.database import make_engine, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL on each backend the engine supports."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param]
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    """An engine on a database migrated to the newest revision."""
    made = make_engine(store_url)
    upgrade(made)
    yield made
    made.dispose()
