"""API keys for the shop's backend.

A key reads ``pv_<prefix>_<secret>``: ``prefix`` is 8 random characters that name the key
(shown in lists, used to find it), ``secret`` is 32 random bytes, URL-safe base64. Only
the SHA-256 of the whole key is stored, so a copy of the database lets no one call the
API; the key itself is shown once, when it is made. A plain hash (no salt, no slow KDF) is
enough because the key carries 256 random bits: there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.store.models import ApiKey

KEY_PREFIX = "pv_"
PREFIX_LENGTH = 8
SECRET_BYTES = 32
NAME_MAX = 100
_ALPHABET = string.ascii_lowercase + string.digits
# pv_ + 8 + _ + 43 characters of URL-safe base64 (32 bytes, no padding).
_KEY = re.compile(r"^pv_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")
PRESENTED_MAX = 200  # anything longer is not a key: refuse it before any work
SYSTEM = "system"


class ApiKeyError(Exception):
    """A refusal to show as it is (never contains a key)."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def create_api_key(session: Session, name: str, *, actor: str = SYSTEM,
                   now: datetime | None = None) -> tuple[str, ApiKey]:
    """A new key named ``name``: returns the key (show it once; it is not stored) and its row."""
    label = name.strip()
    if not label or len(label) > NAME_MAX:
        raise ApiKeyError(f"the key's name must be 1 to {NAME_MAX} characters")
    at = audit.utc(now) if now is not None else datetime.now(UTC)
    while True:
        prefix, key = _new_key()
        taken = session.scalar(sa.select(ApiKey.id).where(ApiKey.prefix == prefix))
        if taken is None:
            break
    row = ApiKey(name=label, prefix=prefix, key_hash=key_hash(key), created_at=at)
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="apikey.created", detail={"prefix": prefix},
                 at=at)
    return key, row


def authenticate(session: Session, presented: str) -> ApiKey | None:
    """The live key ``presented`` is, or None (unknown, malformed, wrong or revoked)."""
    if len(presented) > PRESENTED_MAX:
        return None
    match = _KEY.match(presented)
    if match is None:
        return None
    row = session.scalar(sa.select(ApiKey).where(ApiKey.prefix == match.group(1)))
    if row is None:
        # Compare anyway, so an unknown prefix takes as long as a wrong secret.
        hmac.compare_digest(key_hash(presented), "0" * 64)
        return None
    if not hmac.compare_digest(key_hash(presented), row.key_hash):
        return None
    if row.revoked_at is not None:
        return None
    return row


@dataclass
class VerifiedKeys:
    """Keys that passed :func:`authenticate` in the last ``ttl`` seconds, by their hash.

    The shop's backend asks many times a second with the same key, and each check was a
    round trip to the engine's store (40 % of a consent decision's time). The price: a
    key revoked in another process (``personvern apikeys revoke``) is refused by this one
    within ``ttl`` seconds, not at once. Only keys that passed are kept, so unknown keys
    cannot fill it; past ``capacity`` the oldest go first."""

    ttl: float = 10.0
    capacity: int = 1000
    clock: Callable[[], float] = time.monotonic
    _passed: dict[str, tuple[str, float]] = field(default_factory=dict)

    def prefix_of(self, presented: str) -> str | None:
        """The prefix of ``presented`` if it passed within ``ttl`` seconds, else None."""
        if len(presented) > PRESENTED_MAX:
            return None
        found = self._passed.get(key_hash(presented))
        if found is None or found[1] <= self.clock():
            return None
        return found[0]

    def remember(self, presented: str, prefix: str) -> None:
        digest = key_hash(presented)
        self._passed.pop(digest, None)
        while len(self._passed) >= self.capacity:
            del self._passed[next(iter(self._passed))]
        self._passed[digest] = (prefix, self.clock() + self.ttl)


def revoke(session: Session, prefix: str, *, actor: str = SYSTEM,
           now: datetime | None = None) -> ApiKey:
    """Revoke the key named by ``prefix``; it is refused from now on."""
    at = audit.utc(now) if now is not None else datetime.now(UTC)
    row = session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix.strip()[:16]))
    if row is None:
        raise ApiKeyError("no API key with that prefix")
    if row.revoked_at is not None:
        raise ApiKeyError(f"the key {row.prefix} was already revoked")
    row.revoked_at = at
    audit.append(session, actor=actor, action="apikey.revoked", detail={"prefix": row.prefix},
                 at=at)
    return row


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(sa.select(ApiKey).order_by(ApiKey.id)).all())
