"""Logging in and staying logged in.

* **Login** checks the password with one argon2 run whether or not the user exists (an
  unknown name is checked against a dummy hash), and answers the same "wrong user name or
  password" for an unknown user, a wrong password and a disabled account, so neither the
  answer nor its time tells which names exist.
* **Throttle**: failed logins are counted per user name and per client over
  :data:`FAILURE_WINDOW`; past :data:`MAX_FAILURES_PER_USER` (or the client's limit) a
  login is refused before any password is checked, for known and unknown names alike,
  until the oldest failure leaves the window. A success clears the name's count.
* **Sessions** live in the database: the browser holds a random value, the table only its
  SHA-256. A session ends after :data:`IDLE_TIMEOUT` without use, at :data:`SESSION_LIFETIME`
  at the latest, at logout, and when the user is disabled. A login always makes a new
  session (no fixation: a value planted before login is never promoted).

Every login, failure and logout is an audit entry; never with the password, and for an
unknown name without the name typed (it may be a password typed in the wrong field).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.keys import keyed_hash
from personvern.staff import passwords
from personvern.staff.passwords import check_password, spend_like_a_check
from personvern.staff.roles import Role
from personvern.staff.users import find_user, subject_of
from personvern.store.models import StaffLoginFailure, StaffSession, StaffUser

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # write last_seen_at at most this often
TOKEN_BYTES = 32
TOKEN_MAX = 100
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class StaffMember:
    """Who is logged in, as the console needs it."""

    id: int
    username: str
    role: Role
    session_expires_at: datetime

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"


@dataclass(frozen=True)
class Login:
    member: StaffMember
    token: str  # the cookie's value; only its hash is stored


@dataclass(frozen=True)
class Attempt:
    """The outcome of a login: a session, a refusal ("wrong user name or password", the
    same for every cause), or a throttle with the seconds to wait."""

    login: Login | None = None
    retry_after: int | None = None

    @property
    def throttled(self) -> bool:
        return self.retry_after is not None


def _now(now: datetime | None) -> datetime:
    return audit.utc(now) if now is not None else datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user_key(username: str) -> str:
    return keyed_hash("identity-hash", f"staff-login-user:{username.strip().lower()[:64]}")


def _client_key(client: str) -> str:
    return keyed_hash("identity-hash", f"staff-login-client:{client[:64]}")


def _retry_after(session: Session, key: str, limit: int, at: datetime) -> int | None:
    """Seconds until ``key`` may try again, or None when it is under ``limit``."""
    since = at - FAILURE_WINDOW
    times = session.scalars(sa.select(StaffLoginFailure.at).where(
        StaffLoginFailure.key_hash == key, StaffLoginFailure.at > since
    ).order_by(StaffLoginFailure.at.desc()).limit(limit)).all()
    if len(times) < limit:
        return None
    # The limit-th newest failure must leave the window before a try is allowed again.
    oldest = audit.utc(times[-1])
    return max(int((oldest + FAILURE_WINDOW - at).total_seconds()) + 1, 1)


def _fail(session: Session, user: StaffUser | None, keys: list[str], at: datetime,
          reason: str) -> None:
    session.add_all([StaffLoginFailure(key_hash=key, at=at) for key in keys])
    audit.append(session, actor=subject_of(user) if user else ANONYMOUS,
                 action="staff.login_failed",
                 subject=subject_of(user) if user else None,
                 detail={"reason": reason}, at=at)


def log_in(session: Session, username: str, password: str, *, client: str,
           now: datetime | None = None) -> Attempt:
    """Check the credentials and open a session. A failure is counted and audited in the
    caller's transaction, so the caller commits whatever the outcome."""
    at = _now(now)
    session.execute(sa.delete(StaffLoginFailure).where(
        StaffLoginFailure.at <= at - FAILURE_WINDOW))
    user_key, client_key = _user_key(username), _client_key(client)
    user = find_user(session, username)
    waits = [wait for wait in (
        _retry_after(session, user_key, MAX_FAILURES_PER_USER, at),
        _retry_after(session, client_key, MAX_FAILURES_PER_CLIENT, at)) if wait]
    if waits:
        audit.append(session, actor=subject_of(user) if user else ANONYMOUS,
                     action="staff.login_throttled",
                     subject=subject_of(user) if user else None, at=at)
        return Attempt(retry_after=max(waits))
    if user is None:
        spend_like_a_check(password)
        _fail(session, None, [user_key, client_key], at, "unknown_user")
        return Attempt()
    checked = check_password(user.password_hash, password)
    if not checked.matches or user.disabled_at is not None:
        _fail(session, user, [user_key, client_key], at,
              "disabled" if checked.matches else "wrong_password")
        return Attempt()
    if checked.rehash:
        # The hash was made with older parameters: replace it while we hold the password.
        user.password_hash = passwords.HASHER.hash(password)
    session.execute(sa.delete(StaffLoginFailure).where(StaffLoginFailure.key_hash == user_key))
    user.last_login_at = at
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = StaffSession(token_hash=token_hash(token), user_id=user.id, created_at=at,
                       last_seen_at=at, expires_at=at + SESSION_LIFETIME)
    session.add(row)
    audit.append(session, actor=subject_of(user), action="staff.login",
                 subject=subject_of(user), detail={"rehashed": checked.rehash}, at=at)
    member = StaffMember(user.id, user.username, Role(user.role), row.expires_at)
    return Attempt(login=Login(member, token))


def _usable_token(token: str | None) -> str | None:
    if not token or len(token) > TOKEN_MAX or not token.isascii():
        return None
    return token


def current_member(session: Session, token: str | None, *, now: datetime | None = None
                   ) -> StaffMember | None:
    """The staff member of the session ``token`` names, or None when there is none or it
    has ended (revoked, idle too long, past its lifetime, or the user disabled)."""
    usable = _usable_token(token)
    if usable is None:
        return None
    at = _now(now)
    found = session.execute(sa.select(StaffSession, StaffUser).join(
        StaffUser, StaffUser.id == StaffSession.user_id
    ).where(StaffSession.token_hash == token_hash(usable))).first()
    if found is None:
        return None
    row, user = found
    if (row.revoked_at is not None or user.disabled_at is not None
            or audit.utc(row.expires_at) <= at
            or audit.utc(row.last_seen_at) + IDLE_TIMEOUT <= at):
        return None
    if at - audit.utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = at
    return StaffMember(user.id, user.username, Role(user.role), audit.utc(row.expires_at))


def log_out(session: Session, token: str | None, *, now: datetime | None = None) -> bool:
    """Revoke the session ``token`` names; whether there was an open one."""
    usable = _usable_token(token)
    if usable is None:
        return False
    at = _now(now)
    row = session.get(StaffSession, token_hash(usable))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = at
    user = session.get(StaffUser, row.user_id)
    if user is not None:
        audit.append(session, actor=subject_of(user), action="staff.logout",
                     subject=subject_of(user), at=at)
    return True
