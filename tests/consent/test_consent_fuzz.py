"""Any JSON body at ``POST /consent``: a 4xx with nothing written, or a recorded choice;
never a server error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from consent_shop import KEY
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personvern.manifest.model import Manifest
from personvern.store.database import session_factory
from personvern.store.models import ConsentEvent
from personvern.web.consent_routes import create_consent_router

KEYS = st.sampled_from(["marketing", "performance", "functional", "necessary", "ads", "",
                        "x" * 200, "categories", "language"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30))
JSONISH = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(KEYS, st.text(max_size=10)),
                                                 inner, max_size=4)), max_leaves=12)
BODIES = st.one_of(
    JSONISH,
    st.fixed_dictionaries({}, optional={
        "categories": st.one_of(JSONISH, st.dictionaries(KEYS, st.one_of(st.booleans(),
                                                                          SCALARS))),
        "language": st.one_of(st.text(max_size=80), SCALARS), "gpc": SCALARS}),
)


@pytest.fixture
def client(sqlite_engine: sa.Engine, manifest: Manifest) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(create_consent_router(lambda: manifest, session_factory(sqlite_engine),
                                             lambda: None, hash_key=KEY))
    with TestClient(app) as made:
        yield made


def _count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(ConsentEvent)) or 0)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_any_body_is_answered_cleanly(client: TestClient, sqlite_engine: sa.Engine,
                                      body: Any) -> None:
    before = _count(sqlite_engine)
    client.cookies.clear()
    response = client.post("/consent", content=json.dumps(body),
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400, 413, 422), response.text
    written = _count(sqlite_engine) - before
    if response.status_code == 200:
        assert written == 1
    else:
        assert written == 0 and "error" in response.json()
