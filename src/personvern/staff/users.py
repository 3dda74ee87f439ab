"""Staff accounts: create, list, disable, enable, change role. Every change is an audit
entry naming who made it; passwords never leave :mod:`personvern.staff.passwords`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.staff.passwords import WeakPasswordError, hash_password
from personvern.staff.roles import Role
from personvern.store.models import StaffSession, StaffUser

# Lower-case letters, digits, dot, dash, underscore: no "@", so a user name is never an
# e-mail address (the audit log refuses those, Art. 5(1)(c)) and reads the same everywhere.
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class StaffError(ValueError):
    """A refused change to a staff account; the message can be shown as it is."""


class UserNotFoundError(StaffError):
    pass


def _now(now: datetime | None) -> datetime:
    return audit.utc(now) if now is not None else datetime.now(UTC)


def normalise_username(username: str) -> str:
    """The user name as stored, or :class:`StaffError` (the message does not repeat it)."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise StaffError("a user name is 2 to 64 characters: letters a-z, digits, '.', '-' "
                         "or '_', starting with a letter or a digit")
    return name


def role_of(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise StaffError("the role is one of: " + ", ".join(r.value for r in Role)) from None


def subject_of(user: StaffUser) -> str:
    """How the audit log names a staff account."""
    return f"staff:{user.username}"


def get_user(session: Session, username: str) -> StaffUser:
    user = session.scalar(sa.select(StaffUser).where(
        StaffUser.username == normalise_username(username)))
    if user is None:
        raise UserNotFoundError("there is no such user")
    return user


def find_user(session: Session, username: str) -> StaffUser | None:
    """The user named ``username``, or None (also for a name no user could have)."""
    try:
        return get_user(session, username)
    except StaffError:
        return None


def create_user(session: Session, username: str, password: str, role: Role | str,
                actor: str, *, now: datetime | None = None) -> StaffUser:
    """A new account with an argon2id hash of ``password``. Checks everything before it
    writes; does not commit."""
    name = normalise_username(username)
    chosen = role_of(role.value if isinstance(role, Role) else role)
    try:
        hashed = hash_password(password)
    except WeakPasswordError as error:
        raise StaffError(str(error)) from None
    if find_user(session, name) is not None:
        raise StaffError("a user with this name exists already")
    at = _now(now)
    user = StaffUser(username=name, password_hash=hashed, role=chosen.value, created_at=at,
                     password_changed_at=at)
    session.add(user)
    session.flush()
    audit.append(session, actor=actor, action="staff.user_created", subject=subject_of(user),
                 detail={"role": chosen.value}, at=at)
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(sa.select(StaffUser).order_by(StaffUser.username)).all())


def revoke_sessions(session: Session, user: StaffUser, at: datetime) -> int:
    """End every open session of ``user``; how many there were."""
    result = session.execute(sa.update(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None)
    ).values(revoked_at=at))
    return int(getattr(result, "rowcount", 0) or 0)


def disable_user(session: Session, username: str, actor: str, *,
                 now: datetime | None = None) -> StaffUser:
    """The user can no longer log in; their open sessions end now."""
    user = get_user(session, username)
    if user.disabled_at is not None:
        raise StaffError("the user is disabled already")
    if actor == subject_of(user):
        raise StaffError("you cannot disable your own account")
    at = _now(now)
    user.disabled_at = at
    ended = revoke_sessions(session, user, at)
    audit.append(session, actor=actor, action="staff.user_disabled", subject=subject_of(user),
                 detail={"sessions_ended": ended}, at=at)
    return user


def enable_user(session: Session, username: str, actor: str, *,
                now: datetime | None = None) -> StaffUser:
    user = get_user(session, username)
    if user.disabled_at is None:
        raise StaffError("the user is not disabled")
    at = _now(now)
    user.disabled_at = None
    audit.append(session, actor=actor, action="staff.user_enabled", subject=subject_of(user),
                 at=at)
    return user


def change_role(session: Session, username: str, role: Role | str, actor: str, *,
                now: datetime | None = None) -> StaffUser:
    user = get_user(session, username)
    chosen = role_of(role.value if isinstance(role, Role) else role)
    if actor == subject_of(user):
        raise StaffError("you cannot change your own role")
    if user.role == chosen.value:
        raise StaffError("the user has this role already")
    at = _now(now)
    previous, user.role = user.role, chosen.value
    audit.append(session, actor=actor, action="staff.role_changed", subject=subject_of(user),
                 detail={"from": previous, "to": chosen.value}, at=at)
    return user


def set_password(session: Session, username: str, password: str, actor: str, *,
                 now: datetime | None = None) -> StaffUser:
    """A new password for ``username``; their open sessions end, so a leaked old password
    or session stops working at once."""
    user = get_user(session, username)
    try:
        hashed = hash_password(password)
    except WeakPasswordError as error:
        raise StaffError(str(error)) from None
    at = _now(now)
    user.password_hash, user.password_changed_at = hashed, at
    ended = revoke_sessions(session, user, at)
    audit.append(session, actor=actor, action="staff.password_set", subject=subject_of(user),
                 detail={"sessions_ended": ended}, at=at)
    return user
