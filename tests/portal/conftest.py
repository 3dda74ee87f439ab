"""The portal on a real engine store, the demo shop on SQLite and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from portal_flow import SECRET, Portal, demo_manifest_path, guest_order, make_shop

from personvern.mail import SmtpOutbox
from personvern.store.database import make_engine, upgrade
from personvern.web import Settings, create_app


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys come from this secret, never from a .personvern-secret file in the cwd.
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture
def shop_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = make_shop(f"sqlite:///{tmp_path}/shop.db")
    monkeypatch.setenv("PERSONVERN_DEMO_DB", url)  # the demo manifest reads its URL here
    return url


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/personvern.db")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def portal(store: sa.Engine, shop_url: str, smtp_server: tuple[str, Any]) -> Iterator[Portal]:
    url, received = smtp_server
    app = create_app(Settings(database_url=str(store.url), manifest_path=demo_manifest_path(),
                              outbox=SmtpOutbox.from_url(url), public_url="http://portal.test"))
    with TestClient(app, headers={"Accept-Language": "nb"}) as client:
        yield Portal(client, received, store, shop_url)
    app.state.personvern.engine.dispose()


@pytest.fixture
def guest(shop_url: str) -> tuple[str, str]:
    """(e-mail, order number) of a guest order in the demo shop."""
    return guest_order(shop_url)
