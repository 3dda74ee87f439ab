"""Restriction (Art. 18) and objection (Art. 21), per subject and purpose.

A *limit* is what a subject has put on the processing of their data:

* **restriction** (Art. 18): the data may only be *stored* (18(2)); any other processing
  needs the subject's consent, or is for legal claims, to protect another person or for an
  important public interest. ``purpose`` is ``*`` (all processing, the usual case) or one
  manifest purpose. Lifting it needs the subject to be told first (18(3)): :func:`lift`
  takes the moment they were told and refuses without it.
* **objection** (Art. 21) to one manifest purpose:

  - to **direct marketing** (a purpose whose ``data_use`` is under ``marketing``, which
    includes profiling for it): absolute (21(2)-(3)). It applies at once, whatever the
    legal basis, and the controller cannot lift it; only the subject can withdraw it.
  - to any other purpose (21(1)): only where the purpose rests on Art. 6(1)(e) or (f).
    The purpose is held until the controller has assessed whether compelling legitimate
    grounds override the subject's interests; the objection is in force until lifted with
    that reason. On any other basis the objection is refused with the reason (a contract
    cannot be objected to; consent is withdrawn instead, Art. 7(3)).

Identities are never stored in clear: each identifier the subject gave is kept as
``keyed_hash("identity-hash", "email:kari@example.no")`` (or ``phone:+47…``,
``customer_number:…``), one row per identifier, so the shop's backend can ask by any of
them. The rows made by one call form one limit, named by the smallest row id.

Every change writes one audit entry with ids, kinds, purposes, articles and dates only:
the free-text reason is kept on the limit row, never in the audit log.

:func:`limits_for` answers "may this person's data be used for purpose P?" in one query,
for one subject or for a thousand (:func:`limits_for_many`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.keys import derive_key
from personvern.manifest.model import Manifest, Purpose
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import lock_for_writing
from personvern.store.models import TEXT_MAX, SubjectLimit

ALL_PURPOSES = "*"
SYSTEM = "system"
# Art. 21(1) applies to processing based on these (6(1)(e) and (f)).
OBJECTABLE_BASES = frozenset({"public_task", "legitimate_interests"})
BASIS_ARTICLES = {
    "consent": "6(1)(a)", "contract": "6(1)(b)", "legal_obligation": "6(1)(c)",
    "vital_interests": "6(1)(d)", "public_task": "6(1)(e)", "legitimate_interests": "6(1)(f)",
}
MARKETING = "marketing"
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"personvern.limits").digest()[:8], "big") >> 1


class LimitKind(str, Enum):
    restriction = "restriction"  # Art. 18
    objection = "objection"  # Art. 21


class RestrictionGround(str, Enum):
    """Art. 18(1): why processing is restricted."""

    accuracy_contested = "18(1)(a)"  # for the time the controller needs to check it
    unlawful_erasure_opposed = "18(1)(b)"  # the subject wants restriction, not erasure
    needed_for_legal_claims = "18(1)(c)"  # the controller no longer needs it, the subject does
    objection_pending = "18(1)(d)"  # while an Art. 21(1) objection is assessed


class Exemption(str, Enum):
    """Processing Art. 18(2) still allows on restricted data. Named ``art18:…`` so they can
    never be mistaken for a manifest purpose key (which has no colon)."""

    storage = "art18:storage"
    legal_claims = "art18:legal_claims"  # establishment, exercise or defence
    protection_of_others = "art18:protection_of_others"  # another natural or legal person
    public_interest = "art18:public_interest"  # important public interest of the EU/a state


class LimitError(Exception):
    """Base of the refusals a caller can show to a person as they are (no personal data)."""


class UnknownPurposeError(LimitError):
    pass


class ObjectionNotApplicableError(LimitError):
    """An objection to a purpose whose legal basis Art. 21 does not cover."""


class LiftRefusedError(LimitError):
    pass


class LimitNotFoundError(LimitError):
    pass


@dataclass(frozen=True)
class Limit:
    """A limit as made by one call: its rows (one per identifier) share everything else."""

    id: int
    kind: LimitKind
    purpose: str
    article: str
    absolute: bool
    created_at: datetime
    row_ids: tuple[int, ...]
    lifted_at: datetime | None = None


@dataclass(frozen=True)
class LimitReason:
    """One limit that stops (or, for an exemption, does not stop) the processing."""

    limit_id: int
    kind: LimitKind
    purpose: str
    article: str
    absolute: bool
    text: str


@dataclass(frozen=True)
class LimitDecision:
    """The answer for one subject and one purpose. ``reason`` holds no personal data."""

    purpose: str
    allowed: bool
    reason: str
    restricted: bool = False
    objected: bool = False
    absolute: bool = False
    reasons: tuple[LimitReason, ...] = field(default=())


# --- identities -------------------------------------------------------------------------


def identity_keys(identity: SubjectIdentity) -> list[str]:
    """The normalised identifiers as stored before hashing: ``email:…``, ``phone:+47…``."""
    return [f"{kind}:{value}" for kind, value in identity.present().items()]


def identity_hashes(identity: SubjectIdentity, key: bytes | None = None) -> list[str]:
    """HMAC-SHA-256 of each identifier under the ``identity-hash`` key."""
    key = key if key is not None else derive_key("identity-hash")
    return [hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
            for text in identity_keys(identity)]


# --- purposes ---------------------------------------------------------------------------


def is_direct_marketing(purpose: Purpose) -> bool:
    """A purpose whose data use is under ``marketing`` (incl. profiling for it)."""
    return purpose.data_use.split(".")[0] == MARKETING


def _purpose(manifest: Manifest, key: str) -> Purpose:
    purpose = manifest.purposes.get(key)
    if purpose is None:
        raise UnknownPurposeError(
            f"no purpose {key[:100]!r} in the manifest; known: "
            f"{', '.join(sorted(manifest.purposes)) or 'none'}"
        )
    return purpose


def check_objection(manifest: Manifest, purpose_key: str) -> tuple[str, bool]:
    """The article an objection to ``purpose_key`` rests on and whether it is absolute;
    raises :class:`ObjectionNotApplicableError` where Art. 21 does not apply."""
    if purpose_key == ALL_PURPOSES:
        raise ObjectionNotApplicableError(
            "an objection names one purpose (Art. 21 weighs each purpose on its own); "
            "to stop all processing, ask for restriction (Art. 18)"
        )
    purpose = _purpose(manifest, purpose_key)
    if is_direct_marketing(purpose):
        return "Art. 21(3)", True
    if any(basis.basis in OBJECTABLE_BASES for basis in purpose.legal_basis):
        return "Art. 21(1)", False
    bases = ", ".join(f"{b.basis} ({BASIS_ARTICLES[b.basis]})" for b in purpose.legal_basis)
    hint = (" Consent is withdrawn instead (Art. 7(3))."
            if purpose.has_basis("consent") else "")
    raise ObjectionNotApplicableError(
        f"purpose {purpose_key} rests on {bases or 'no declared legal basis'}: Art. 21(1) "
        "gives a right to object only to processing based on Art. 6(1)(e) or (f), and it "
        f"is not direct marketing (Art. 21(2)).{hint}"
    )


# --- changes ----------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return audit.utc(now) if now is not None else datetime.now(UTC)


def _serialise(session: Session) -> None:
    """One writer of limits at a time, so the rows of one limit are told apart from
    another's by their shared creation moment."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    else:
        lock_for_writing(session, SubjectLimit.__tablename__)


def _text(value: str | None, what: str, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise LimitError(f"{what} must not be empty")
        return None
    if len(text) > TEXT_MAX:
        raise LimitError(f"{what} is longer than {TEXT_MAX} characters")
    return text


def _create(
    session: Session, *, kind: LimitKind, identity: SubjectIdentity, purpose: str,
    article: str, absolute: bool, reason: str, request_id: str | None, actor: str,
    at: datetime, hash_key: bytes | None,
) -> Limit:
    hashes = sorted(set(identity_hashes(identity, hash_key)))
    if not hashes:
        raise LimitError("give at least one identifier of the subject")
    _serialise(session)
    # The rows of this limit share created_at; make it unique among limits.
    while session.scalar(sa.select(SubjectLimit.id).where(SubjectLimit.created_at == at)
                         .limit(1)) is not None:
        at += timedelta(microseconds=1)
    rows = [SubjectLimit(identity_hash=digest, kind=kind.value, purpose=purpose,
                         request_id=request_id, created_at=at, reason=reason[:TEXT_MAX])
            for digest in hashes]
    session.add_all(rows)
    session.flush()
    ids = tuple(sorted(row.id for row in rows))
    audit.append(session, actor=actor, action=f"limit.{kind.value}", subject=request_id,
                 detail={"limit": ids[0], "purpose": purpose, "article": article,
                         "absolute": absolute, "identifiers": len(ids)}, at=at)
    return Limit(id=ids[0], kind=kind, purpose=purpose, article=article, absolute=absolute,
                 created_at=at, row_ids=ids)


def restrict(
    session: Session, *, identity: SubjectIdentity, manifest: Manifest,
    ground: RestrictionGround, purpose: str = ALL_PURPOSES, note: str | None = None,
    request_id: str | None = None, actor: str = SYSTEM, now: datetime | None = None,
    hash_key: bytes | None = None,
) -> Limit:
    """Restrict processing (Art. 18(1), on ``ground``): from now on the data may only be
    stored, apart from the Art. 18(2) exemptions."""
    if purpose != ALL_PURPOSES:
        _purpose(manifest, purpose)
    extra = _text(note, "the note")
    reason = f"Art. {ground.value}" + (f": {extra}" if extra else "")
    return _create(session, kind=LimitKind.restriction, identity=identity, purpose=purpose,
                   article=f"Art. {ground.value}", absolute=False, reason=reason,
                   request_id=request_id, actor=actor, at=_now(now), hash_key=hash_key)


def object_to(
    session: Session, *, identity: SubjectIdentity, manifest: Manifest, purpose: str,
    note: str | None = None, request_id: str | None = None, actor: str = SYSTEM,
    now: datetime | None = None, hash_key: bytes | None = None,
) -> Limit:
    """Record the subject's objection to ``purpose`` (Art. 21); it applies at once.

    Raises :class:`ObjectionNotApplicableError` where the purpose's legal basis is not one
    Art. 21 covers (see :func:`check_objection`)."""
    article, absolute = check_objection(manifest, purpose)
    extra = _text(note, "the note")
    reason = article + (f": {extra}" if extra else "")
    return _create(session, kind=LimitKind.objection, identity=identity, purpose=purpose,
                   article=article, absolute=absolute, reason=reason, request_id=request_id,
                   actor=actor, at=_now(now), hash_key=hash_key)


def _rows(session: Session, limit_id: int) -> list[SubjectLimit]:
    first = session.get(SubjectLimit, limit_id, populate_existing=True)
    if first is None:
        raise LimitNotFoundError(f"no limit {limit_id}")
    return list(session.scalars(
        sa.select(SubjectLimit).where(
            SubjectLimit.created_at == first.created_at, SubjectLimit.kind == first.kind,
            SubjectLimit.purpose == first.purpose,
        ).order_by(SubjectLimit.id).execution_options(populate_existing=True)
    ).all())


def _limit(rows: Sequence[SubjectLimit]) -> Limit:
    first = rows[0]
    kind = LimitKind(first.kind)
    # The article is the start of the reason written when the limit was made.
    article = (first.reason or "").split(":")[0].split("\n")[0] or "Art. 18"
    absolute = kind is LimitKind.objection and article == "Art. 21(3)"
    return Limit(id=first.id, kind=kind, purpose=first.purpose, article=article,
                 absolute=absolute, created_at=audit.utc(first.created_at),
                 row_ids=tuple(row.id for row in rows),
                 lifted_at=audit.utc(first.lifted_at) if first.lifted_at else None)


def get_limit(session: Session, limit_id: int) -> Limit:
    return _limit(_rows(session, limit_id))


def lift(
    session: Session, limit_id: int, *, reason: str,
    subject_informed_at: datetime | None = None, withdrawn_by_subject: bool = False,
    actor: str = SYSTEM, now: datetime | None = None,
) -> Limit:
    """End a limit, with the reason.

    * a restriction: only once the subject has been told (Art. 18(3)):
      ``subject_informed_at`` is required and may not lie in the future;
    * an objection to direct marketing: never by the controller (Art. 21(3)); only the
      subject can withdraw it (``withdrawn_by_subject``);
    * any other objection: the controller's compelling legitimate grounds (Art. 21(1)),
      given as ``reason``.
    """
    at = _now(now)
    text = _text(reason, "the reason for lifting", required=True)
    _serialise(session)
    rows = _rows(session, limit_id)
    limit = _limit(rows)
    if limit.lifted_at is not None:
        raise LiftRefusedError(f"limit {limit_id} was already lifted on {limit.lifted_at:%Y-%m-%d}")
    detail: dict[str, object] = {"limit": limit.id, "kind": limit.kind.value,
                                 "purpose": limit.purpose}
    if limit.kind is LimitKind.restriction:
        if subject_informed_at is None:
            raise LiftRefusedError(
                "Art. 18(3): the subject must be informed before a restriction is lifted; "
                "give the time they were told"
            )
        informed = audit.utc(subject_informed_at)
        if informed > at:
            raise LiftRefusedError("Art. 18(3): the subject must be informed before the "
                                   "restriction is lifted, not after")
        detail["subject_informed_at"] = informed.isoformat()
        note = f"lifted: {text} (subject informed {informed:%Y-%m-%d %H:%M} UTC)"
    elif limit.absolute and not withdrawn_by_subject:
        raise LiftRefusedError(
            f"limit {limit.id} is an objection to direct marketing ({limit.purpose}): it is "
            "absolute (Art. 21(3)) and cannot be overridden; only the subject can withdraw it"
        )
    else:
        detail["withdrawn_by_subject"] = withdrawn_by_subject
        note = ("withdrawn by the subject: " if withdrawn_by_subject
                else "lifted, compelling legitimate grounds (Art. 21(1)): ") + str(text)
    for row in rows:
        row.lifted_at = at
        row.reason = f"{row.reason or ''}\n{note}".strip()[:TEXT_MAX]
    audit.append(session, actor=actor, action="limit.lifted", subject=rows[0].request_id,
                 detail=detail, at=at)
    session.flush()
    return _limit(rows)


# --- questions --------------------------------------------------------------------------

_RESTRICTED = ("processing is restricted (Art. 18(2)): the data may only be stored, or used "
               "with the subject's consent, for legal claims, to protect another person or "
               "for an important public interest")
_EXEMPT = "restricted (Art. 18), but {what} is still allowed (Art. 18(2))"
_OBJECTED_ABSOLUTE = ("the subject objected to direct marketing ({purpose}): absolute, the "
                      "data may no longer be used for it (Art. 21(3))")
_OBJECTED_PENDING = ("the subject objected to {purpose} (Art. 21(1)): held until the "
                     "controller shows compelling legitimate grounds and lifts the objection")
_FREE = "no restriction or objection in force"


def check_purpose(manifest: Manifest, purpose: str) -> None:
    """Refuse a purpose that is neither a manifest purpose nor an Art. 18(2) exemption."""
    if purpose in {e.value for e in Exemption}:
        return
    _purpose(manifest, purpose)


def _decide(purpose: str, rows: Iterable[SubjectLimit], manifest: Manifest) -> LimitDecision:
    exempt = purpose in {e.value for e in Exemption}
    absolute_purpose = not exempt and is_direct_marketing(manifest.purposes[purpose])
    reasons: list[LimitReason] = []
    seen: set[tuple[datetime, str, str]] = set()
    for row in sorted(rows, key=lambda r: r.id):
        group = (row.created_at, row.kind, row.purpose)
        if group in seen:
            continue
        seen.add(group)
        if row.kind == LimitKind.restriction.value:
            what = purpose.removeprefix("art18:").replace("_", " ")
            text = _EXEMPT.format(what=what) if exempt else _RESTRICTED
            reasons.append(LimitReason(row.id, LimitKind.restriction, row.purpose,
                                       "Art. 18(2)", False, text))
        elif not exempt:
            template = _OBJECTED_ABSOLUTE if absolute_purpose else _OBJECTED_PENDING
            reasons.append(LimitReason(
                row.id, LimitKind.objection, row.purpose,
                "Art. 21(3)" if absolute_purpose else "Art. 21(1)", absolute_purpose,
                template.format(purpose=purpose)))
    restricted = any(r.kind is LimitKind.restriction for r in reasons)
    objected = any(r.kind is LimitKind.objection for r in reasons)
    allowed = exempt or not reasons
    # The strongest reason first: an absolute objection, then restriction, then objection.
    reasons.sort(key=lambda r: (not r.absolute, r.kind is not LimitKind.restriction))
    return LimitDecision(
        purpose=purpose, allowed=allowed, reason=reasons[0].text if reasons else _FREE,
        restricted=restricted, objected=objected,
        absolute=any(r.absolute for r in reasons), reasons=tuple(reasons))


def limits_for_many(
    session: Session, identities: Sequence[SubjectIdentity], purpose: str,
    manifest: Manifest, *, hash_key: bytes | None = None,
) -> list[LimitDecision]:
    """One decision per subject, in order, from one query for all of them."""
    check_purpose(manifest, purpose)
    key = hash_key if hash_key is not None else derive_key("identity-hash")
    per_subject = [set(identity_hashes(identity, key)) for identity in identities]
    wanted = set().union(*per_subject) if per_subject else set()
    found: dict[str, list[SubjectLimit]] = {}
    if wanted:
        purposes = [ALL_PURPOSES] if purpose.startswith("art18:") else [ALL_PURPOSES, purpose]
        for row in session.scalars(sa.select(SubjectLimit).where(
            SubjectLimit.identity_hash.in_(sorted(wanted)), SubjectLimit.lifted_at.is_(None),
            SubjectLimit.purpose.in_(purposes),
        )):
            found.setdefault(row.identity_hash, []).append(row)
    return [_decide(purpose, [row for digest in hashes for row in found.get(digest, [])],
                    manifest) for hashes in per_subject]


def limits_for(
    session: Session, identities: SubjectIdentity, purpose: str, manifest: Manifest,
    *, hash_key: bytes | None = None,
) -> LimitDecision:
    """May the data of the subject known by ``identities`` be used for ``purpose``?

    ``purpose`` is a manifest purpose key, or an :class:`Exemption` (``art18:storage``…)
    to ask whether what Art. 18(2) still allows may go on."""
    return limits_for_many(session, [identities], purpose, manifest, hash_key=hash_key)[0]


def active_limits(session: Session, limit: int = 500) -> list[Limit]:
    """Limits in force, newest first (no identities: the table holds none in clear)."""
    rows = session.scalars(sa.select(SubjectLimit).where(SubjectLimit.lifted_at.is_(None))
                           .order_by(SubjectLimit.id.desc()).limit(limit * 3)).all()
    groups: dict[tuple[datetime, str, str], list[SubjectLimit]] = {}
    for row in rows:
        groups.setdefault((row.created_at, row.kind, row.purpose), []).append(row)
    return [_limit(sorted(g, key=lambda r: r.id)) for g in groups.values()][:limit]


def summary(limit: Limit) -> Mapping[str, object]:
    """A limit as plain data (for JSON), without personal data."""
    return {"id": limit.id, "kind": limit.kind.value, "purpose": limit.purpose,
            "article": limit.article, "absolute": limit.absolute,
            "created_at": limit.created_at.isoformat(), "identifiers": len(limit.row_ids),
            "lifted_at": limit.lifted_at.isoformat() if limit.lifted_at else None}
