"""The engine's secret and the keys derived from it, one per use.

One secret (``PERSONVERN_SECRET``, at least 32 characters) is set per installation. Each use
gets its own key derived with HKDF-SHA-256, so a key leaked from one use (say, the
pseudonyms in a shop database) reveals nothing about another (the encrypted packages).
Without the variable, a random secret is created once in ``.personvern-secret`` (mode
0600) in the working folder: convenient for the demo, and stable across restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_ENV = "PERSONVERN_SECRET"  # noqa: S105 - the variable's name, not a secret
SECRET_FILE = ".personvern-secret"  # noqa: S105 - a file name
MIN_SECRET_LENGTH = 32

KeyUse = Literal[
    "package-encryption",  # AES-256-GCM of access packages at rest
    "pseudonym",  # HMAC-SHA-256 pseudonyms written by erasure (Art. 4(5))
    "identity-hash",  # HMAC of identities in restriction/objection and consent records
    "link-signing",  # signed, expiring links (status pages, confirmations)
    "portal-code",  # HMAC of one-time verification codes (the portal, Art. 12(6))
]


class SecretError(RuntimeError):
    """The engine's secret is missing or too weak."""


def engine_secret(environ: Mapping[str, str] | None = None, folder: Path | None = None) -> bytes:
    env = os.environ if environ is None else environ
    value = env.get(SECRET_ENV)
    if value is not None:
        if len(value) < MIN_SECRET_LENGTH:
            raise SecretError(f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters")
        return value.encode("utf-8")
    path = (folder or Path.cwd()) / SECRET_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def derive_key(use: KeyUse, secret: bytes | None = None, length: int = 32) -> bytes:
    """A key for one use, derived from the engine's secret (HKDF-SHA-256, RFC 5869)."""
    kdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
               info=f"personvern/{use}".encode())
    return kdf.derive(secret if secret is not None else engine_secret())


def keyed_hash(use: KeyUse, value: str, secret: bytes | None = None) -> str:
    """HMAC-SHA-256 of ``value`` under the key for ``use``, as lower-case hex."""
    return hmac.new(derive_key(use, secret), value.encode("utf-8"), hashlib.sha256).hexdigest()
