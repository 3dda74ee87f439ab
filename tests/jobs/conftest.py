"""An engine store for the job tests (the job functions are in ``jobs_recorded``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from jobs_recorded import executed

from personvern.jobs.registry import JobEnvironment
from personvern.store.database import make_engine, upgrade


@pytest.fixture(autouse=True)
def fresh_record() -> None:
    executed.clear()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def environment(sqlite_store: sa.Engine) -> JobEnvironment:
    return JobEnvironment(engine=sqlite_store)
