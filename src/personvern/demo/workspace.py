"""The demo's folder and what ``personvern demo`` keeps in it between runs.

Everything the served demo needs lives in one folder (the working folder unless ``--dir``
says otherwise), so a second run finds and reuses it, and deleting the folder's demo files
starts afresh:

* ``personvern-demo.db`` — the demo shop (unless ``--db`` or ``$PERSONVERN_DEMO_DB``);
* ``personvern-demo-store.db`` — the engine's own store (requests, consent, audit log);
* ``personvern-demo-outbox/`` — the mail the engine sends, one ``.eml`` file per message;
* ``.personvern-secret`` — the engine's secret (unless ``$PERSONVERN_SECRET`` is set).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.keys import SECRET_ENV, engine_secret
from personvern.mail import FileOutbox
from personvern.requests.apikeys import create_api_key, list_api_keys, revoke
from personvern.store.database import make_engine, transaction, upgrade

SHOP_FILE = "personvern-demo.db"
STORE_FILE = "personvern-demo-store.db"
OUTBOX_FOLDER = "personvern-demo-outbox"
API_KEY_NAME = "demo-shop"
OFFICER = "demo-officer"  # the admin console's demo user (role privacy_officer)
ACTOR = "demo"  # who the audit log names for what the demo sets up


class WorkspaceError(RuntimeError):
    """The demo's folder cannot be used (missing parent, not a folder, not writable)."""


@dataclass(frozen=True)
class Workspace:
    folder: Path

    @classmethod
    def open(cls, folder: Path) -> Workspace:
        """The workspace in ``folder``, created if missing; fails before anything is
        written when the folder cannot hold the demo's files."""
        resolved = folder.expanduser().resolve()
        if resolved.exists() and not resolved.is_dir():
            raise WorkspaceError(f"{resolved} is not a folder")
        try:
            resolved.mkdir(parents=True, exist_ok=True)
            # A real write, not os.access: it also catches read-only mounts (and root).
            with tempfile.TemporaryFile(dir=resolved):
                pass
        except OSError as error:
            raise WorkspaceError(f"cannot write in {resolved}: "
                                 f"{error.strerror or type(error).__name__}") from None
        return cls(resolved)

    @property
    def shop_url(self) -> str:
        return f"sqlite:///{self.folder / SHOP_FILE}"

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.folder / STORE_FILE}"

    @property
    def outbox(self) -> FileOutbox:
        return FileOutbox(self.folder / OUTBOX_FOLDER)

    def use_secret(self) -> None:
        """Make the folder's secret the process's, so keys (and with them encrypted
        packages and signed links) stay valid across runs started from anywhere."""
        if SECRET_ENV not in os.environ:
            os.environ[SECRET_ENV] = engine_secret(folder=self.folder).decode("utf-8")

    def migrated_store(self) -> sa.Engine:
        """The engine store, created or brought up to the newest schema (idempotent)."""
        engine = make_engine(self.store_url)
        upgrade(engine)
        return engine


def fresh_api_key(engine: sa.Engine) -> str:
    """A new key for the demo shop's backend; earlier demo keys are revoked, because only
    a key's hash is kept and the one printed last is the one that should work."""
    with transaction(engine) as session:
        _revoke_demo_keys(session)
        key, _ = create_api_key(session, API_KEY_NAME, actor=ACTOR)
    return key


def fresh_officer_password(engine: sa.Engine) -> str:
    """The demo officer's password, new on every run: only its hash is kept, so the one
    printed last must be the one that works. The user is created on the first run."""
    from personvern.staff import Role, create_user, find_user, generate_password, set_password

    password = generate_password()
    with transaction(engine) as session:
        if find_user(session, OFFICER) is None:
            create_user(session, OFFICER, password, Role.privacy_officer, actor=ACTOR)
        else:
            set_password(session, OFFICER, password, actor=ACTOR)
    return password


def _revoke_demo_keys(session: Session) -> None:
    for row in list_api_keys(session):
        if row.name == API_KEY_NAME and row.revoked_at is None:
            revoke(session, row.prefix, actor=ACTOR)


def sample_guest(shop_url: str) -> tuple[str, int] | None:
    """A guest of the demo shop with the most orders, and how many: someone to try the
    portal as (the shop's people are made up; nothing real is printed)."""
    engine = sa.create_engine(shop_url)
    query = sa.text(
        "SELECT g.email, count(o.id) AS orders FROM guest_checkouts g "
        "JOIN orders o ON o.guest_checkout_id = g.id "
        "GROUP BY g.email ORDER BY count(o.id) DESC, g.email LIMIT 1")
    try:
        with engine.connect() as connection:
            row = connection.execute(query).first()
    finally:
        engine.dispose()
    return (str(row[0]), int(row[1])) if row is not None else None
