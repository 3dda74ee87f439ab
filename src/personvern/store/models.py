"""The engine's own tables: data-subject requests, their timeline, and the audit log.

Identity values (e-mail, phone, customer number) are personal data. They live in
``requests`` and ``identities`` only, where the request needs them; nothing here logs them,
and the audit log refers to a request by its id.

Statuses and kinds are stored as plain strings (no database enum, no CHECK constraint),
so adding a status later is a code change, not a migration; the Python enums validate them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Upper bounds for columns that hold input from outside (a web form, a CLI argument).
EMAIL_MAX = 254  # RFC 5321 path limit
PHONE_MAX = 16  # E.164: "+" and at most 15 digits
CUSTOMER_NUMBER_MAX = 64
TEXT_MAX = 2000  # reasons and notes written by staff


class RequestKind(str, enum.Enum):
    """The right a data subject exercises (GDPR Art. 15-21)."""

    access = "access"  # Art. 15
    portability = "portability"  # Art. 20
    erasure = "erasure"  # Art. 17
    rectification = "rectification"  # Art. 16
    restriction = "restriction"  # Art. 18
    objection = "objection"  # Art. 21


class RequestStatus(str, enum.Enum):
    """Where a request stands; see :mod:`personvern.requests.lifecycle` for the transitions."""

    received = "received"
    awaiting_identity = "awaiting_identity"  # Art. 12(6): the clock is stopped meanwhile
    identity_verified = "identity_verified"
    approved = "approved"
    running = "running"
    completed = "completed"
    rejected = "rejected"  # Art. 12(4)


class TaskStatus(str, enum.Enum):
    open = "open"
    done = "done"


def _string_enum(kind: type[enum.Enum], length: int = 32) -> sa.Enum:
    return sa.Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


UtcDateTime = sa.DateTime(timezone=True)
Json = sa.JSON()


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class DataSubjectRequest(Base):
    """One request from a data subject, from receipt to its answer."""

    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # uuid4, as text
    kind: Mapped[RequestKind] = mapped_column(_string_enum(RequestKind))
    status: Mapped[RequestStatus] = mapped_column(_string_enum(RequestStatus), index=True)
    # Who asked: whatever the subject gave, normalised (e-mail lower-case, phone E.164).
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    phone: Mapped[str | None] = mapped_column(sa.String(PHONE_MAX))
    customer_number: Mapped[str | None] = mapped_column(sa.String(CUSTOMER_NUMBER_MAX))
    language: Mapped[str] = mapped_column(sa.String(8))
    # The controller's country decides which public holidays move a deadline.
    controller_country: Mapped[str] = mapped_column(sa.String(2))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The calendar day of receipt in the controller's time zone: the month counts from it.
    received_on: Mapped[date] = mapped_column(sa.Date)
    due_at: Mapped[date] = mapped_column(sa.Date, index=True)  # Art. 12(3), one month
    extended_due_at: Mapped[date | None] = mapped_column(sa.Date)  # Art. 12(3), three months
    extension_reason: Mapped[str | None] = mapped_column(sa.String(TEXT_MAX))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(TEXT_MAX))
    # Art. 12(6): days spent waiting for the subject to prove who they are do not count.
    paused_since: Mapped[date | None] = mapped_column(sa.Date)
    paused_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    identities: Mapped[list[VerifiedIdentity]] = relationship(
        back_populates="request", order_by="VerifiedIdentity.id", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[Task]] = relationship(
        back_populates="request", order_by="Task.id", cascade="all, delete-orphan"
    )

    @property
    def deadline(self) -> date:
        """The date the answer is due, counting an extension if there is one."""
        return self.extended_due_at or self.due_at


class RequestEvent(Base):
    """One line of a request's timeline."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(sa.String(40))
    actor: Mapped[str] = mapped_column(sa.String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)

    request: Mapped[DataSubjectRequest] = relationship(back_populates="events")


class VerifiedIdentity(Base):
    """An identifier the subject proved to control (Art. 12(6)), and how."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))  # email, phone, customer_number
    value: Mapped[str] = mapped_column(sa.String(EMAIL_MAX))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    method: Mapped[str] = mapped_column(sa.String(64))  # e.g. email_link, order_number

    request: Mapped[DataSubjectRequest] = relationship(back_populates="identities")


class Task(Base):
    """Follow-up work a request creates, e.g. telling a recipient of an erasure (Art. 19)."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str | None] = mapped_column(sa.String(100))  # a manifest recipient key
    status: Mapped[TaskStatus] = mapped_column(_string_enum(TaskStatus, 8))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(sa.String(TEXT_MAX))

    request: Mapped[DataSubjectRequest] = relationship(back_populates="tasks")


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log (see :mod:`personvern.audit`).

    ``id`` is the entry's position in the chain: 1, 2, 3… It is assigned by the writer
    under the chain lock, not by a sequence, because sequences leave gaps on rollback and
    a gap is exactly what :func:`personvern.audit.verify` reports as a deleted entry.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


# --- issue "Data-subject requests": answers, erasure progress, restrictions, API keys ------


class AccessPackage(Base):
    """The answer to an access or portability request: a ZIP, encrypted at rest.

    ``content`` holds AES-256-GCM ciphertext; the key is derived from the engine's secret,
    never stored here, so a copy of the database alone does not disclose the package.
    """

    __tablename__ = "access_packages"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    filename: Mapped[str] = mapped_column(sa.String(200))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)  # of the plaintext ZIP
    sha256: Mapped[str] = mapped_column(sa.String(64))  # of the plaintext ZIP
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(16))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    summary: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # rows per collection


class DownloadToken(Base):
    """An expiring link to a package. Only the token's SHA-256 is stored."""

    __tablename__ = "download_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    package_id: Mapped[str] = mapped_column(
        sa.ForeignKey("access_packages.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    max_uses: Mapped[int] = mapped_column(sa.Integer, default=3)
    uses: Mapped[int] = mapped_column(sa.Integer, default=0)


class ErasureStep(Base):
    """Progress of an erasure in one datastore: it commits there in one transaction, and
    this row (written in the engine's store after that commit) makes a re-run skip it."""

    __tablename__ = "erasure_steps"
    __table_args__ = (sa.UniqueConstraint("request_id", "datastore"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    datastore: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(16))  # done
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counts: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # rows per collection


class DeferredErasure(Base):
    """Fields kept under a legal hold (Art. 17(3)(b)), to erase on the day the hold ends.

    The retention engine completes these; ``row_keys`` are primary keys, not personal data.
    """

    __tablename__ = "deferred_erasures"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    datastore: Mapped[str] = mapped_column(sa.String(100))
    collection: Mapped[str] = mapped_column(sa.String(200))
    row_keys: Mapped[list[Any]] = mapped_column(Json, default=list)
    fields: Mapped[list[str]] = mapped_column(Json, default=list)
    law: Mapped[str] = mapped_column(sa.String(500))
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SubjectLimit(Base):
    """A restriction (Art. 18) or an objection (Art. 21) in force for a subject.

    ``identity_hash`` is an HMAC of the normalised identity (``email:…``, ``phone:+47…``,
    ``customer_number:…``), so the shop's backend can ask by identity while the table
    holds no identity in clear. ``purpose`` is a manifest purpose key, or ``*`` for all.
    """

    __tablename__ = "subject_limits"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    identity_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # restriction | objection
    purpose: Mapped[str] = mapped_column(sa.String(100))
    request_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(sa.String(TEXT_MAX))


class ApiKey(Base):
    """A key for the shop's backend. Only its SHA-256 is stored; ``prefix`` names it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Job(Base):
    """A unit of background work for the in-process runner (SQLite). On PostgreSQL,
    procrastinate keeps its own queue; both call the same job functions."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)  # queued|running|done|failed
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(sa.String(TEXT_MAX))


# --- issue "Consent": append-only consent events and visitor→customer links -------------

# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key, since
# one event per banner click adds up to billions over the years a record must be kept.
_EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class ConsentEvent(Base):
    """One choice a data subject made (or a GPC signal taken as one), never changed.

    Art. 7(1): the controller must be able to *demonstrate* consent, so each event keeps
    who (a keyed hash only), what (a choice per consent category and purpose), under which
    notice version, in which language, through which channel and when. No IP address and
    no full user-agent string are kept (Art. 5(1)(c)); the browser family is enough to
    show the banner a person saw. The current state is computed from the events; a
    database trigger refuses UPDATE (migration 0003).
    """

    __tablename__ = "consent_events"
    __table_args__ = (sa.Index("ix_consent_events_subject_hash_at", "subject_hash", "at"),)

    id: Mapped[int] = mapped_column(_EVENT_ID, primary_key=True, autoincrement=True)
    # keyed_hash("identity-hash", "visitor_id:…" | "customer_number:…" | "email:…"),
    # the same form as subject_limits.identity_hash, so limits can be asked by it.
    subject_hash: Mapped[str] = mapped_column(sa.String(64))
    subject_kind: Mapped[str] = mapped_column(sa.String(16))  # visitor_id|customer_number|email
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # {"categories": {"marketing": false, …}, "purposes": {"newsletter": true, …}}
    choices: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    notice_version: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(8))
    source: Mapped[str] = mapped_column(sa.String(16))  # banner|portal|api|import|double_opt_in|gpc
    gpc: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # Sec-GPC: 1 was sent
    user_agent_family: Mapped[str | None] = mapped_column(sa.String(32))


class ConsentLink(Base):
    """A visitor id (banner cookie) that turned out to be a customer, on login.

    Both sides are keyed hashes; the customer's current state then includes the choices
    made anonymously before the login.
    """

    __tablename__ = "consent_links"
    __table_args__ = (sa.UniqueConstraint("visitor_hash", "customer_hash"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    visitor_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    customer_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- issue "Consent", at scale: the current state per subject (migration 0007) -----------
# On PostgreSQL, consent_events is partitioned by month (RANGE on ``at``; primary key
# (id, at), partitions in the schema ``consent_partitions``, made ahead by
# consent_events_ensure_month()); the model above describes the columns both share.


class CurrentConsent(Base):
    """The newest choice per consent category and purpose of one subject.

    Derived, never evidence: the events stay the proof (Art. 7(1)). It is written in the
    same transaction as the events it folds (:func:`personvern.consent.records.append`),
    so it cannot disagree with them, and it turns a decision into one indexed read instead
    of a fold over a history that grows with every click.
    """

    __tablename__ = "consent_current"

    subject_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(sa.String(16))
    # {"categories": {"marketing": [granted, "<ISO time>", "<notice version>", "<source>",
    #  <event id>], …}, "purposes": {…}}: compact, read on every decision.
    choices: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    last_event_id: Mapped[int] = mapped_column(_EVENT_ID)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- issue "Retention": where each retention rule's sweep stands --------------------------


class RetentionSweep(Base):
    """The pass of one retention rule over its collection, so a killed run resumes.

    One row per rule (``shop.access_logs.retention[0]``). ``cutoff`` is the instant the
    pass counts with (rows whose anchor is before it are due), frozen when the pass starts
    so that a resumed pass works on the same rows; ``cursor`` is the primary key of the
    last row done (keyset pagination), or for a pass by pages of a large PostgreSQL table
    the next page (:mod:`personvern.retention.blocks`). Only keys and counts, never a
    row's values.
    """

    __tablename__ = "retention_sweeps"

    rule: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16))  # running | done
    cutoff: Mapped[datetime] = mapped_column(sa.DateTime())  # the shop's (naive) time
    cursor: Mapped[list[Any] | dict[str, Any] | None] = mapped_column(Json)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rows: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # deleted or anonymised
    batches: Mapped[int] = mapped_column(sa.Integer, default=0)


# --- issue "Portal": one-time codes that prove control of an e-mail address (0005) ------


class VerificationChallenge(Base):
    """A one-time code sent to an e-mail address (Art. 12(6)), and what it unlocks.

    The code itself is never stored: ``code_hash`` is an HMAC of it under the engine's
    ``portal-code`` key, bound to the challenge id. The address and the client's IP are
    kept as keyed hashes, which is all the rate limits need; ``email`` and ``payload``
    (the request waiting for the code) are the only clear values, cleared once the code
    did its work, and rows are deleted a day after they were made
    (:func:`personvern.requests.verification.purge`).
    """

    __tablename__ = "verification_challenges"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random, URL-safe
    address_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    client_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(16))  # request | session | download
    language: Mapped[str] = mapped_column(sa.String(8))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    request_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- issue "Admin console": staff users, their sessions and failed logins (0006) ---------


class StaffUser(Base):
    """A member of the privacy team who logs in to the admin console.

    ``password_hash`` is an argon2id hash (:mod:`personvern.staff.passwords`), never the
    password. A user is disabled, not deleted: the audit log names them for years.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(32))  # admin | privacy_officer | read_only
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie's random value is stored, so a
    copy of this table opens no session."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the absolute limit
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffLoginFailure(Base):
    """A failed login, counted per user name and per client to throttle guessing.

    ``key_hash`` is a keyed hash of ``user:<name>`` or ``client:<address>``: the count
    needs no clear value, and an IP address is personal data. Rows older than the
    throttle's window are deleted on the next attempt.
    """

    __tablename__ = "staff_login_failures"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
