"""The web app against a real engine store: SQLite migrated with ``upgrade``, a small
manifest with a contract, a consent-based and a legitimate-interest marketing purpose."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from personvern.requests.apikeys import create_api_key
from personvern.store.database import make_engine, transaction, upgrade
from personvern.web import Settings, create_app

MANIFEST = """\
version: 1
organization:
  name: Testbutikken AS
  country: "NO"
  email: personvern@testbutikken.example
  languages: [nb, sv, en]
purposes:
  orders:
    name: {nb: Bestillinger, sv: Beställningar, en: Orders}
    data_use: essential.service
    legal_basis: contract
    categories: [user.contact.email]
  newsletter:
    name: {nb: Nyhetsbrev, sv: Nyhetsbrev, en: Newsletter}
    data_use: marketing.communications.email
    legal_basis: consent
    categories: [user.contact.email]
  retargeting:
    name: {nb: Annonser, sv: Annonser, en: Ads}
    data_use: marketing.advertising.profiling
    legal_basis: legitimate_interests
    categories: [user.behavior]
  recommendations:
    name: {nb: Anbefalinger, sv: Rekommendationer, en: Recommendations}
    data_use: personalize.content.profiling
    legal_basis: legitimate_interests
    categories: [user.behavior.purchase_history]
"""
SECRET = "test-secret-" + "x" * 40


@pytest.fixture(autouse=True)
def engine_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture
def manifest_path(tmp_path: Path) -> Path:
    path = tmp_path / "personvern.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


@pytest.fixture
def web_store_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def store(web_store_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(web_store_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def app(store: sa.Engine, web_store_url: str, manifest_path: Path) -> FastAPI:
    return create_app(Settings(database_url=web_store_url, manifest_path=manifest_path))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_key(store: sa.Engine) -> str:
    with transaction(store) as session:
        key, _row = create_api_key(session, "shop-backend")
    return key


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}

