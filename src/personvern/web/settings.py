"""What the web app needs to start: the engine store, the manifest, its address, its mail."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from personvern.mail import Outbox, outbox_from_env
from personvern.store.database import URL_VARIABLE, database_url

MANIFEST_VARIABLE = "PERSONVERN_MANIFEST"
PUBLIC_URL_VARIABLE = "PERSONVERN_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_MANIFEST = "personvern.yaml"
BODY_LIMIT = 64 * 1024  # bytes; larger request bodies are refused with 413 before parsing


@dataclass(frozen=True)
class Settings:
    database_url: str
    manifest_path: Path
    body_limit: int = BODY_LIMIT
    # Where people reach this app: the base of links in mails (confirmations, status pages).
    public_url: str = DEFAULT_PUBLIC_URL
    # Where mail goes; ``None`` means from the environment (personvern.mail.outbox_from_env).
    outbox: Outbox | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """``$PERSONVERN_DATABASE_URL`` (else SQLite in the working folder) and
        ``$PERSONVERN_MANIFEST`` (else ``personvern.yaml``)."""
        env = os.environ if environ is None else environ
        return cls(database_url=database_url(env.get(URL_VARIABLE), env),
                   manifest_path=Path(env.get(MANIFEST_VARIABLE) or DEFAULT_MANIFEST),
                   public_url=(env.get(PUBLIC_URL_VARIABLE) or DEFAULT_PUBLIC_URL).rstrip("/"),
                   outbox=outbox_from_env(env))
