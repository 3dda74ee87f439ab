"""May the shop use person X for purpose P now? Allow or deny, with the reason.

The answer weighs, in this order:

1. a restriction (Art. 18) or objection (Art. 21) in force: it stops the processing
   whatever the legal basis; under a restriction, Art. 18(2) still allows processing with
   the subject's consent, so a consent given *after* the restriction began allows it;
2. a purpose not resting on consent: consent is not the question (another Art. 6(1)
   basis carries it), so it is allowed as far as consent is concerned;
3. the newest choice for the purpose (or for its banner category, when the purpose names
   one): given at T under notice version V, or withdrawn (Art. 7(3)), or none recorded —
   and without a recorded consent there is no consent to demonstrate (Art. 7(1)).

Limits are looked up through a :data:`LimitsLookup`; by default the ``subject_limits``
table of :mod:`personvern.requests.limits`, asked by the same keyed hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit.chain import utc
from personvern.consent.records import (
    Choice,
    ConsentError,
    ConsentState,
    ConsentSubject,
    events_for,
    fold,
    hash_key,
    linked_hashes,
    subject_hash,
)
from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest, Purpose
from personvern.requests.limits import ALL_PURPOSES, LimitKind, is_direct_marketing
from personvern.store.models import SubjectLimit

BULK_SUBJECTS_MAX = 1000
BULK_PURPOSES_MAX = 50


class DecisionReason(str, Enum):
    consent_given = "consent_given"
    consent_withdrawn = "consent_withdrawn"
    no_consent = "no_consent"
    restricted = "restricted"  # Art. 18
    objected = "objected"  # Art. 21
    not_consent_basis = "not_consent_basis"


@dataclass(frozen=True)
class LimitVerdict:
    """A restriction or objection in force for the subject and purpose."""

    kind: LimitKind
    since: datetime
    article: str
    text: str
    absolute: bool = False


LimitsLookup = Callable[[Sequence[frozenset[str]], str], Sequence[LimitVerdict | None]]
"""Given each subject's identity hashes (own and linked) and a purpose key, the limit in
force for each subject, or None."""


@dataclass(frozen=True)
class ConsentDecision:
    purpose: str
    allowed: bool
    reason: DecisionReason
    message: str
    article: str
    consented_at: datetime | None = None
    notice_version: str | None = None
    current_version: bool | None = None  # was the consent given under today's notice?

    def as_json(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "allowed": self.allowed,
                "reason": self.reason.value, "message": self.message,
                "article": self.article,
                "consented_at": self.consented_at.isoformat() if self.consented_at else None,
                "notice_version": self.notice_version,
                "current_version": self.current_version}


# --- limits ----------------------------------------------------------------------------------


def _verdict(row: SubjectLimit, purpose: Purpose) -> LimitVerdict:
    since = utc(row.created_at)
    if row.kind == LimitKind.restriction.value:
        return LimitVerdict(LimitKind.restriction, since, "Art. 18(2)",
                            "processing is restricted: the data may only be stored, or used "
                            "with consent given since, for legal claims, to protect another "
                            "person or for an important public interest")
    if is_direct_marketing(purpose):
        return LimitVerdict(LimitKind.objection, since, "Art. 21(3)",
                            "the subject objected to direct marketing: absolute", True)
    return LimitVerdict(LimitKind.objection, since, "Art. 21(1)",
                        "the subject objected; held until compelling legitimate grounds "
                        "are shown and the objection is lifted")


def limits_from_store(session: Session, manifest: Manifest) -> LimitsLookup:
    """Limits in force from ``subject_limits``: one query per purpose asked."""

    def lookup(groups: Sequence[frozenset[str]], purpose: str) -> list[LimitVerdict | None]:
        wanted = sorted(set().union(*groups)) if groups else []
        rows: dict[str, list[SubjectLimit]] = {}
        for start in range(0, len(wanted), 500):
            for row in session.scalars(sa.select(SubjectLimit).where(
                SubjectLimit.identity_hash.in_(wanted[start:start + 500]),
                SubjectLimit.lifted_at.is_(None),
                SubjectLimit.purpose.in_([ALL_PURPOSES, purpose]),
            ).order_by(SubjectLimit.id)):
                rows.setdefault(row.identity_hash, []).append(row)
        verdicts: list[LimitVerdict | None] = []
        for group in groups:
            found = [_verdict(r, manifest.purposes[purpose]) for h in group
                     for r in rows.get(h, [])]
            # The strongest first: an absolute objection, then any objection, then restriction.
            found.sort(key=lambda v: (not v.absolute, v.kind is not LimitKind.objection))
            verdicts.append(found[0] if found else None)
        return verdicts

    return lookup


# --- deciding -------------------------------------------------------------------------------


def _purpose(manifest: Manifest, key: str) -> Purpose:
    purpose = manifest.purposes.get(key) if isinstance(key, str) else None
    if purpose is None:
        shown = key[:60] if isinstance(key, str) else type(key).__name__
        raise ConsentError(f"no purpose {shown!r} in the manifest")
    return purpose


def _choice(state: ConsentState, key: str, purpose: Purpose) -> Choice | None:
    """The purpose's own choice or its banner category's, whichever is newer."""
    candidates = [state.purposes.get(key)]
    if purpose.consent is not None and purpose.consent.category:
        candidates.append(state.categories.get(purpose.consent.category))
    present = [c for c in candidates if c is not None]
    return max(present, key=lambda c: (c.at, c.event_id)) if present else None


def decide_one(manifest: Manifest, key: str, state: ConsentState,
               limit: LimitVerdict | None, version: str) -> ConsentDecision:
    """The decision from what is known; pure, so the bulk form shares it."""
    purpose = _purpose(manifest, key)
    choice = _choice(state, key, purpose) if purpose.consent is not None else None
    if limit is not None:
        consented_since = (limit.kind is LimitKind.restriction and choice is not None
                           and choice.granted and choice.at > limit.since)
        if not consented_since:
            reason = (DecisionReason.restricted if limit.kind is LimitKind.restriction
                      else DecisionReason.objected)
            return ConsentDecision(key, False, reason, limit.text, limit.article)
    if purpose.consent is None:
        bases = ", ".join(b.basis for b in purpose.legal_basis) or "no declared basis"
        return ConsentDecision(key, True, DecisionReason.not_consent_basis,
                               f"{key} rests on {bases}, not consent: consent is not the "
                               "question", "Art. 6(1)")
    if choice is None:
        return ConsentDecision(key, False, DecisionReason.no_consent,
                               "no consent recorded", "Art. 7(1)")
    when = f"{choice.at:%Y-%m-%d %H:%M} UTC under notice version {choice.notice_version[:12]}"
    if not choice.granted:
        return ConsentDecision(key, False, DecisionReason.consent_withdrawn,
                               f"consent refused or withdrawn at {when}", "Art. 7(3)",
                               choice.at, choice.notice_version,
                               choice.notice_version == version)
    return ConsentDecision(key, True, DecisionReason.consent_given, f"consent given at {when}",
                           "Art. 6(1)(a)", choice.at, choice.notice_version,
                           choice.notice_version == version)


def decide_many(
    session: Session, manifest: Manifest, subjects: Sequence[ConsentSubject],
    purposes: Sequence[str], *, limits: LimitsLookup | None = None, key: bytes | None = None,
) -> list[list[ConsentDecision]]:
    """One row of decisions per subject, one per purpose, in order. The queries are one
    for links, one for events (per 500 identities) and one per purpose for limits."""
    if len(subjects) > BULK_SUBJECTS_MAX or len(purposes) > BULK_PURPOSES_MAX:
        raise ConsentError(f"ask for at most {BULK_SUBJECTS_MAX} subjects and "
                           f"{BULK_PURPOSES_MAX} purposes at a time")
    for purpose in purposes:
        _purpose(manifest, purpose)
    derived = hash_key(key)
    own = [subject_hash(subject, derived) for subject in subjects]
    linked = linked_hashes(session, own)
    groups = [frozenset(linked[digest]) for digest in own]
    events = events_for(session, set().union(*groups) if groups else set())
    states = [fold(e for h in group for e in events.get(h, [])) for group in groups]
    lookup = limits if limits is not None else limits_from_store(session, manifest)
    verdicts = {purpose: list(lookup(groups, purpose)) for purpose in dict.fromkeys(purposes)}
    version = notice_version(manifest).id
    return [[decide_one(manifest, purpose, state, verdicts[purpose][index], version)
             for purpose in purposes] for index, state in enumerate(states)]


def decide(
    session: Session, manifest: Manifest, subject: ConsentSubject, purpose: str, *,
    limits: LimitsLookup | None = None, key: bytes | None = None,
) -> ConsentDecision:
    """May ``subject``'s data be used for ``purpose`` now?"""
    return decide_many(session, manifest, [subject], [purpose], limits=limits, key=key)[0][0]
