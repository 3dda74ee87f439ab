"""Passwords: argon2id hashes (RFC 9106), checked in constant time, rehashed on login when
the parameters change, and generated with enough entropy to need no rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PASSWORD_MIN = 12
# argon2 hashes any length, but a megabyte-long "password" is a denial of service on the
# hashing, and no person types more than this.
PASSWORD_MAX = 256
GENERATED_BYTES = 18  # 144 bits, 24 URL-safe characters

# argon2-cffi's defaults are RFC 9106's second recommended option (t=3, m=64 MiB, p=4);
# the type is stated so that a change of library default cannot weaken it unnoticed.
HASHER = PasswordHasher(type=Type.ID)


class WeakPasswordError(ValueError):
    """A password shorter or longer than allowed; the message never repeats it."""


def check_policy(password: str) -> str:
    """``password`` if it may be used: a length check only (NIST SP 800-63B §5.1.1.2:
    length, not composition rules, makes a password strong)."""
    if len(password) < PASSWORD_MIN:
        raise WeakPasswordError(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise WeakPasswordError(f"a password has at most {PASSWORD_MAX} characters")
    if password.strip() != password or not password.isprintable():
        raise WeakPasswordError("a password may not start or end with spaces or hold "
                                "control characters")
    return password


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    return (hasher or HASHER).hash(check_policy(password))


def generate_password() -> str:
    """A random password of 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(GENERATED_BYTES)


@dataclass(frozen=True)
class Checked:
    matches: bool
    rehash: bool = False  # the hash was made with other parameters: store a new one


def check_password(stored: str, password: str, hasher: PasswordHasher | None = None
                   ) -> Checked:
    """Whether ``password`` matches the ``stored`` hash. Always one full argon2 run, even
    for an over-long password (cut to the limit, then refused), so the time says nothing."""
    hasher = hasher or HASHER
    too_long = len(password) > PASSWORD_MAX
    try:
        hasher.verify(stored, password[:PASSWORD_MAX])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Checked(False)
    if too_long:
        return Checked(False)
    return Checked(True, hasher.check_needs_rehash(stored))


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism, type=Type.ID).hash(secrets.token_urlsafe(16))


def spend_like_a_check(password: str) -> None:
    """Run one argon2 verification that cannot match, so a login for an unknown user
    takes as long as one with a wrong password (no user enumeration by timing)."""
    check_password(_dummy_hash(HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism),
                   password)
