"""The engine's store for retention tests, and the secret the pseudonym key comes from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from retention_shop import SECRET
from sqlalchemy.orm import Session

from personvern.store.database import make_engine, session_factory, upgrade


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/personvern.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def session(store_path: str) -> Iterator[Session]:
    engine = make_engine(store_path)
    with session_factory(engine)() as opened:
        yield opened
    engine.dispose()
