"""Deleting access packages, and download tokens, once they have expired.

An access or portability answer is a copy of everything the shop holds about a person,
kept encrypted in the engine's store only so that the subject can fetch it
(:mod:`personvern.requests.access`). Past its ``expires_at`` no link opens it any more, and
keeping it would serve no purpose: storage limitation, Art. 5(1)(e). The sweep deletes
such packages with their tokens, and tokens that have expired on their own (their hash
opens nothing).

It runs as the periodic job ``purge_packages`` (:mod:`personvern.jobs.requests`) and as
``personvern requests purge-packages``. Each request whose package went gets a timeline
line naming the package; the audit log gets one entry per sweep with counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.requests import lifecycle
from personvern.store.models import AccessPackage, DownloadToken, RequestEvent

BATCH = 500  # packages per transaction: each may be megabytes of ciphertext


@dataclass(frozen=True)
class Purged:
    """What one sweep deleted."""

    packages: int
    tokens: int
    bytes: int  # plaintext size of the packages deleted

    def __add__(self, other: Purged) -> Purged:
        return Purged(self.packages + other.packages, self.tokens + other.tokens,
                      self.bytes + other.bytes)


NOTHING = Purged(0, 0, 0)


def _now(now: datetime | None) -> datetime:
    return audit.utc(now) if now is not None else datetime.now(UTC)


def _deleted(session: Session, statement: sa.Delete) -> int:
    return int(cast(CursorResult[Any], session.execute(statement)).rowcount or 0)


def purge_expired_packages(session: Session, *, now: datetime | None = None,
                           limit: int = BATCH, actor: str = lifecycle.SYSTEM) -> Purged:
    """Delete up to ``limit`` packages whose lifetime has ended, their tokens, and every
    expired token; what was deleted. Does not commit: call again until fewer than
    ``limit`` packages come back (:func:`purge_all`)."""
    at = _now(now)
    expired = session.execute(
        sa.select(AccessPackage.id, AccessPackage.request_id, AccessPackage.size_bytes)
        .where(AccessPackage.expires_at <= at).order_by(AccessPackage.expires_at)
        .limit(limit)).all()
    ids = [row.id for row in expired]
    tokens = 0
    if ids:
        tokens += _deleted(session, sa.delete(DownloadToken).where(
            DownloadToken.package_id.in_(ids)))
        session.execute(sa.delete(AccessPackage).where(AccessPackage.id.in_(ids)))
    tokens += _deleted(session, sa.delete(DownloadToken).where(
        DownloadToken.expires_at <= at))
    purged = Purged(len(ids), tokens, sum(int(row.size_bytes) for row in expired))
    session.add_all(RequestEvent(request_id=row.request_id, at=at, kind="package_purged",
                                 actor=actor, detail={"package": row.id})
                    for row in expired)
    if purged.packages or purged.tokens:
        audit.append(session, actor=actor, action="packages.purged", subject=None, at=at,
                     detail={"packages": purged.packages, "tokens": purged.tokens,
                             "bytes": purged.bytes})
    return purged


def purge_all(session: Session, *, now: datetime | None = None, batch: int = BATCH,
              actor: str = lifecycle.SYSTEM) -> Purged:
    """:func:`purge_expired_packages` batch after batch, each committed, until none is left."""
    at = _now(now)
    total = NOTHING
    while True:
        purged = purge_expired_packages(session, now=at, limit=batch, actor=actor)
        session.commit()
        total += purged
        if purged.packages < batch:
            return total
