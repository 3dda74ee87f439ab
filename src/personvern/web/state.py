"""What every route shares: the engine store and the loaded manifest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.orm import Session

from personvern.mail import Outbox, outbox_from_env
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Manifest
from personvern.requests.apikeys import VerifiedKeys
from personvern.store.database import transaction
from personvern.web.settings import DEFAULT_PUBLIC_URL


@dataclass(frozen=True)
class AppState:
    engine: sa.Engine
    loaded: LoadedManifest
    outbox: Outbox = field(default_factory=outbox_from_env)
    public_url: str = DEFAULT_PUBLIC_URL
    verified_keys: VerifiedKeys = field(default_factory=VerifiedKeys)

    @property
    def manifest(self) -> Manifest:
        return self.loaded.manifest

    @property
    def country(self) -> str:
        return self.manifest.organization.country

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with transaction(self.engine) as session:
            yield session


def app_state(request: Request) -> AppState:
    return cast(AppState, request.app.state.personvern)
