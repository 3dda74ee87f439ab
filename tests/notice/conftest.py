"""Fixtures for the notice tests: the example manifests, loaded once, and a manifest writer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from notice_examples import EXAMPLE_PATHS, Loader, Reader

from personvern.manifest.load import LoadedManifest, load_manifest


@pytest.fixture(scope="session")
def examples() -> dict[str, LoadedManifest]:
    return {name: load_manifest(path, environ={}) for name, path in EXAMPLE_PATHS.items()}


@pytest.fixture
def example_data() -> Reader:
    """An example manifest as a dict, to change and write back."""

    def read(name: str) -> dict[str, Any]:
        data = yaml.safe_load(EXAMPLE_PATHS[name].read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return copy.deepcopy(data)

    return read


@pytest.fixture
def write_and_load(tmp_path: Path) -> Loader:
    """Write a manifest dict to a file and load it."""

    def write(document: dict[str, Any], name: str = "manifest.yaml") -> LoadedManifest:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        return load_manifest(path, environ={})

    return write
