"""The consent tests' shop manifest, a migrated store on SQLite and PostgreSQL, and a key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from consent_shop import SHOP

from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.store.database import make_engine, upgrade


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest(SHOP).manifest




@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    made = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(made)
    yield made
    made.dispose()
