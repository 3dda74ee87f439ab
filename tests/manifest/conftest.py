"""A lint-clean manifest to mutate, and a way to write any manifest to disk."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from clean_manifest import CLEAN


@pytest.fixture
def clean() -> dict[str, Any]:
    """A deep copy of a manifest on which every lint rule passes."""
    return copy.deepcopy(CLEAN)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a manifest (a dict, or YAML text) to a file and return its path."""

    def write(content: dict[str, Any] | str, name: str = "manifest.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.safe_dump(
            content, allow_unicode=True, sort_keys=False
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write
