"""The example manifests the notice tests use, and the types of the fixtures that load them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Protocol

from personvern.manifest.load import LoadedManifest

EXAMPLES = Path(__file__).parents[2] / "examples"
EXAMPLE_PATHS = {
    "000": EXAMPLES / "000-znorky.yaml",
    "002": EXAMPLES / "002-extra-leker.yaml",
    "004": EXAMPLES / "004-zooplus.yaml",
}
# The language each real notice is written in.
SEED_LANGUAGE = {"000": "sv", "002": "nb", "004": "nb"}
PUBLISHED = date(2026, 11, 25)  # a fixed date, so rendered notices are reproducible


class Reader(Protocol):
    def __call__(self, name: str) -> dict[str, Any]: ...


class Loader(Protocol):
    def __call__(self, document: dict[str, Any], name: str = ...) -> LoadedManifest: ...
