"""The story server for the end-to-end tests, with its secret and its shop in the env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from story_server import SECRET, StoryServer


@pytest.fixture
def server(tmp_path: Path, smtp_server: tuple[str, Any],
           monkeypatch: pytest.MonkeyPatch) -> Iterator[StoryServer]:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)
    # The demo manifest takes the shop's database from here (the app and the worker).
    monkeypatch.setenv("PERSONVERN_DEMO_DB", f"sqlite:///{tmp_path / 'shop.db'}")
    with StoryServer(tmp_path, smtp_server[0]) as running:
        yield running
