"""API keys: only the hash is kept; wrong, malformed and revoked keys are refused."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from personvern.cli import app as cli
from personvern.requests.apikeys import (
    ApiKeyError,
    VerifiedKeys,
    authenticate,
    create_api_key,
    list_api_keys,
    revoke,
)
from personvern.store.database import session_factory
from personvern.store.models import ApiKey, AuditEntry


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with session_factory(engine)() as opened:
        yield opened
        opened.rollback()


def test_only_the_hash_is_stored(session: Session) -> None:
    key, row = create_api_key(session, "shop-backend")
    assert key.startswith(f"pv_{row.prefix}_") and len(row.prefix) == 8
    assert len(key) == 3 + 8 + 1 + 43
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = session.execute(sa.select(ApiKey.__table__)).one()
    secret = key.split("_", 2)[2]
    assert all(secret not in str(value) for value in stored)
    assert authenticate(session, key) == row
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "apikey.created" and secret not in str(entry.detail)


def test_wrong_and_malformed_keys_are_refused(session: Session) -> None:
    key, row = create_api_key(session, "shop-backend")
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    for presented in (wrong, "", "pv_", key + "x", key.upper(), f"pv_{row.prefix}_short",
                      "x" * 10_000, f"pv_zzzzzzzz_{key.split('_', 2)[2]}"):
        assert authenticate(session, presented) is None


def test_revoked_keys_are_refused(session: Session) -> None:
    key, row = create_api_key(session, "old")
    other, _ = create_api_key(session, "new")
    revoke(session, row.prefix)
    assert authenticate(session, key) is None
    assert authenticate(session, other) is not None
    with pytest.raises(ApiKeyError, match="already revoked"):
        revoke(session, row.prefix)
    with pytest.raises(ApiKeyError, match="no API key"):
        revoke(session, "nonexist")
    assert [k.name for k in list_api_keys(session)] == ["old", "new"]


def test_names_are_bounded(session: Session) -> None:
    for name in ("", "   ", "x" * 101):
        with pytest.raises(ApiKeyError):
            create_api_key(session, name)


def test_cli_create_list_revoke(sqlite_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade", "--database", sqlite_url]).exit_code == 0
    created = runner.invoke(cli, ["apikeys", "create", "shop-backend", "--database", sqlite_url])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("pv_")
    prefix = key.split("_")[1]
    listed = runner.invoke(cli, ["apikeys", "list", "--database", sqlite_url])
    assert prefix in listed.stdout and "shop-backend" in listed.stdout
    assert key.split("_", 2)[2] not in listed.stdout
    revoked = runner.invoke(cli, ["apikeys", "revoke", prefix, "--database", sqlite_url])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    again = runner.invoke(cli, ["apikeys", "revoke", prefix, "--database", sqlite_url])
    assert again.exit_code == 1


def test_verified_keys_are_trusted_for_their_time_and_forgotten_oldest_first() -> None:
    now = [0.0]
    trusted = VerifiedKeys(ttl=10.0, capacity=3, clock=lambda: now[0])
    keys = [f"pv_{i:08d}_" + "A" * 43 for i in range(4)]
    assert trusted.prefix_of(keys[0]) is None  # never passed: nothing to trust
    trusted.remember(keys[0], "00000000")
    assert trusted.prefix_of(keys[0]) == "00000000"
    assert trusted.prefix_of(keys[0] + "x") is None and trusted.prefix_of("x" * 10_000) is None
    now[0] = 10.0  # the instant the trust ends is already outside it
    assert trusted.prefix_of(keys[0]) is None
    for index, key in enumerate(keys):
        trusted.remember(key, f"{index:08d}")
    assert trusted.prefix_of(keys[0]) is None  # the oldest made room for the fourth
    assert [trusted.prefix_of(k) for k in keys[1:]] == ["00000001", "00000002", "00000003"]
    assert all(k not in repr(trusted._passed) for k in keys)  # only hashes are held
