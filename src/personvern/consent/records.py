"""Records of consent: append-only events, the current state computed from them, proof.

Art. 7(1): where processing rests on consent, the controller must be able to demonstrate
that the person consented. Each choice becomes one :class:`ConsentEvent` row that is
never changed; the current state is the newest choice per consent category and per
consent purpose, across the person's identities (a banner visitor id linked to a customer
number on login). Withdrawal (Art. 7(3)) is a new event with ``False``, so the history
shows both the consent and its end, and earlier processing stays demonstrably lawful.

Who is never stored in clear: each identity is kept as
``keyed_hash("identity-hash", "<kind>:<value>")``, the form the restriction and objection
table uses, so a decision can ask both by the same hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.audit.chain import utc
from personvern.consent.useragent import browser_family
from personvern.consent.version import notice_version
from personvern.keys import derive_key
from personvern.manifest.model import Manifest
from personvern.requests.subject import (
    InvalidIdentityError,
    normalise_customer_number,
    normalise_email,
)
from personvern.store.models import ConsentEvent, ConsentLink

# 16 random bytes in URL-safe base64 are 22 characters; anything outside 22-64 URL-safe
# characters was not made by us (or by a sane shop) and is refused before any work.
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_QUERY_CHUNK = 500  # hashes per IN (...) in bulk reads


class ConsentError(ValueError):
    """A refusal to show as it is: it never repeats an identity."""


class SubjectKind(str, Enum):
    visitor_id = "visitor_id"  # the banner's first-party cookie
    customer_number = "customer_number"
    email = "email"


class ConsentSource(str, Enum):
    """Through which channel the choice came (part of the proof, Art. 7(1))."""

    banner = "banner"
    portal = "portal"
    api = "api"
    import_ = "import"
    double_opt_in = "double_opt_in"
    gpc = "gpc"  # Global Privacy Control, taken as a refusal of marketing


@dataclass(frozen=True)
class ConsentSubject:
    """A person as the consent engine knows them; ``value`` is normalised."""

    kind: SubjectKind
    value: str

    @property
    def key(self) -> str:
        """``kind:value``, the text that is hashed (never stored)."""
        return f"{self.kind.value}:{self.value}"


def visitor(visitor_id: str) -> ConsentSubject:
    if not isinstance(visitor_id, str) or not VISITOR_ID.match(visitor_id):
        raise ConsentError("the visitor id must be 22 to 64 URL-safe characters")
    return ConsentSubject(SubjectKind.visitor_id, visitor_id)


def customer(number: str) -> ConsentSubject:
    try:
        return ConsentSubject(SubjectKind.customer_number, normalise_customer_number(number))
    except InvalidIdentityError as error:
        raise ConsentError(str(error)) from None


def email(address: str) -> ConsentSubject:
    try:
        return ConsentSubject(SubjectKind.email, normalise_email(address))
    except InvalidIdentityError as error:
        raise ConsentError(str(error)) from None


_MAKERS = {SubjectKind.visitor_id: visitor, SubjectKind.customer_number: customer,
           SubjectKind.email: email}
_ALIASES = {"visitor": "visitor_id", "customer": "customer_number"}


def make_subject(kind: str, value: str) -> ConsentSubject:
    try:
        subject_kind = SubjectKind(_ALIASES.get(kind, kind))
    except ValueError:
        raise ConsentError("the subject kind must be visitor_id, customer_number or email"
                           ) from None
    return _MAKERS[subject_kind](value)


def parse_subject(text: str) -> ConsentSubject:
    """``visitor_id:…``, ``customer_number:…``, ``email:…`` (or ``visitor:``/``customer:``);
    a bare value with ``@`` is an e-mail address."""
    kind, colon, value = text.partition(":")
    if colon and _ALIASES.get(kind, kind) in {k.value for k in SubjectKind}:
        return make_subject(kind, value)
    if "@" in text:
        return email(text)
    raise ConsentError("name the subject as visitor_id:…, customer_number:… or email:…")


def hash_key(key: bytes | None = None) -> bytes:
    return key if key is not None else derive_key("identity-hash")


def subject_hash(subject: ConsentSubject, key: bytes | None = None) -> str:
    return hmac.new(hash_key(key), subject.key.encode("utf-8"), hashlib.sha256).hexdigest()


# --- choices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the person chose: granted (True) or refused (False), per key."""

    categories: Mapping[str, bool] = field(default_factory=dict)
    purposes: Mapping[str, bool] = field(default_factory=dict)

    def as_json(self) -> dict[str, dict[str, bool]]:
        return {"categories": dict(sorted(self.categories.items())),
                "purposes": dict(sorted(self.purposes.items()))}


def consent_purposes(manifest: Manifest) -> list[str]:
    """Purposes resting on consent (Art. 6(1)(a)): the ones a person can choose."""
    return sorted(key for key, p in manifest.purposes.items() if p.consent is not None)


def optional_categories(manifest: Manifest) -> list[str]:
    """Banner categories that need consent (strictly necessary ones do not, ePrivacy 5(3))."""
    return sorted(k for k, c in manifest.consent_categories.items() if not c.necessary)


def _check_map(value: object, known: Sequence[str], what: str) -> dict[str, bool]:
    """``what`` is ``category`` or ``purpose``."""
    if not isinstance(value, Mapping):
        raise ConsentError(f"the {what} choices must map keys to true or false")
    checked: dict[str, bool] = {}
    for key, granted in value.items():
        if not isinstance(key, str) or key not in known:
            shown = key[:60] if isinstance(key, str) else type(key).__name__
            raise ConsentError(f"unknown {what} {shown!r}; known: "
                               f"{', '.join(known) or 'none'}")
        if not isinstance(granted, bool):
            raise ConsentError(f"the choice for {key} must be true or false")
        checked[key] = granted
    return checked


def validate_choices(manifest: Manifest, categories: object = None,
                     purposes: object = None) -> Choices:
    """Check every key against the manifest; unknown keys are an error, not ignored, so a
    stale banner cannot record a choice nobody was asked about."""
    necessary = {k for k, c in manifest.consent_categories.items() if c.necessary}
    given = dict(categories) if isinstance(categories, Mapping) else categories
    if isinstance(given, dict):
        for key in necessary & set(given):
            if given[key] is not True:
                raise ConsentError(f"{key} is strictly necessary: it cannot be refused, and "
                                   "needs no consent (ePrivacy Directive Art. 5(3))")
            del given[key]
    choices = Choices(
        _check_map(given if given is not None else {}, optional_categories(manifest),
                   "category"),
        _check_map(purposes if purposes is not None else {}, consent_purposes(manifest),
                   "purpose"),
    )
    if not choices.categories and not choices.purposes:
        raise ConsentError("give at least one choice for a category or a purpose")
    return choices


def _language(value: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise ConsentError("the language must be an ISO 639 code such as nb, sv or en")
    return value


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(UTC)


# --- recording ------------------------------------------------------------------------------


def record(
    session: Session, manifest: Manifest, subject: ConsentSubject, choices: Choices, *,
    source: ConsentSource, language: str, gpc: bool = False, user_agent: str | None = None,
    now: datetime | None = None, key: bytes | None = None,
) -> ConsentEvent:
    """Append one event with ``choices`` under the manifest's current notice version."""
    event = ConsentEvent(
        subject_hash=subject_hash(subject, key), subject_kind=subject.kind.value,
        at=_now(now), choices=choices.as_json(),
        notice_version=notice_version(manifest).id, language=_language(language),
        source=source.value, gpc=gpc, user_agent_family=browser_family(user_agent),
    )
    session.add(event)
    session.flush()
    return event


def gpc_refusals(manifest: Manifest) -> Choices:
    """What a Global Privacy Control signal refuses: the marketing category (the sale or
    sharing of data for advertising the signal is defined against)."""
    return Choices(categories={k: False for k in optional_categories(manifest)
                               if k == "marketing"})


def apply_gpc(
    session: Session, manifest: Manifest, subject: ConsentSubject, *, language: str,
    user_agent: str | None = None, now: datetime | None = None, key: bytes | None = None,
) -> ConsentEvent | None:
    """Take GPC as a refusal of marketing, once, and only while the person has made no
    choice: an explicit choice, before or after, is theirs and wins."""
    choices = gpc_refusals(manifest)
    if not choices.categories:
        return None
    digest = subject_hash(subject, key)
    if session.scalar(sa.select(ConsentEvent.id)
                      .where(ConsentEvent.subject_hash == digest).limit(1)) is not None:
        return None
    return record(session, manifest, subject, choices, source=ConsentSource.gpc,
                  language=language, gpc=True, user_agent=user_agent, now=now, key=key)


def link_visitor(
    session: Session, visitor_id: str, customer_number: str, *,
    now: datetime | None = None, key: bytes | None = None,
) -> bool:
    """Link a banner visitor to the customer who logged in; True when the link is new."""
    visitor_hash = subject_hash(visitor(visitor_id), key)
    customer_hash = subject_hash(customer(customer_number), key)
    exists = session.scalar(sa.select(ConsentLink.id).where(
        ConsentLink.visitor_hash == visitor_hash, ConsentLink.customer_hash == customer_hash))
    if exists is not None:
        return False
    session.add(ConsentLink(visitor_hash=visitor_hash, customer_hash=customer_hash,
                            linked_at=_now(now)))
    session.flush()
    return True


# --- state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The newest choice for one key, with the event that made it."""

    granted: bool
    at: datetime
    notice_version: str
    source: str
    event_id: int


@dataclass(frozen=True)
class ConsentState:
    categories: Mapping[str, Choice] = field(default_factory=dict)
    purposes: Mapping[str, Choice] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.categories and not self.purposes


def fold(events: Iterable[ConsentEvent]) -> ConsentState:
    """The newest choice per category and purpose; events in any order."""
    categories: dict[str, Choice] = {}
    purposes: dict[str, Choice] = {}
    for event in sorted(events, key=lambda e: (utc(e.at), e.id)):
        for section, target in (("categories", categories), ("purposes", purposes)):
            for key, granted in (event.choices or {}).get(section, {}).items():
                target[key] = Choice(bool(granted), utc(event.at), event.notice_version,
                                     event.source, event.id)
    return ConsentState(categories, purposes)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _QUERY_CHUNK):
        yield values[start:start + _QUERY_CHUNK]


def linked_hashes(session: Session, hashes: Sequence[str]) -> dict[str, set[str]]:
    """Each hash with the hashes linked to it (a customer's visitors, a visitor's customer)."""
    groups = {digest: {digest} for digest in hashes}
    for chunk in _chunks(sorted(set(hashes))):
        rows = session.execute(sa.select(ConsentLink.visitor_hash, ConsentLink.customer_hash)
                               .where(sa.or_(ConsentLink.visitor_hash.in_(chunk),
                                             ConsentLink.customer_hash.in_(chunk))))
        for visitor_hash, customer_hash in rows:
            for one, other in ((visitor_hash, customer_hash), (customer_hash, visitor_hash)):
                if one in groups:
                    groups[one].add(other)
    return groups


def events_for(session: Session, hashes: Iterable[str]) -> dict[str, list[ConsentEvent]]:
    """All events of ``hashes``, by hash, oldest first: one query per 500 hashes."""
    found: dict[str, list[ConsentEvent]] = {}
    for chunk in _chunks(sorted(set(hashes))):
        for event in session.scalars(sa.select(ConsentEvent)
                                     .where(ConsentEvent.subject_hash.in_(chunk))
                                     .order_by(ConsentEvent.at, ConsentEvent.id)):
            found.setdefault(event.subject_hash, []).append(event)
    return found


def states_for(session: Session, subjects: Sequence[ConsentSubject],
               key: bytes | None = None) -> list[ConsentState]:
    """The current state of each subject, with linked identities, in two queries."""
    derived = hash_key(key)
    own = [subject_hash(subject, derived) for subject in subjects]
    groups = linked_hashes(session, own)
    events = events_for(session, {h for group in groups.values() for h in group})
    return [fold(e for h in groups[digest] for e in events.get(h, [])) for digest in own]


def current_state(session: Session, subject: ConsentSubject,
                  key: bytes | None = None) -> ConsentState:
    return states_for(session, [subject], key)[0]


# --- proof ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentProof:
    """Everything recorded about one subject's consent: evidence under Art. 7(1)."""

    subject_kind: str
    subject_hash: str
    linked: tuple[str, ...]  # hashes of linked identities
    events: tuple[ConsentEvent, ...]
    state: ConsentState
    current_version: str

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": {"kind": self.subject_kind, "hash": self.subject_hash},
            "linked_identities": list(self.linked),
            "current_notice_version": self.current_version,
            "events": [event_json(e) for e in self.events],
            "state": {section: {k: {"granted": c.granted, "at": c.at.isoformat(),
                                    "notice_version": c.notice_version, "source": c.source,
                                    "event": c.event_id}
                                for k, c in sorted(choices.items())}
                      for section, choices in (("categories", self.state.categories),
                                               ("purposes", self.state.purposes))},
        }


def event_json(event: ConsentEvent) -> dict[str, Any]:
    return {"id": event.id, "at": utc(event.at).isoformat(), "subject_hash": event.subject_hash,
            "subject_kind": event.subject_kind, "choices": event.choices,
            "notice_version": event.notice_version, "language": event.language,
            "source": event.source, "gpc": event.gpc,
            "user_agent_family": event.user_agent_family}


def proof(session: Session, manifest: Manifest, subject: ConsentSubject,
          key: bytes | None = None) -> ConsentProof:
    digest = subject_hash(subject, key)
    group = linked_hashes(session, [digest])[digest]
    events = events_for(session, group)
    ordered = sorted((e for h in group for e in events.get(h, [])),
                     key=lambda e: (utc(e.at), e.id))
    return ConsentProof(subject.kind.value, digest, tuple(sorted(group - {digest})),
                        tuple(ordered), fold(ordered), notice_version(manifest).id)
