"""Fixtures of the erasure and rectification tests on the demo shop (see test_erasure_shop)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from test_erasure_shop import SECRET, engine_store, make_shop

from personvern.store.database import session_factory


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys are derived from this secret, never from a .personvern-secret file in the cwd.
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture
def shop(database_url: str) -> str:
    return make_shop(database_url)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = engine_store(tmp_path)
    with session_factory(engine)() as opened:
        yield opened
    engine.dispose()
