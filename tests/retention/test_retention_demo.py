"""The demo shop on SQLite, PostgreSQL and MariaDB: after a run nothing is past due, and
erasures deferred under a legal hold are completed once the hold has ended."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from retention_shop import at, select
from sqlalchemy.orm import Session

from personvern.demo.generate import generate
from personvern.manifest.load import load_manifest
from personvern.requests import lifecycle
from personvern.requests.erasure import run_erasure
from personvern.requests.subject import SubjectIdentity
from personvern.retention.sweep import Settings, run
from personvern.retention.verify import render_html, render_text, verify
from personvern.store.models import DeferredErasure, RequestKind

DEMO_MANIFEST = Path(__file__).parents[2] / "src" / "personvern" / "demo" / "manifest.yaml"


def _erase_someone_with_old_orders(session: Session, url: str, manifest: object) -> None:
    [(email,)] = select(url, sa.text(
        "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id "
        "ORDER BY o.created_at, c.id LIMIT 1"))
    request = lifecycle.create_request(
        session, kind=RequestKind.erasure, identity=SubjectIdentity(email=email.lower()),
        language="nb", country="NO", received_at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    lifecycle.verify_identity(session, request.id, method="email_link",
                              now=datetime(2026, 11, 2, 10, tzinfo=UTC))
    lifecycle.approve(session, request.id, now=datetime(2026, 11, 2, 11, tzinfo=UTC))
    session.commit()
    run_erasure(session, request.id, manifest, datetime(2026, 11, 2, 12, tzinfo=UTC))  # type: ignore[arg-type]


def test_demo_shop_run_verify_and_expired_holds(database_url: str, session: Session) -> None:
    generate(database_url, 30, seed=21, reference=date(2026, 11, 1))
    manifest = load_manifest(DEMO_MANIFEST, environ={"PERSONVERN_DEMO_DB": database_url}
                             ).manifest
    _erase_someone_with_old_orders(session, database_url, manifest)
    held = session.scalars(sa.select(DeferredErasure)).all()
    ends = min(h.due_on for h in held)  # bokføringsloven § 13: five years after the year
    assert (ends.month, ends.day) == (1, 1) and ends.year >= 2027
    day = ends.isoformat()
    before = verify(manifest, at(day), session)
    assert not before.compliant and before.holds.overdue >= 1
    assert "PAST DUE" in render_text(before)

    report = run(session, manifest, at(day), Settings(batch_size=100))
    assert report.deferred_completed >= 1
    assert sum(s.rows for s in report.sweeps) > 0

    after = verify(manifest, at(day), session)
    assert after.compliant, render_text(after)
    assert after.holds.overdue == 0
    page = render_html(after)
    assert "Every retention promise is kept." in page and "<script" not in page
