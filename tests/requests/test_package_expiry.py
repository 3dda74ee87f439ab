"""Access packages and download tokens are deleted when their lifetime ends (Art. 5(1)(e)):
by the domain sweep, ``personvern requests purge-packages`` and the periodic job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from personvern.audit.chain import verify
from personvern.cli import app
from personvern.demo.generate import generate
from personvern.jobs.registry import JobEnvironment
from personvern.jobs.runner import InProcessRunner, enqueue, job_counts
from personvern.manifest.load import LoadedManifest, load_manifest
from personvern.requests import access, expiry, lifecycle
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import make_engine, transaction, upgrade
from personvern.store.models import (
    AccessPackage,
    AuditEntry,
    DownloadToken,
    RequestEvent,
    RequestKind,
)

MANIFEST = resources.files("personvern.demo").joinpath("manifest.yaml")
MADE = datetime(2027, 1, 10, 12, tzinfo=UTC)


class Store:
    def __init__(self, engine: sa.Engine, loaded: LoadedManifest, emails: list[str]) -> None:
        self.engine, self.loaded, self.emails = engine, loaded, emails

    def answered(self, email: str, made: datetime = MADE) -> tuple[str, str, str]:
        """An access request answered at ``made``: its id, package id and a token."""
        with Session(self.engine, expire_on_commit=False) as session:
            request = lifecycle.create_request(
                session, kind=RequestKind.access, identity=SubjectIdentity(email=email),
                language="en", country="NO", received_at=made - timedelta(days=1))
            lifecycle.verify_identity(session, request.id, method="email_link", now=made)
            lifecycle.approve(session, request.id, now=made)
            session.commit()
            package = access.run_access(session, request.id, self.loaded, made)
            token = access.issue_download_token(session, package.id, now=made)
            session.commit()
            return request.id, package.id, token

    def count(self, table: type) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    shop = f"sqlite:///{tmp_path}/shop.db"
    generate(shop, 30, seed=11)
    with sa.create_engine(shop).connect() as connection:
        emails = [str(e) for e in connection.scalars(sa.text(
            "SELECT email FROM customers ORDER BY id LIMIT 3"))]
    monkeypatch.setenv("PERSONVERN_SECRET", "package-expiry-secret-0123456789abcdef")
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    yield Store(engine, load_manifest(str(MANIFEST), environ={"PERSONVERN_DEMO_DB": shop}),
                emails)
    engine.dispose()


def test_a_package_lives_its_lifetime_then_goes_with_its_tokens(store: Store) -> None:
    old_request, old_package, old_token = store.answered(store.emails[0])
    _new_request, new_package, new_token = store.answered(store.emails[1],
                                                          MADE + timedelta(days=10))
    end = MADE + access.PACKAGE_LIFETIME
    with Session(store.engine) as session:
        assert expiry.purge_expired_packages(session, now=end - timedelta(seconds=1)) \
            == expiry.Purged(0, 2, 0)  # only the two 7-day tokens, long expired
        session.commit()
    assert store.count(AccessPackage) == 2
    with transaction(store.engine) as session:  # a fresh link still opens the package
        token = access.issue_download_token(session, old_package, now=end - timedelta(hours=1))
    with Session(store.engine) as session:
        size = session.get(AccessPackage, old_package).size_bytes  # type: ignore[union-attr]
        purged = expiry.purge_expired_packages(session, now=end)
        session.commit()
    assert purged == expiry.Purged(packages=1, tokens=1, bytes=size)
    with Session(store.engine) as session:
        assert [p for p in session.scalars(sa.select(AccessPackage.id))] == [new_package]
        assert session.scalar(sa.select(sa.func.count()).select_from(DownloadToken)) == 0
        event = session.scalars(sa.select(RequestEvent).where(
            RequestEvent.request_id == old_request,
            RequestEvent.kind == "package_purged")).one()
        assert event.detail == {"package": old_package}
        entries = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "packages.purged").order_by(AuditEntry.id)).all()
        assert [e.detail for e in entries] == [
            {"packages": 0, "tokens": 2, "bytes": 0},
            {"packages": 1, "tokens": 1, "bytes": size}]
        assert all(email not in str(e.detail) for e in entries for email in store.emails)
        assert verify(session).intact
    with transaction(store.engine) as session, pytest.raises(access.DownloadRefused):
        access.open_download(session, token, now=end - timedelta(minutes=1))
    assert old_token and new_token


def test_a_sweep_with_nothing_to_do_writes_nothing(store: Store) -> None:
    store.answered(store.emails[0])
    before = (store.count(AuditEntry), store.count(RequestEvent))
    with Session(store.engine) as session:
        assert expiry.purge_all(session, now=MADE + timedelta(days=1)) == expiry.NOTHING
    assert (store.count(AuditEntry), store.count(RequestEvent)) == before


def test_purge_all_goes_batch_by_batch(store: Store) -> None:
    for email in store.emails:
        store.answered(email)
    with Session(store.engine) as session:
        purged = expiry.purge_all(session, now=MADE + timedelta(days=31), batch=2)
    assert purged.packages == 3 and purged.tokens == 3
    assert store.count(AccessPackage) == 0
    with Session(store.engine) as session:
        assert [e.detail["packages"] for e in session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "packages.purged").order_by(AuditEntry.id))] == [2, 1]


def test_the_cli_and_the_periodic_job_purge(store: Store) -> None:
    # Packages made a year ago are long past their 30 days.
    year_ago = datetime.now(UTC) - timedelta(days=365)
    store.answered(store.emails[0], year_ago)
    url = store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["requests", "purge-packages", "--database", url])
    assert result.exit_code == 0, result.output
    assert "purged 1 package(s)" in result.output and "1 download token(s)" in result.output
    assert store.count(AccessPackage) == 0
    again = CliRunner().invoke(app, ["requests", "purge-packages", "--database", url])
    assert "purged 0 package(s)" in again.output

    store.answered(store.emails[1], year_ago)
    with store.engine.begin() as connection:
        enqueue(connection, "purge_packages", {"scheduled": True})
    assert InProcessRunner(JobEnvironment(engine=store.engine)).run_pending("w") == 1
    assert job_counts(store.engine) == {"done": 1}
    assert store.count(AccessPackage) == 0 and store.count(DownloadToken) == 0
