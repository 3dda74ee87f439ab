"""Proving control of an e-mail address with a one-time code (Art. 12(6) GDPR).

Art. 12(6) lets a controller ask for what is necessary to confirm who is asking, and no
more (Art. 5(1)(c)): for a web shop that is control of the e-mail address the shop knows
the person by, and for a guest optionally an order number (LEGAL.md). A code sent to the
address proves the first; the order number is checked against the shop's own datastores
through the manifest's identity fields (:func:`order_matches`).

The numbers below, and why:

* **6 digits, valid 10 minutes, 5 attempts.** NIST SP 800-63B §5.1.3.2 lets an
  out-of-band secret live at most 10 minutes; a challenge takes at most 5 guesses, the 6th
  is refused even when it is right, so one challenge is guessed with probability
  5 / 10^6.
* **3 codes per address per 15 minutes, 10 per client IP per hour.** Enough for a typo
  and a mail that is slow to arrive, too few to guess with: per address at most
  3 × 5 = 15 guesses per 15 minutes, 1,440 a day, each right with probability 10^-6:
  0.144 % a day, about 694 days of guessing per hit on average, while the owner of the
  address receives a code mail every 5 minutes. NIST SP 800-63B §5.2.2 asks for at most
  100 failed attempts per account before further measures; 15 per window stays far
  below. The IP limit stops one client from making the portal send mail to many
  addresses (mail bombing, and using the shop as a spam relay).

The limits count rows of ``verification_challenges`` in the engine's store, so they hold
across web processes and hosts. Issuing takes a lock per address and per client
(PostgreSQL advisory locks; SQLite's single write lock), so two processes cannot both
see "2 codes so far" and issue a 4th. Each attempt is counted by one conditional
``UPDATE … SET attempts = attempts + 1 WHERE attempts < 5``: on PostgreSQL a concurrent
attempt waits for the row and re-checks the condition, so no number of parallel guesses
gets more than 5 counted tries.

**Nothing tells whether an address is known to the shop.** A code is sent to every
address that asks, known or not, and the answer is the same; whether the shop holds data
is seen only after verification, by the person who controls the address. Codes are never
stored: only an HMAC of ``challenge id:code`` under the engine's ``portal-code`` key. The
address and the client's IP are kept as keyed hashes for the limits; the address in
clear and the waiting request are forgotten once the code has done its work (a portal
session keeps the address until it ends), and every row is deleted a day after it was made
(:data:`KEEP_FOR`), by the next code issued or checked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from personvern.audit.chain import utc
from personvern.keys import derive_key, keyed_hash
from personvern.manifest.model import Manifest
from personvern.requests.subject import InvalidIdentityError, normalise_email
from personvern.requests.subjects import resolve_subject
from personvern.store.database import lock_for_writing
from personvern.store.models import VerificationChallenge

CODE_DIGITS = 6
CODE_SPACE = 10**CODE_DIGITS
CODE_TTL = timedelta(minutes=10)  # NIST SP 800-63B §5.1.3.2
MAX_ATTEMPTS = 5
CODES_PER_ADDRESS = 3
ADDRESS_WINDOW = timedelta(minutes=15)
CODES_PER_CLIENT = 10
CLIENT_WINDOW = timedelta(hours=1)
# Rows outlive the longest window and a portal session; then they are deleted.
KEEP_FOR = timedelta(days=1)
ORDER_NUMBER_MAX = 64
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_CODE = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")
_CHALLENGE_ID = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
_CLIENT_MAX = 64


class Purpose(str, Enum):
    """What a verified code unlocks."""

    request = "request"  # create the data-subject request waiting in the payload
    session = "session"  # a short portal session (the preference centre)
    download = "download"  # a fresh proof before an access package is handed out


class VerificationError(Exception):
    """A refusal to show as it is; messages never contain an address or a code."""


class RateLimitedError(VerificationError):
    def __init__(self, scope: str, retry_after: timedelta) -> None:
        self.scope = scope  # "address" or "client"
        self.retry_after = max(int(retry_after.total_seconds()) + 1, 1)
        super().__init__(f"too many codes were asked for this {scope}; try again in "
                         f"{self.retry_after} seconds")


class ChallengeNotFoundError(VerificationError):
    pass


class MalformedCodeError(VerificationError):
    """Not six digits: refused before it counts as an attempt (it cannot be right)."""


class Outcome(str, Enum):
    verified = "verified"
    wrong = "wrong"  # wrong code, or right code with a wrong order number
    spent = "spent"  # expired, out of attempts, or already used


@dataclass(frozen=True)
class Issued:
    challenge_id: str
    code: str  # to send by mail, never to store
    expires_at: datetime


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    attempts_left: int
    challenge: VerificationChallenge


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(UTC)


def address_hash(email: str, secret: bytes | None = None) -> str:
    """The keyed hash of a normalised address: the form consent and limit records use."""
    return keyed_hash("identity-hash", f"email:{email}", secret)


def client_hash(client: str, secret: bytes | None = None) -> str:
    return keyed_hash("identity-hash", f"client:{client[:_CLIENT_MAX]}", secret)


def code_hash(challenge_id: str, code: str, secret: bytes | None = None) -> str:
    """HMAC of the code bound to its challenge: the same code of another challenge, or a
    copied hash, proves nothing."""
    return hmac.new(derive_key("portal-code", secret), f"{challenge_id}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def new_code() -> str:
    """Six digits, uniform over 000000–999999, from the operating system's CSPRNG."""
    return f"{secrets.randbelow(CODE_SPACE):0{CODE_DIGITS}d}"


def normalise_code(value: str) -> str:
    """The code as typed, without spaces; :class:`MalformedCodeError` unless 6 digits."""
    code = "".join(value[:40].split())
    if not _CODE.match(code):
        raise MalformedCodeError(f"the code is {CODE_DIGITS} digits")
    return code


def normalise_order_number(value: str) -> str:
    number = value.strip()
    if len(number) > ORDER_NUMBER_MAX:
        raise InvalidIdentityError(f"the order number is longer than {ORDER_NUMBER_MAX} "
                                   "characters")
    if not _ORDER_NUMBER.match(number):
        raise InvalidIdentityError("the order number may hold only letters, digits and "
                                   ". _ / -")
    return number


def _lock_keys(*digests: str) -> list[int]:
    # A signed 64-bit advisory-lock key from each hash, taken in one order (no deadlock).
    return sorted(int(digest[:15], 16) for digest in digests)


def _serialise(session: Session, *digests: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        for key in _lock_keys(*digests):
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        lock_for_writing(session, VerificationChallenge.__tablename__)


def _recent(session: Session, column: Any, digest: str, since: datetime) -> list[datetime]:
    return [utc(at) for at in session.scalars(
        sa.select(VerificationChallenge.created_at)
        .where(column == digest, VerificationChallenge.created_at > since)
        .order_by(VerificationChallenge.created_at))]


def _check_limit(session: Session, column: Any, digest: str, scope: str, limit: int,
                 window: timedelta, at: datetime) -> None:
    made = _recent(session, column, digest, at - window)
    if len(made) >= limit:
        # Free again when the oldest code in the window leaves it.
        raise RateLimitedError(scope, made[-limit] + window - at)


def purge(session: Session, now: datetime | None = None) -> int:
    """Delete challenges older than :data:`KEEP_FOR`; returns how many."""
    result = session.execute(sa.delete(VerificationChallenge).where(
        VerificationChallenge.created_at < _now(now) - KEEP_FOR))
    return int(getattr(result, "rowcount", 0) or 0)


def issue(
    session: Session, *, email: str, client: str, purpose: Purpose, language: str,
    payload: Mapping[str, Any] | None = None, request_id: str | None = None,
    now: datetime | None = None, secret: bytes | None = None,
) -> Issued:
    """A new challenge for ``email`` (normalised here), within the rate limits.

    Raises :class:`InvalidIdentityError` for an unusable address and
    :class:`RateLimitedError` over a limit; nothing is written then.
    """
    at = _now(now)
    address = normalise_email(email)
    by_address, by_client = address_hash(address, secret), client_hash(client, secret)
    _serialise(session, by_address, by_client)
    purge(session, at)
    _check_limit(session, VerificationChallenge.address_hash, by_address, "address",
                 CODES_PER_ADDRESS, ADDRESS_WINDOW, at)
    _check_limit(session, VerificationChallenge.client_hash, by_client, "client",
                 CODES_PER_CLIENT, CLIENT_WINDOW, at)
    challenge_id, code = secrets.token_urlsafe(18), new_code()
    session.add(VerificationChallenge(
        id=challenge_id, address_hash=by_address, client_hash=by_client, email=address,
        code_hash=code_hash(challenge_id, code, secret), purpose=purpose.value,
        language=language[:8], payload=dict(payload or {}), request_id=request_id,
        created_at=at, expires_at=at + CODE_TTL, attempts=0))
    session.flush()
    return Issued(challenge_id, code, at + CODE_TTL)


def get_challenge(session: Session, challenge_id: str) -> VerificationChallenge:
    if not _CHALLENGE_ID.match(challenge_id or ""):
        raise ChallengeNotFoundError("the verification link is not valid")
    found = session.get(VerificationChallenge, challenge_id, populate_existing=True)
    if found is None:
        raise ChallengeNotFoundError("the verification link is not valid")
    return found


def usable(challenge: VerificationChallenge, now: datetime | None = None) -> bool:
    """Not yet verified, not out of attempts, and before its expiry (exclusive)."""
    return (challenge.verified_at is None and challenge.attempts < MAX_ATTEMPTS
            and _now(now) < utc(challenge.expires_at))


SecondFactor = Callable[[str, str], bool]  # (verified address, order number) → matches


def check(
    session: Session, challenge_id: str, code: str, *, now: datetime | None = None,
    second_factor: SecondFactor | None = None, secret: bytes | None = None,
) -> Check:
    """Count one attempt and compare the code (and the order number, if the challenge
    carries one). The caller commits whatever the outcome: a wrong attempt must stay
    counted. A malformed code raises :class:`MalformedCodeError` and counts nothing."""
    at = _now(now)
    typed = normalise_code(code)
    purge(session, at)
    challenge = get_challenge(session, challenge_id)
    table = VerificationChallenge
    counted = session.execute(
        sa.update(table)
        .where(table.id == challenge.id, table.attempts < MAX_ATTEMPTS,
               table.verified_at.is_(None), table.expires_at > at)
        .values(attempts=table.attempts + 1)
        .execution_options(synchronize_session=False))
    challenge = get_challenge(session, challenge_id)
    left = max(MAX_ATTEMPTS - challenge.attempts, 0)
    if not getattr(counted, "rowcount", 0):
        return Check(Outcome.spent, left, challenge)
    right = hmac.compare_digest(code_hash(challenge.id, typed, secret), challenge.code_hash)
    order_number = (challenge.payload or {}).get("order_number")
    if right and order_number and challenge.email:
        # Art. 12(6): a guest's order number must belong to the same address.
        right = second_factor is not None and second_factor(challenge.email,
                                                             str(order_number))
    if not right:
        return Check(Outcome.wrong, left, challenge)
    used = session.execute(
        sa.update(table).where(table.id == challenge.id, table.verified_at.is_(None))
        .values(verified_at=at).execution_options(synchronize_session=False))
    challenge = get_challenge(session, challenge_id)
    if not getattr(used, "rowcount", 0):  # a parallel attempt used it first
        return Check(Outcome.spent, left, challenge)
    return Check(Outcome.verified, left, challenge)


def settle(challenge: VerificationChallenge, request_id: str | None = None) -> None:
    """After a verified challenge did its work: forget the waiting request (now in the
    request's own row) and remember which request it made. Only a portal session still
    needs the address (until it ends); every other challenge forgets it now."""
    challenge.payload = {}
    if challenge.purpose != Purpose.session.value:
        challenge.email = None
    if request_id is not None:
        challenge.request_id = request_id


def end_session(session: Session, challenge_id: str) -> None:
    """Log out: the session's challenge forgets the address, so a copied cookie no longer
    opens anything, however long it would still be valid."""
    try:
        get_challenge(session, challenge_id).email = None
    except ChallengeNotFoundError:
        return


def session_address(session: Session, challenge_id: str, *, within: timedelta,
                    now: datetime | None = None) -> str | None:
    """The address a portal session proved, while it is younger than ``within``."""
    try:
        challenge = get_challenge(session, challenge_id)
    except ChallengeNotFoundError:
        return None
    if (challenge.purpose != Purpose.session.value or challenge.verified_at is None
            or _now(now) >= utc(challenge.verified_at) + within):
        return None
    return challenge.email


def order_matches(manifest: Manifest, email: str, order_number: str, *,
                  engines: Mapping[str, Engine] | None = None) -> bool:
    """Whether an order with ``order_number`` belongs to ``email`` in the shop's data.

    The order is found through the manifest's ``identity: order_number`` fields with the
    same resolver access requests use; it belongs to the address when the order, or the
    account or guest checkout it refers to, has the address in an ``identity: email``
    field (compared as normalised: trimmed, lower-case)."""
    number = normalise_order_number(order_number)
    wanted = normalise_email(email)
    found = resolve_subject(manifest, {"order_number": [number]}, engines=engines)
    for store_name, collections in found.stores.items():
        datastore = manifest.datastores[store_name]
        for collection_name, rows in collections.items():
            fields = [name for name, kind in
                      datastore.collections[collection_name].identity_fields.items()
                      if kind == "email"]
            for row in rows:
                if any(isinstance(row.get(name), str)
                       and row[name].strip().lower() == wanted for name in fields):
                    return True
    return False
