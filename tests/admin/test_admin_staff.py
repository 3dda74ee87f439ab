"""Staff accounts and logins (personvern.staff): argon2id hashes, roles, throttling,
server-side sessions with idle and absolute expiry, and the audit trail of each; on the
engine's store on SQLite and PostgreSQL (the shared ``engine`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from admin_console import PASSWORD, SECRET, row_counts
from argon2 import PasswordHasher, Type
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from personvern.audit import chain as audit
from personvern.cli import app as cli_app
from personvern.staff import passwords, sessions, users
from personvern.staff.roles import PERMISSIONS, Permission, Role, may
from personvern.store.database import transaction
from personvern.store.models import AuditEntry, StaffLoginFailure, StaffSession, StaffUser

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


def _user(engine: sa.Engine, name: str = "kari", role: str = "privacy_officer") -> None:
    with transaction(engine) as session:
        users.create_user(session, name, PASSWORD, role, "test", now=T0)


def _log_in(engine: sa.Engine, name: str, password: str = PASSWORD, *,
            at: datetime = T0, client: str = "10.0.0.1") -> sessions.Attempt:
    with transaction(engine) as session:
        return sessions.log_in(session, name, password, client=client, now=at)


def _actions(session: Session) -> list[tuple[str, str, str | None]]:
    return [(e.actor, e.action, e.subject) for e in
            session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def test_roles_are_an_explicit_table() -> None:
    assert PERMISSIONS[Role.admin] == frozenset(Permission)
    assert may(Role.privacy_officer, Permission.decide) and may("privacy_officer", Permission.run)
    assert not may(Role.privacy_officer, Permission.manage_users)
    assert [p for p in Permission if may(Role.read_only, p)] == [Permission.view]
    assert not may("superuser", Permission.view)  # an unknown role may do nothing


def test_a_user_gets_an_argon2id_hash_never_the_password(engine: sa.Engine) -> None:
    _user(engine)
    with transaction(engine) as session:
        user = users.get_user(session, "KARI ")  # names are normalised
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert passwords.check_password(user.password_hash, PASSWORD).matches
        assert not passwords.check_password(user.password_hash, PASSWORD + "x").matches
        entries = _actions(session)
    assert entries == [("test", "staff.user_created", "staff:kari")]
    with engine.connect() as connection:  # nowhere in the database, in any table
        for table in ("staff_users", "audit_entries"):
            dump = " ".join(map(str, connection.execute(sa.text(f"SELECT * FROM {table}"))))
            assert PASSWORD not in dump


@pytest.mark.parametrize(("name", "password", "role"), [
    ("kari@example.no", PASSWORD, "admin"),  # an e-mail address is not a user name
    ("../../etc", PASSWORD, "admin"),
    ("k", PASSWORD, "admin"),
    ("x" * 65, PASSWORD, "admin"),
    ("kari\x00", PASSWORD, "admin"),
    ("kari", "short", "admin"),
    ("kari", "x" * (passwords.PASSWORD_MAX + 1), "admin"),
    ("kari", " padded password ", "admin"),
    ("kari", PASSWORD, "root"),
])
def test_bad_accounts_are_refused_and_nothing_is_written(
        engine: sa.Engine, name: str, password: str, role: str) -> None:
    before = row_counts(engine)
    with pytest.raises(users.StaffError) as refused, transaction(engine) as session:
        users.create_user(session, name, password, role, "test")
    assert password not in str(refused.value) or len(password) < 5
    assert row_counts(engine) == before


def test_a_name_is_taken_once(engine: sa.Engine) -> None:
    _user(engine)
    with pytest.raises(users.StaffError, match="exists"), transaction(engine) as session:
        users.create_user(session, "Kari", PASSWORD, "admin", "test")


def test_generated_passwords_are_long_random_and_accepted() -> None:
    made = {passwords.generate_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) >= 24 and passwords.check_policy(p) == p for p in made)


def test_login_opens_a_session_stored_only_as_a_hash(engine: sa.Engine) -> None:
    _user(engine)
    attempt = _log_in(engine, "kari")
    assert attempt.login is not None and not attempt.throttled
    token = attempt.login.token
    with transaction(engine) as session:
        stored = session.scalars(sa.select(StaffSession)).one()
        assert stored.token_hash == sessions.token_hash(token) != token
        member = sessions.current_member(session, token, now=T0 + timedelta(minutes=5))
        assert member is not None and member.username == "kari"
        assert member.role is Role.privacy_officer and member.actor == "staff:kari"
        assert _actions(session)[-1] == ("staff:kari", "staff.login", "staff:kari")


def test_a_session_ends_when_idle_at_its_lifetime_and_at_logout(engine: sa.Engine) -> None:
    _user(engine)
    token = _log_in(engine, "kari").login.token  # type: ignore[union-attr]
    with transaction(engine) as session:
        assert sessions.current_member(session, token, now=T0 + timedelta(minutes=29))
        # Used at minute 29: idle counts from there.
        assert sessions.current_member(session, token, now=T0 + timedelta(minutes=58))
    with transaction(engine) as session:
        idle = T0 + timedelta(minutes=58) + sessions.IDLE_TIMEOUT
        assert sessions.current_member(session, token, now=idle) is None
    token = _log_in(engine, "kari").login.token  # type: ignore[union-attr]
    with transaction(engine) as session:
        at = T0
        while at < T0 + sessions.SESSION_LIFETIME - timedelta(minutes=20):
            at += timedelta(minutes=20)  # kept busy, never idle
            assert sessions.current_member(session, token, now=at) is not None
        assert sessions.current_member(session, token,
                                       now=T0 + sessions.SESSION_LIFETIME) is None
    token = _log_in(engine, "kari").login.token  # type: ignore[union-attr]
    with transaction(engine) as session:
        assert sessions.log_out(session, token, now=T0)
        assert not sessions.log_out(session, token, now=T0)  # once
        assert sessions.current_member(session, token, now=T0) is None
        assert _actions(session)[-1] == ("staff:kari", "staff.logout", "staff:kari")


def test_disabling_a_user_ends_their_sessions(engine: sa.Engine) -> None:
    _user(engine)
    _user(engine, "ola", "admin")
    token = _log_in(engine, "kari").login.token  # type: ignore[union-attr]
    with transaction(engine) as session:
        users.disable_user(session, "kari", "staff:ola", now=T0)
    with transaction(engine) as session:
        assert sessions.current_member(session, token, now=T0) is None
    assert _log_in(engine, "kari").login is None  # the right password, but disabled
    with transaction(engine) as session:
        users.enable_user(session, "kari", "staff:ola", now=T0)
        with pytest.raises(users.StaffError, match="own"):
            users.disable_user(session, "ola", "staff:ola")
    assert _log_in(engine, "kari").login is not None


def test_a_new_password_replaces_the_old_and_ends_sessions(engine: sa.Engine) -> None:
    _user(engine)
    token = _log_in(engine, "kari").login.token  # type: ignore[union-attr]
    new = passwords.generate_password()
    with transaction(engine) as session:
        before = users.get_user(session, "kari").password_hash
        with pytest.raises(users.StaffError):
            users.set_password(session, "kari", "short", "demo", now=T0)
        assert users.get_user(session, "kari").password_hash == before  # nothing changed
        users.set_password(session, "kari", new, "demo", now=T0)
        assert new not in users.get_user(session, "kari").password_hash
        assert _actions(session)[-1] == ("demo", "staff.password_set", "staff:kari")
    with transaction(engine) as session:
        assert sessions.current_member(session, token, now=T0) is None
    assert _log_in(engine, "kari").login is None  # the old password no longer works
    assert _log_in(engine, "kari", new).login is not None
    with transaction(engine) as session, pytest.raises(users.UserNotFoundError):
        users.set_password(session, "nobody", new, "demo")


def test_unknown_user_and_wrong_password_answer_alike_and_both_run_argon2(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _user(engine)
    verified: list[str] = []

    class Counting(PasswordHasher):
        """The real hasher, counting its verifications."""

        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash)[:9])
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "HASHER", Counting(type=Type.ID))
    unknown = _log_in(engine, "nobody", "whatever-password")
    wrong = _log_in(engine, "kari", "not-the-password")
    assert unknown == wrong == sessions.Attempt()  # the same answer
    assert verified == ["$argon2id", "$argon2id"]  # one full hash check each
    with transaction(engine) as session:
        failed = [e for e in session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "staff.login_failed").order_by(AuditEntry.id))]
        # The typed name of an unknown user is not kept (it may be a password).
        assert [(e.actor, e.subject, e.detail) for e in failed] == [
            ("anonymous", None, {"reason": "unknown_user"}),
            ("staff:kari", "staff:kari", {"reason": "wrong_password"})]
        keys = session.scalars(sa.select(StaffLoginFailure.key_hash)).all()
        assert all(len(k) == 64 and "10.0.0.1" not in k and "kari" not in k for k in keys)


def test_guessing_is_throttled_per_user_known_or_not(engine: sa.Engine) -> None:
    _user(engine)
    for name in ("kari", "nobody"):
        for minute in range(sessions.MAX_FAILURES_PER_USER):
            assert _log_in(engine, name, "guess", at=T0 + timedelta(minutes=minute),
                           client=f"10.0.1.{minute}").login is None
        # Even the right password is not checked now, from another client too.
        blocked = _log_in(engine, name, PASSWORD, at=T0 + timedelta(minutes=5),
                          client="10.9.9.9")
        assert blocked.throttled and blocked.login is None
        # The first failure leaves the window at minute 15: one more try then.
        assert blocked.retry_after == 10 * 60 + 1
    later = _log_in(engine, "kari", PASSWORD, at=T0 + timedelta(minutes=15, seconds=1))
    assert later.login is not None
    with transaction(engine) as session:
        throttled = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "staff.login_throttled"))
        assert throttled == 2


def test_a_success_clears_the_users_count(engine: sa.Engine) -> None:
    _user(engine)
    for minute in range(sessions.MAX_FAILURES_PER_USER - 1):
        _log_in(engine, "kari", "guess", at=T0 + timedelta(minutes=minute))
    assert _log_in(engine, "kari", at=T0 + timedelta(minutes=5)).login is not None
    for minute in range(sessions.MAX_FAILURES_PER_USER - 1):
        assert not _log_in(engine, "kari", "guess",
                           at=T0 + timedelta(minutes=6 + minute)).throttled


def test_one_client_guessing_many_names_is_throttled(engine: sa.Engine) -> None:
    for number in range(sessions.MAX_FAILURES_PER_CLIENT):
        assert not _log_in(engine, f"user{number}", "guess", client="192.0.2.7").throttled
    assert _log_in(engine, "another", "guess", client="192.0.2.7").throttled
    assert not _log_in(engine, "another", "guess", client="192.0.2.8").throttled


def test_an_old_hash_is_replaced_at_login(engine: sa.Engine) -> None:
    _user(engine)
    weak = PasswordHasher(type=Type.ID, time_cost=1, memory_cost=8192, parallelism=1)
    with transaction(engine) as session:
        users.get_user(session, "kari").password_hash = weak.hash(PASSWORD)
    assert _log_in(engine, "kari").login is not None
    with transaction(engine) as session:
        stored = users.get_user(session, "kari").password_hash
        assert not passwords.HASHER.check_needs_rehash(stored)
        assert f"m={passwords.HASHER.memory_cost}" in stored
        assert passwords.check_password(stored, PASSWORD).matches
        assert session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "staff.login")).one().detail == {"rehashed": True}


def test_roles_change_and_every_change_is_audited(engine: sa.Engine) -> None:
    _user(engine)
    _user(engine, "ola", "admin")
    with transaction(engine) as session:
        users.change_role(session, "kari", "read_only", "staff:ola")
        with pytest.raises(users.StaffError):
            users.change_role(session, "kari", "read_only", "staff:ola")
        with pytest.raises(users.StaffError):
            users.change_role(session, "ola", "read_only", "staff:ola")
        with pytest.raises(users.UserNotFoundError):
            users.disable_user(session, "nobody", "staff:ola")
    with transaction(engine) as session:
        assert users.get_user(session, "kari").role == "read_only"
        entry = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "staff.role_changed")).one()
        assert (entry.actor, entry.subject, entry.detail) == (
            "staff:ola", "staff:kari", {"from": "privacy_officer", "to": "read_only"})
        assert audit.verify(session).intact


def test_users_cli_creates_lists_and_disables(engine: sa.Engine) -> None:
    runner = CliRunner()
    database = ["--database", str(engine.url)]
    made = runner.invoke(cli_app, ["users", "create", "Ola", "--role", "admin", *database])
    assert made.exit_code == 0, made.output
    generated = made.stdout.strip().splitlines()[0]
    assert len(generated) >= 24
    typed = runner.invoke(cli_app, ["users", "create", "kari", "--password-stdin", *database],
                          input=PASSWORD + "\n")
    assert typed.exit_code == 0, typed.output
    assert PASSWORD not in typed.output
    again = runner.invoke(cli_app, ["users", "create", "kari", "--password-stdin", *database],
                          input=PASSWORD + "\n")
    assert again.exit_code == 1 and "exists" in again.output
    weak = runner.invoke(cli_app, ["users", "create", "per", "--password-stdin", *database],
                         input="short\n")
    assert weak.exit_code == 1 and "12 characters" in weak.output
    listed = runner.invoke(cli_app, ["users", "list", *database])
    assert listed.exit_code == 0
    assert "ola" in listed.stdout and "privacy_officer" in listed.stdout
    assert "$argon2" not in listed.stdout
    assert runner.invoke(cli_app, ["users", "disable", "kari", *database]).exit_code == 0
    with transaction(engine) as session:
        assert users.get_user(session, "kari").disabled_at is not None
        assert passwords.check_password(users.get_user(session, "ola").password_hash,
                                        generated).matches
        assert [a for _, a, _ in _actions(session)] == [
            "staff.user_created", "staff.user_created", "staff.user_disabled"]
    assert _log_in(engine, "ola", generated).login is not None
    with transaction(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 2
