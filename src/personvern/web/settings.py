"""What the web app needs to start: where the engine store and the manifest are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from personvern.store.database import URL_VARIABLE, database_url

MANIFEST_VARIABLE = "PERSONVERN_MANIFEST"
DEFAULT_MANIFEST = "personvern.yaml"
BODY_LIMIT = 64 * 1024  # bytes; larger request bodies are refused with 413 before parsing


@dataclass(frozen=True)
class Settings:
    database_url: str
    manifest_path: Path
    body_limit: int = BODY_LIMIT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """``$PERSONVERN_DATABASE_URL`` (else SQLite in the working folder) and
        ``$PERSONVERN_MANIFEST`` (else ``personvern.yaml``)."""
        env = os.environ if environ is None else environ
        return cls(database_url=database_url(env.get(URL_VARIABLE), env),
                   manifest_path=Path(env.get(MANIFEST_VARIABLE) or DEFAULT_MANIFEST))
