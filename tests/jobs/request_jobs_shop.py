"""The demo shop, an engine store and the web app, for the tests that approve requests
through the API and let a worker carry them out (a module of its own: ``conftest`` names
clash across test folders)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from personvern.demo.generate import generate
from personvern.jobs.registry import JobEnvironment
from personvern.requests import access
from personvern.requests.apikeys import create_api_key
from personvern.store.database import make_engine, transaction, upgrade
from personvern.store.models import AccessPackage, DataSubjectRequest, RequestStatus
from personvern.web import Settings, create_app

MANIFEST = Path(str(resources.files("personvern.demo").joinpath("manifest.yaml")))
SECRET = "request-jobs-test-secret-0123456789abcdef"


@dataclass
class Shop:
    """The demo shop (``url``), one of its customers, the engine store, the API."""

    url: str
    email: str
    store: sa.Engine
    client: TestClient
    auth: dict[str, str]

    @property
    def environment(self) -> JobEnvironment:
        return JobEnvironment(engine=self.store, manifest_path=MANIFEST)

    def create(self, kind: str, payload: dict[str, Any] | None = None) -> str:
        created = self.client.post("/api/v1/requests", headers=self.auth, json={
            "kind": kind, "identities": {"email": self.email.upper()}, "language": "en",
            "payload": payload or {}})
        assert created.status_code == 201, created.text
        request_id = str(created.json()["id"])
        verified = self.client.post(f"/api/v1/requests/{request_id}/verify",
                                    headers=self.auth, json={"method": "email_link"})
        assert verified.status_code == 200, verified.text
        return request_id

    def approve(self, request_id: str) -> dict[str, Any]:
        approved = self.client.post(f"/api/v1/requests/{request_id}/approve",
                                    headers=self.auth)
        assert approved.status_code == 200, approved.text
        return dict(approved.json())

    def status(self, request_id: str) -> RequestStatus:
        with Session(self.store) as session:
            request = session.get(DataSubjectRequest, request_id)
            assert request is not None
            return request.status

    def packages(self, request_id: str) -> list[str]:
        with Session(self.store) as session:
            return list(session.scalars(sa.select(AccessPackage.id).where(
                AccessPackage.request_id == request_id)).all())

    def package_data(self, request_id: str) -> dict[str, Any]:
        """``data.json`` of the request's package, fetched through a download token."""
        [package_id] = self.packages(request_id)
        with transaction(self.store) as session:
            token = access.issue_download_token(session, package_id)
        with transaction(self.store) as session:
            content = access.open_download(session, token, request_id=request_id)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return dict(json.loads(archive.read("data.json")))


def customer_email(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(sa.text("SELECT email FROM customers ORDER BY id")))
    finally:
        engine.dispose()


def open_shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store_url: str
              ) -> Iterator[Shop]:
    """The demo shop on SQLite with 60 customers, the store at ``store_url`` migrated,
    the API on it with a key."""
    shop_url = f"sqlite:///{tmp_path}/shop.db"
    generate(shop_url, 60, seed=3)
    monkeypatch.setenv("PERSONVERN_DEMO_DB", shop_url)
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)
    store = make_engine(store_url)
    upgrade(store)
    with transaction(store) as session:
        key, _row = create_api_key(session, "shop-backend")
    app = create_app(Settings(database_url=store_url, manifest_path=MANIFEST))
    try:
        with TestClient(app) as client:
            yield Shop(shop_url, customer_email(shop_url), store, client,
                       {"Authorization": f"Bearer {key}"})
    finally:
        store.dispose()
