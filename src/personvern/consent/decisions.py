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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit.chain import utc
from personvern.consent.records import (
    Choice,
    ConsentError,
    ConsentState,
    ConsentSubject,
    fold_stored,
    grouped_states,
    hash_key,
    parse_stored,
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


def _verdict(kind: str, created_at: datetime, purpose: Purpose) -> LimitVerdict:
    since = utc(created_at)
    if kind == LimitKind.restriction.value:
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


_LIMITS = cast(sa.Table, SubjectLimit.__table__)
# Built once, with the purpose and the hashes as parameters (see records._GROUPS).
_LIMITS_IN_FORCE = (
    sa.select(_LIMITS.c.identity_hash, _LIMITS.c.kind, _LIMITS.c.created_at)
    .where(_LIMITS.c.identity_hash.in_(sa.bindparam("hashes", expanding=True)),
           _LIMITS.c.lifted_at.is_(None),
           _LIMITS.c.purpose.in_([ALL_PURPOSES, sa.bindparam("purpose")]))
    .order_by(_LIMITS.c.id))


def _strongest(found: list[LimitVerdict]) -> LimitVerdict | None:
    """An absolute objection, else any objection, else a restriction."""
    found.sort(key=lambda v: (not v.absolute, v.kind is not LimitKind.objection))
    return found[0] if found else None


def limits_from_store(session: Session | sa.Connection, manifest: Manifest) -> LimitsLookup:
    """Limits in force from ``subject_limits``: one query per purpose asked."""

    def lookup(groups: Sequence[frozenset[str]], purpose: str) -> list[LimitVerdict | None]:
        wanted = sorted(set().union(*groups)) if groups else []
        rows: dict[str, list[tuple[str, datetime]]] = {}
        for start in range(0, len(wanted), 500):
            for digest, kind, created_at in session.execute(_LIMITS_IN_FORCE, {
                    "hashes": wanted[start:start + 500], "purpose": purpose}):
                rows.setdefault(digest, []).append((kind, created_at))
        return [_strongest([_verdict(kind, created_at, manifest.purposes[purpose])
                            for h in group for kind, created_at in rows.get(h, [])])
                for group in groups]

    return lookup


def _limits_from_rows(rows: Sequence[tuple[str, str, str, datetime]],
                      manifest: Manifest) -> LimitsLookup:
    """The same lookup over limits already read: (identity hash, purpose, kind, since)."""
    by_hash: dict[str, list[tuple[str, str, datetime]]] = {}
    for digest, purpose, kind, created_at in rows:
        by_hash.setdefault(digest, []).append((purpose, kind, created_at))

    def lookup(groups: Sequence[frozenset[str]], purpose: str) -> list[LimitVerdict | None]:
        return [_strongest([_verdict(kind, since, manifest.purposes[purpose])
                            for h in group for limited, kind, since in by_hash.get(h, [])
                            if limited in (purpose, ALL_PURPOSES)])
                for group in groups]

    return lookup


# PostgreSQL: both reads of a decision in one round trip (psycopg's pipeline mode), by
# arrays of hashes, each statement prepared once per connection. Links are followed one
# hop, as records.grouped_states follows them.
_PG_GROUP = (
    "SELECT own.h AS asked, own.h AS member FROM unnest(CAST(%(own)s AS text[])) AS own(h) "
    "UNION ALL SELECT customer_hash, visitor_hash FROM consent_links "
    "WHERE customer_hash = ANY(CAST(%(own)s AS text[])) "
    "UNION ALL SELECT visitor_hash, customer_hash FROM consent_links "
    "WHERE visitor_hash = ANY(CAST(%(own)s AS text[]))")
# Put together from constants only (hence the noqa).
_PG_STATES = (
    f"SELECT grouped.asked, grouped.member, CAST(held.choices AS text) "  # noqa: S608
    f"FROM ({_PG_GROUP}) AS grouped "
    f"LEFT JOIN consent_current AS held ON held.subject_hash = grouped.member")
_PG_LIMITS = (
    f"SELECT limits.identity_hash, limits.purpose, limits.kind, limits.created_at "  # noqa: S608
    f"FROM subject_limits AS limits WHERE limits.lifted_at IS NULL "
    f"AND limits.purpose = ANY(CAST(%(purposes)s AS text[])) "
    f"AND limits.identity_hash IN (SELECT member FROM ({_PG_GROUP}) AS grouped) "
    f"ORDER BY limits.id")


PgRead = tuple[dict[str, frozenset[str]], dict[str, ConsentState],
               list[tuple[str, str, str, datetime]]]


def _pg_parameters(own: list[str], purposes: list[str]) -> tuple[dict[str, Any],
                                                                 dict[str, Any]]:
    return {"own": own}, {"own": own, "purposes": [*purposes, ALL_PURPOSES]}


def _pg_read(own: list[str], state_rows: Sequence[Any], limit_rows: Sequence[Any]) -> PgRead:
    """Each subject's group and state, and the limits in force, from the two reads."""
    groups: dict[str, set[str]] = {digest: {digest} for digest in own}
    stored: dict[str, dict[str, dict[str, list[Any]]]] = {}
    for asked, member, choices in state_rows:
        groups[asked].add(member)
        if choices is not None:
            stored[member] = parse_stored(choices)
    return ({h: frozenset(g) for h, g in groups.items()},
            {h: fold_stored(stored[m] for m in g if m in stored) for h, g in groups.items()},
            [(str(h), str(p), str(k), at) for h, p, k, at in limit_rows])


def _read_postgres(connection: sa.Connection, own: list[str], purposes: list[str]) -> PgRead:
    raw = connection.connection.driver_connection
    assert raw is not None
    for_states, for_limits = _pg_parameters(own, purposes)
    with raw.pipeline():
        states = raw.execute(_PG_STATES, for_states)
        limits = raw.execute(_PG_LIMITS, for_limits)
    return _pg_read(own, states.fetchall(), limits.fetchall())


async def _read_postgres_async(connection: Any, own: list[str], purposes: list[str]
                               ) -> PgRead:
    """The same reads on a psycopg ``AsyncConnection`` (autocommit), from the web app's
    event loop: no thread to hand the question to and back."""
    for_states, for_limits = _pg_parameters(own, purposes)
    async with connection.pipeline():
        states = await connection.execute(_PG_STATES, for_states)
        limits = await connection.execute(_PG_LIMITS, for_limits)
    return _pg_read(own, await states.fetchall(), await limits.fetchall())


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


def _hashes(manifest: Manifest, subjects: Sequence[ConsentSubject], purposes: Sequence[str],
            key: bytes | None) -> list[str]:
    """Each subject's keyed hash, once the question is known to be one to answer."""
    if len(subjects) > BULK_SUBJECTS_MAX or len(purposes) > BULK_PURPOSES_MAX:
        raise ConsentError(f"ask for at most {BULK_SUBJECTS_MAX} subjects and "
                           f"{BULK_PURPOSES_MAX} purposes at a time")
    for purpose in purposes:
        _purpose(manifest, purpose)
    derived = hash_key(key)
    return [subject_hash(subject, derived) for subject in subjects]


def _decided(manifest: Manifest, own: Sequence[str], purposes: Sequence[str],
             grouped: Mapping[str, frozenset[str]], current: Mapping[str, ConsentState],
             lookup: LimitsLookup) -> list[list[ConsentDecision]]:
    groups = [grouped[digest] for digest in own]
    states = [current[digest] for digest in own]
    verdicts = {purpose: list(lookup(groups, purpose)) for purpose in dict.fromkeys(purposes)}
    version = notice_version(manifest).id
    return [[decide_one(manifest, purpose, state, verdicts[purpose][index], version)
             for purpose in purposes] for index, state in enumerate(states)]


def decide_many(
    session: Session | sa.Connection, manifest: Manifest, subjects: Sequence[ConsentSubject],
    purposes: Sequence[str], *, limits: LimitsLookup | None = None, key: bytes | None = None,
) -> list[list[ConsentDecision]]:
    """One row of decisions per subject, one per purpose, in order. The reads: the current
    states with linked identities, and the limits in force; on PostgreSQL both in one
    round trip, elsewhere one per 500 subjects and one per purpose. Never the history."""
    own = _hashes(manifest, subjects, purposes, key)
    connection = session.connection() if isinstance(session, Session) else session
    lookup: LimitsLookup
    if limits is None and connection.dialect.name == "postgresql":
        grouped, current, limit_rows = _read_postgres(connection, sorted(set(own)),
                                                      list(dict.fromkeys(purposes)))
        lookup = _limits_from_rows(limit_rows, manifest)
    else:
        grouped, current = grouped_states(connection, own)
        lookup = limits if limits is not None else limits_from_store(connection, manifest)
    return _decided(manifest, own, purposes, grouped, current, lookup)


async def decide_many_postgres(
    connection: Any, manifest: Manifest, subjects: Sequence[ConsentSubject],
    purposes: Sequence[str], *, key: bytes | None = None,
) -> list[list[ConsentDecision]]:
    """:func:`decide_many` on a psycopg ``AsyncConnection`` to the engine's store on
    PostgreSQL, in one round trip."""
    own = _hashes(manifest, subjects, purposes, key)
    grouped, current, limit_rows = await _read_postgres_async(
        connection, sorted(set(own)), list(dict.fromkeys(purposes)))
    return _decided(manifest, own, purposes, grouped, current,
                    _limits_from_rows(limit_rows, manifest))


def decide(
    session: Session | sa.Connection, manifest: Manifest, subject: ConsentSubject, purpose: str, *,
    limits: LimitsLookup | None = None, key: bytes | None = None,
) -> ConsentDecision:
    """May ``subject``'s data be used for ``purpose`` now?"""
    return decide_many(session, manifest, [subject], [purpose], limits=limits, key=key)[0][0]
