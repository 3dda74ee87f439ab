"""Fixtures: the small shop's tables on each database server, and a manifest writer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from datastores_shop import shop_datastore, shop_metadata

from personvern.datastores.connect import connect


@pytest.fixture
def write_manifest(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(document: dict[str, Any]) -> Path:
        path = tmp_path / "manifest.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        return path

    return write


@pytest.fixture
def shop_url(database_url: str) -> str:
    """``database_url`` with the small shop's tables in it."""
    engine = sa.create_engine(database_url)
    shop_metadata().create_all(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def writer(shop_url: str) -> Iterator[sa.Engine]:
    """A writable engine on the shop database, for loading test rows."""
    engine = sa.create_engine(shop_url)
    yield engine
    engine.dispose()


@pytest.fixture
def reader(shop_url: str) -> Iterator[sa.Engine]:
    """The read-only engine personvern itself would use."""
    engine = connect(shop_datastore(shop_url), name="shop")
    yield engine
    engine.dispose()
