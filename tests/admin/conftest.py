"""The admin console on a real engine store (SQLite, migrated), the demo manifest (with one
third-country recipient added), a small demo shop on SQLite and a file outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from admin_console import SECRET, Console, make_shop, manifest_with_transfer
from fastapi import FastAPI
from fastapi.testclient import TestClient

from personvern.mail import FileOutbox
from personvern.store.database import make_engine, upgrade
from personvern.web import Settings, create_app


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture(scope="module")
def module_shop(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_shop(f"sqlite:///{tmp_path_factory.mktemp('shop')}/shop.db")


@pytest.fixture
def shop_url(module_shop: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PERSONVERN_DEMO_DB", module_shop)  # the demo manifest reads it here
    return module_shop


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/personvern.db")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(tmp_path: Path) -> FileOutbox:
    return FileOutbox(tmp_path / "outbox")


@pytest.fixture
def app(store: sa.Engine, shop_url: str, outbox: FileOutbox, tmp_path: Path
        ) -> Iterator[FastAPI]:
    application = create_app(Settings(database_url=str(store.url),
                                      manifest_path=manifest_with_transfer(tmp_path),
                                      outbox=outbox))
    yield application
    application.state.personvern.engine.dispose()


@pytest.fixture
def console(app: FastAPI, store: sa.Engine, shop_url: str) -> Iterator[Console]:
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield Console(client, store, shop_url)
