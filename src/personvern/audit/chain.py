"""The audit log: append-only entries, each sealed with a hash over itself and its predecessor.

``hash = SHA-256(canonical JSON of {id, at, actor, action, subject, detail, prev_hash})``,
and ``prev_hash`` is the hash of the entry before (64 zeros for the first). Editing,
deleting or reordering entries breaks the chain at the first entry touched, which
:func:`verify` names. Deleting the newest entries leaves a shorter chain that still
verifies; catching that needs the head hash kept elsewhere (see ``expected_head``).

Writers are serialised so two of them cannot both extend the same entry (a fork): on
PostgreSQL with a transaction-level advisory lock, on SQLite by taking the database's
single write lock before reading the head. Either way the entry id is the chain position
(previous id + 1) under a primary key, so a writer that slipped past the lock would fail
on a duplicate id rather than fork the chain.

Details must not hold personal data (GDPR Art. 5(1)(c), data minimisation: the log is
kept long and copied widely); refer to a request by its id. :func:`append` refuses values
that look like an e-mail address or a phone number.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.store.database import lock_for_writing
from personvern.store.models import AuditEntry

GENESIS = "0" * 64
# Any constant bigint will do: it names "the audit chain" among advisory locks.
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"personvern.audit").digest()[:8], "big") >> 1
# An e-mail address, or a phone number in international form (how the engine stores them).
# Dates and ids must pass, so digits without a leading "+" are not taken for a phone.
_LOOKS_PERSONAL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|\+\d[\d \-]{6,}\d")
_VERIFY_BATCH = 1000


class PersonalDataInAuditError(ValueError):
    """An audit detail looked like it held an e-mail address or a phone number."""


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value (as SQLite returns it) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def canonical(
    *, id: int, at: datetime, actor: str, action: str, subject: str | None,
    detail: Mapping[str, Any], prev_hash: str,
) -> bytes:
    """The bytes an entry's hash is taken over: sorted keys, no spaces, UTF-8."""
    document = {
        "id": id,
        "at": utc(at).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def seal(entry: AuditEntry | sa.Row[Any]) -> str:
    """The hash ``entry`` should carry, computed from its content."""
    return hashlib.sha256(
        canonical(
            id=entry.id, at=entry.at, actor=entry.actor, action=entry.action,
            subject=entry.subject, detail=entry.detail, prev_hash=entry.prev_hash,
        )
    ).hexdigest()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _refuse_personal_data(detail: Mapping[str, Any]) -> None:
    for text in _strings(detail):
        if _LOOKS_PERSONAL.search(text):
            # The message must not repeat the value: that would log what we refuse to log.
            raise PersonalDataInAuditError(
                "audit details must not contain e-mail addresses or phone numbers; "
                "refer to the request by its id"
            )


def _lock_chain(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    else:
        # SQLite: take the write lock before reading the head, so no other writer can
        # extend the chain between our read and our insert.
        lock_for_writing(session, "audit_entries")


def _head(session: Session) -> AuditEntry | None:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)
    if session.get_bind().dialect.name not in ("postgresql", "sqlite"):
        query = query.with_for_update()
    return session.scalars(query).first()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry at the end of the chain, in the session's current transaction.

    ``actor`` names who acted: a member of staff, ``system``, or ``subject`` when the data
    subject acted through the portal (never the subject's own identifiers).

    The lock is held until that transaction ends, so keep transactions that write to the
    audit log short.
    """
    detail = dict(detail or {})
    _refuse_personal_data(detail)
    json.dumps(detail, allow_nan=False)  # fail here, not half-way through a commit
    _lock_chain(session)
    head = _head(session)
    entry = AuditEntry(
        id=1 if head is None else head.id + 1,
        at=utc(at or datetime.now(UTC)),
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        prev_hash=GENESIS if head is None else head.hash,
    )
    entry.hash = seal(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of walking the chain."""

    checked: int
    first_bad: int | None = None
    problem: str | None = None
    head: str = GENESIS

    @property
    def intact(self) -> bool:
        return self.first_bad is None

    def __str__(self) -> str:
        if self.intact:
            return f"audit log intact: {self.checked} entries, head {self.head[:16]}…"
        return f"audit log broken at entry {self.first_bad}: {self.problem}"


def _entries(session: Session) -> Iterator[sa.Row[Any]]:
    """All entries in chain order, as plain rows (not kept in the session's identity map),
    read in batches by key so memory stays flat on a long log."""
    table = AuditEntry.__table__
    after = 0
    while True:
        batch = session.execute(
            sa.select(table).where(table.c.id > after).order_by(table.c.id).limit(_VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def _problem(entry: sa.Row[Any], expected_id: int, expected_prev: str) -> str | None:
    if entry.id != expected_id:
        return f"entry {expected_id} is missing (the entry before it is {expected_id - 1})"
    if entry.prev_hash != expected_prev:
        return "prev_hash does not match the entry before it (deleted or reordered entries)"
    if seal(entry) != entry.hash:
        return "content does not match its hash (the entry was edited)"
    return None


def verify(session: Session, expected_head: str | None = None) -> AuditVerification:
    """Walk the chain from the first entry and report the first entry that does not fit.

    ``expected_head``: a head hash recorded earlier (e.g. printed by a previous verify);
    when given, a chain that no longer reaches it (truncated at the end) is reported.
    """
    previous_hash, checked = GENESIS, 0
    for entry in _entries(session):
        problem = _problem(entry, checked + 1, previous_hash)
        if problem is not None:
            return AuditVerification(checked, entry.id, problem, previous_hash)
        previous_hash, checked = entry.hash, checked + 1
    if expected_head is not None and expected_head != previous_hash:
        return AuditVerification(checked, checked + 1,
                                 "the chain ends before the expected head (truncated)",
                                 previous_hash)
    return AuditVerification(checked, head=previous_hash)


def recent(session: Session, limit: int = 50) -> list[AuditEntry]:
    """The newest ``limit`` entries, oldest first."""
    newest = session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    ).all()
    return list(reversed(newest))
