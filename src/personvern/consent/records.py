"""Records of consent: append-only events, the current state computed from them, proof.

Art. 7(1): where processing rests on consent, the controller must be able to demonstrate
that the person consented. Each choice becomes one :class:`ConsentEvent` row that is
never changed; the current state is the newest choice per consent category and per
consent purpose, across the person's identities (a banner visitor id linked to a customer
number on login). Withdrawal (Art. 7(3)) is a new event with ``False``, so the history
shows both the consent and its end, and earlier processing stays demonstrably lawful.

The current state is kept, not recomputed: :func:`append` folds each batch of events
into ``consent_current`` (one row per subject) in the transaction that inserts them, so a
decision reads one row per identity however long the history grows; :func:`fold` over
the events remains the definition it must agree with, and the proof.

Who is never stored in clear: each identity is kept as
``keyed_hash("identity-hash", "<kind>:<value>")``, the form the restriction and objection
table uses, so a decision can ask both by the same hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from personvern.audit.chain import utc
from personvern.consent.useragent import browser_family
from personvern.consent.version import PerManifest, notice_version
from personvern.keys import derive_key
from personvern.manifest.model import Manifest
from personvern.requests.subject import (
    InvalidIdentityError,
    normalise_customer_number,
    normalise_email,
)
from personvern.store.models import ConsentEvent, ConsentLink, CurrentConsent

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
    unsubscribe = "unsubscribe"  # one-click unsubscribe from a mail (RFC 8058)


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


def _consent_purposes(manifest: Manifest) -> list[str]:
    return sorted(key for key, p in manifest.purposes.items() if p.consent is not None)


def _optional_categories(manifest: Manifest) -> list[str]:
    return sorted(k for k, c in manifest.consent_categories.items() if not c.necessary)


def _necessary_categories(manifest: Manifest) -> frozenset[str]:
    return frozenset(k for k, c in manifest.consent_categories.items() if c.necessary)


# Asked on every banner click: kept per manifest, as its notice version is.
_consent_purposes_of = PerManifest(_consent_purposes)
_optional_categories_of = PerManifest(_optional_categories)
_necessary_of = PerManifest(_necessary_categories)


def consent_purposes(manifest: Manifest) -> list[str]:
    """Purposes resting on consent (Art. 6(1)(a)): the ones a person can choose."""
    return list(_consent_purposes_of(manifest))


def optional_categories(manifest: Manifest) -> list[str]:
    """Banner categories that need consent (strictly necessary ones do not, ePrivacy 5(3))."""
    return list(_optional_categories_of(manifest))


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
    necessary = _necessary_of(manifest)
    given = dict(categories) if isinstance(categories, Mapping) else categories
    if isinstance(given, dict):
        for key in necessary & set(given):
            if given[key] is not True:
                raise ConsentError(f"{key} is strictly necessary: it cannot be refused, and "
                                   "needs no consent (ePrivacy Directive Art. 5(3))")
            del given[key]
    choices = Choices(
        _check_map(given if given is not None else {}, _optional_categories_of(manifest),
                   "category"),
        _check_map(purposes if purposes is not None else {}, _consent_purposes_of(manifest),
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


@dataclass(frozen=True)
class NewEvent:
    """A checked choice, ready to append: plain values only, so it can wait in a batch
    and cross to the thread that commits it."""

    subject_hash: str
    subject_kind: str
    at: datetime
    choices: dict[str, dict[str, bool]]
    notice_version: str
    language: str
    source: str
    gpc: bool
    user_agent_family: str | None
    # GPC: recorded only while the subject has no event at all; decided under the lock
    # on the subject's current-state row, so two signals at once make one event.
    only_first: bool = False

    def row(self) -> dict[str, Any]:
        return {"subject_hash": self.subject_hash, "subject_kind": self.subject_kind,
                "at": self.at, "choices": self.choices, "notice_version": self.notice_version,
                "language": self.language, "source": self.source, "gpc": self.gpc,
                "user_agent_family": self.user_agent_family}


def new_event(
    manifest: Manifest, subject: ConsentSubject, choices: Choices, *, source: ConsentSource,
    language: str, gpc: bool = False, user_agent: str | None = None,
    now: datetime | None = None, key: bytes | None = None, only_first: bool = False,
) -> NewEvent:
    """The event ``record`` would append, without touching the database."""
    return NewEvent(subject_hash(subject, key), subject.kind.value, _now(now),
                    choices.as_json(), notice_version(manifest).id, _language(language),
                    source.value, gpc, browser_family(user_agent), only_first)


@dataclass(frozen=True)
class Appended:
    """What appending one event did: its id (None when a GPC signal came after a choice
    and so was not recorded) and the subject's state after the batch, linked identities
    included."""

    event_id: int | None
    state: ConsentState


_EVENTS = cast(sa.Table, ConsentEvent.__table__)
_CURRENT = cast(sa.Table, CurrentConsent.__table__)
_LINKS = cast(sa.Table, ConsentLink.__table__)


def month_of(moment: datetime) -> datetime:
    """The first instant of ``moment``'s month in UTC: a partition's lower bound."""
    at = utc(moment)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def ensure_partitions(connection: sa.Connection, months: Iterable[datetime]) -> None:
    """Make the monthly partitions of consent_events these months need (PostgreSQL; on
    SQLite the table is not partitioned and this does nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for month in sorted(set(months)):
        connection.execute(sa.text("SELECT consent_events_ensure_month(:at)"), {"at": month})


def _empty_choices() -> dict[str, dict[str, list[Any]]]:
    return {"categories": {}, "purposes": {}}


def parse_stored(choices: Any) -> dict[str, dict[str, list[Any]]]:
    """A ``consent_current.choices`` value (JSON text or parsed) in its two sections."""
    value = json.loads(choices) if isinstance(choices, str) else choices
    given = value if isinstance(value, dict) else {}
    return {section: dict(given.get(section) or {}) for section in ("categories", "purposes")}


def _newer(entry: list[Any], than: list[Any] | None) -> bool:
    """Is the stored choice ``entry`` newer than ``than`` (by time, then event id)?"""
    if than is None:
        return True
    return (_parse_time(entry[1]), entry[4]) > (_parse_time(than[1]), than[4])


def _parse_time(text: str) -> datetime:
    return utc(datetime.fromisoformat(text))


StoredState = dict[str, Any]  # {"choices": {...}, "last_event_id": int}


Linked = tuple[dict[str, set[str]], dict[str, dict[str, dict[str, list[Any]]]]]


class _Sqlite:
    """A batch's statements on SQLite, where the whole batch runs under the database's
    single write lock, taken by its first statement."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def lock(self, kinds: Mapping[str, str], now: datetime, count: int
             ) -> dict[str, StoredState]:
        """Each subject's state row, locked until commit (PostgreSQL: the rows; SQLite:
        the database), made empty where missing. ``count``: ids the batch may need."""
        connection = self.connection
        connection.execute(sqlite.insert(_CURRENT).on_conflict_do_nothing(
            index_elements=["subject_hash"]), [
            {"subject_hash": h, "subject_kind": kinds[h], "choices": _empty_choices(),
             "last_event_id": 0, "updated_at": now} for h in sorted(kinds)])
        states: dict[str, StoredState] = {}
        for chunk in _chunks(sorted(kinds)):
            for digest, choices, last in connection.execute(_LOCK, {"hashes": chunk}):
                states[digest] = {"choices": parse_stored(choices), "last_event_id": int(last)}
        return states

    def ids(self, events: Sequence[NewEvent]) -> list[int]:
        """The ids ``events`` will have, in order. Under the write lock nobody else
        inserts, so they follow the largest id, as SQLite's own rowids would."""
        last = int(self.connection.scalar(sa.select(sa.func.max(_EVENTS.c.id))) or 0)
        return list(range(last + 1, last + 1 + len(events)))

    def finish(self, events: Sequence[tuple[NewEvent, int]],
               changed: Mapping[str, StoredState], now: datetime,
               own: Mapping[str, dict[str, dict[str, list[Any]]]]) -> Linked:
        """Insert the events, store the changed states; the batch's groups of linked
        identities, with their states."""
        if events:
            self.connection.execute(sa.insert(_EVENTS), [
                {**event.row(), "id": event_id} for event, event_id in events])
        if changed:
            self.connection.execute(_UPDATE, [
                {"digest": h, "choices": s["choices"], "last": s["last_event_id"], "now": now}
                for h, s in sorted(changed.items())])
        return _linked_states(self.connection, sorted(own), own)


class _Postgres(_Sqlite):
    """The same for PostgreSQL in three round trips, whatever the batch size: the whole
    batch goes in one parameter per statement (an array or a JSON document), and the
    statements that do not wait on each other go together (psycopg's pipeline mode)."""

    _pool: list[int]

    def lock(self, kinds: Mapping[str, str], now: datetime, count: int
             ) -> dict[str, StoredState]:
        hashes = sorted(kinds)
        raw = self._raw()
        with raw.pipeline():
            # An upsert that changes nothing locks and returns existing rows and makes the
            # missing ones: a subject new to two writers at once gets one row that the
            # second waits on, instead of two merges of which the later loses the earlier.
            locked = raw.execute(_PG_LOCK, {"hashes": hashes,
                                            "kinds": [kinds[h] for h in hashes], "now": now})
            # Ids are drawn here, so the rows can go in as one document without relying
            # on the order RETURNING would give them back in.
            drawn = raw.execute(_PG_NEXT_IDS, {"n": count})
        self._pool = [int(row[0]) for row in drawn.fetchall()]
        return {digest: {"choices": parse_stored(choices) if choices else _empty_choices(),
                         "last_event_id": int(last)}
                for digest, choices, last in locked.fetchall()}

    def ids(self, events: Sequence[NewEvent]) -> list[int]:
        return self._pool[:len(events)]

    def finish(self, events: Sequence[tuple[NewEvent, int]],
               changed: Mapping[str, StoredState], now: datetime,
               own: Mapping[str, dict[str, dict[str, list[Any]]]]) -> Linked:
        hashes = sorted(own)
        raw = self._raw()
        with raw.pipeline():
            if events:
                raw.execute(_PG_INSERT, {"rows": json.dumps([
                    {**event.row(), "id": event_id, "at": event.at.isoformat()}
                    for event, event_id in events])})
            if changed:
                raw.execute(_PG_UPDATE, {"now": now, "rows": json.dumps([
                    {"subject_hash": h, "choices": s["choices"],
                     "last_event_id": s["last_event_id"]} for h, s in sorted(changed.items())])})
            links = raw.execute(_PG_LINKS, {"hashes": hashes})
        groups = {digest: {digest} for digest in hashes}
        for visitor_hash, customer_hash in links.fetchall():
            for one, other in ((visitor_hash, customer_hash), (customer_hash, visitor_hash)):
                if one in groups:
                    groups[one].add(other)
        stored = dict(own)
        others = sorted({m for group in groups.values() for m in group} - set(own))
        if others:  # only when someone in the batch is linked: a visitor who logged in
            stored.update((digest, parse_stored(choices)) for digest, choices in
                          raw.execute(_PG_STATES, {"hashes": others}).fetchall())
        return groups, stored

    def _raw(self) -> Any:
        """The psycopg connection under this transaction (same transaction)."""
        return self.connection.connection.driver_connection


_LOCK = (sa.select(_CURRENT.c.subject_hash, _CURRENT.c.choices, _CURRENT.c.last_event_id)
         .where(_CURRENT.c.subject_hash.in_(sa.bindparam("hashes", expanding=True)))
         .order_by(_CURRENT.c.subject_hash).with_for_update())
_UPDATE = (sa.update(_CURRENT).where(_CURRENT.c.subject_hash == sa.bindparam("digest"))
           .values(choices=sa.bindparam("choices"), last_event_id=sa.bindparam("last"),
                   updated_at=sa.bindparam("now")))
_PG_LOCK = (
    "INSERT INTO consent_current (subject_hash, subject_kind, choices, last_event_id, "
    "updated_at) SELECT h, k, CAST('{\"categories\": {}, \"purposes\": {}}' AS json), 0, "
    "%(now)s FROM unnest(CAST(%(hashes)s AS text[]), CAST(%(kinds)s AS text[])) "
    "AS missing(h, k) ORDER BY h "
    "ON CONFLICT (subject_hash) DO UPDATE SET updated_at = consent_current.updated_at "
    # The state as text, and only where there is one: a new subject's empty state need
    # not be sent and parsed (parsing JSON was a tenth of a write's time).
    "RETURNING subject_hash, CASE WHEN last_event_id > 0 THEN CAST(choices AS text) END, "
    "last_event_id")
_PG_NEXT_IDS = "SELECT nextval('consent_events_id_seq') FROM generate_series(1, %(n)s)"
_PG_INSERT = (
    "INSERT INTO consent_events (id, subject_hash, subject_kind, at, choices, notice_version, "
    "language, source, gpc, user_agent_family) SELECT id, subject_hash, subject_kind, at, "
    "choices, notice_version, language, source, gpc, user_agent_family "
    "FROM json_populate_recordset(NULL::consent_events, CAST(%(rows)s AS json))")
_PG_UPDATE = (
    "UPDATE consent_current SET choices = given.choices, "
    "last_event_id = given.last_event_id, updated_at = %(now)s "
    "FROM json_populate_recordset(NULL::consent_current, CAST(%(rows)s AS json)) AS given "
    "WHERE consent_current.subject_hash = given.subject_hash")
_PG_LINKS = (
    "SELECT visitor_hash, customer_hash FROM consent_links "
    "WHERE visitor_hash = ANY(CAST(%(hashes)s AS text[])) "
    "OR customer_hash = ANY(CAST(%(hashes)s AS text[]))")
_PG_STATES = ("SELECT subject_hash, choices FROM consent_current "
              "WHERE subject_hash = ANY(CAST(%(hashes)s AS text[]))")


def append(connection: sa.Connection, events: Sequence[NewEvent], *,
           ready_months: Container[datetime] = ()) -> list[Appended]:
    """Append ``events`` and fold them into each subject's current state, in the caller's
    transaction: both are written together or not at all.

    The statements do not grow in number with the batch: lock (and make) the subjects'
    state rows, draw the ids, insert the events, update the states, read the linked
    identities; on PostgreSQL in two pipelines. Rows are locked in hash order, so two batches cannot
    wait on each other in a circle. ``ready_months``: partitions the caller knows exist
    (the others are made when missing)."""
    if not events:
        return []
    now = datetime.now(UTC)
    months = {month_of(e.at) for e in events}
    ensure_partitions(connection, [m for m in months if m not in ready_months])
    store = (_Postgres(connection) if connection.dialect.name == "postgresql"
             else _Sqlite(connection))
    states = store.lock({e.subject_hash: e.subject_kind for e in events}, now, len(events))
    seen = {h for h, state in states.items() if state["last_event_id"]}
    kept: list[int] = []
    for index, event in enumerate(events):
        if event.only_first and event.subject_hash in seen:
            continue  # a GPC signal after a choice: the choice stands
        seen.add(event.subject_hash)
        kept.append(index)
    ids = dict(zip(kept, store.ids([events[i] for i in kept]), strict=True)) if kept else {}
    changed: dict[str, StoredState] = {}
    for index in kept:
        event, event_id = events[index], ids[index]
        state = states[event.subject_hash]
        at = utc(event.at).isoformat()
        for section in ("categories", "purposes"):
            target = state["choices"][section]
            for choice_key, granted in event.choices.get(section, {}).items():
                entry = [granted, at, event.notice_version, event.source, event_id]
                if _newer(entry, target.get(choice_key)):
                    target[choice_key] = entry
        state["last_event_id"] = max(state["last_event_id"], event_id)
        changed[event.subject_hash] = state
    own = {h: state["choices"] for h, state in states.items()}
    groups, stored = store.finish([(events[i], ids[i]) for i in kept], changed, now, own)
    folded = {h: fold_stored(stored[other] for other in groups[h] if other in stored)
              for h in own}
    return [Appended(ids.get(index), folded[event.subject_hash])
            for index, event in enumerate(events)]


def record(
    session: Session, manifest: Manifest, subject: ConsentSubject, choices: Choices, *,
    source: ConsentSource, language: str, gpc: bool = False, user_agent: str | None = None,
    now: datetime | None = None, key: bytes | None = None,
) -> ConsentEvent:
    """Append one event with ``choices`` under the manifest's current notice version, in
    the session's transaction (the web app batches many through
    :class:`personvern.consent.writer.ConsentWriter` instead)."""
    event = new_event(manifest, subject, choices, source=source, language=language, gpc=gpc,
                      user_agent=user_agent, now=now, key=key)
    return _appended_event(session, event)


def _appended_event(session: Session, event: NewEvent) -> ConsentEvent:
    session.flush()
    done = append(session.connection(), [event])[0]
    assert done.event_id is not None, "only a GPC signal is skipped"
    stored = session.get(ConsentEvent, done.event_id)
    assert stored is not None
    return stored


def gpc_refusals(manifest: Manifest) -> Choices:
    """What a Global Privacy Control signal refuses: the marketing category (the sale or
    sharing of data for advertising the signal is defined against)."""
    return Choices(categories={k: False for k in optional_categories(manifest)
                               if k == "marketing"})


def gpc_event(
    manifest: Manifest, subject: ConsentSubject, *, language: str,
    user_agent: str | None = None, now: datetime | None = None, key: bytes | None = None,
) -> NewEvent | None:
    """The refusal a GPC signal stands for, to be recorded only if the subject has no
    event yet; None when the manifest has no marketing category."""
    choices = gpc_refusals(manifest)
    if not choices.categories:
        return None
    return new_event(manifest, subject, choices, source=ConsentSource.gpc, language=language,
                     gpc=True, user_agent=user_agent, now=now, key=key, only_first=True)


def apply_gpc(
    session: Session, manifest: Manifest, subject: ConsentSubject, *, language: str,
    user_agent: str | None = None, now: datetime | None = None, key: bytes | None = None,
) -> ConsentEvent | None:
    """Take GPC as a refusal of marketing, once, and only while the person has made no
    choice: an explicit choice, before or after, is theirs and wins."""
    event = gpc_event(manifest, subject, language=language, user_agent=user_agent, now=now,
                      key=key)
    if event is None:
        return None
    session.flush()
    done = append(session.connection(), [event])[0]
    return session.get(ConsentEvent, done.event_id) if done.event_id is not None else None


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
    """The newest choice per category and purpose; events in any order. The definition
    the current-state table keeps up with (and is tested against)."""
    categories: dict[str, Choice] = {}
    purposes: dict[str, Choice] = {}
    for event in sorted(events, key=lambda e: (utc(e.at), e.id)):
        for section, target in (("categories", categories), ("purposes", purposes)):
            for key, granted in (event.choices or {}).get(section, {}).items():
                target[key] = Choice(bool(granted), utc(event.at), event.notice_version,
                                     event.source, event.id)
    return ConsentState(categories, purposes)


def fold_stored(states: Iterable[dict[str, dict[str, list[Any]]]]) -> ConsentState:
    """The newest choice per key across the stored states of linked identities (as
    :func:`parse_stored` gives them)."""
    merged: dict[str, dict[str, list[Any]]] = _empty_choices()
    for state in states:
        for section in ("categories", "purposes"):
            for key, entry in state.get(section, {}).items():
                if _newer(entry, merged[section].get(key)):
                    merged[section][key] = entry
    categories, purposes = ({key: Choice(bool(e[0]), _parse_time(e[1]), str(e[2]), str(e[3]),
                                         int(e[4])) for key, e in merged[section].items()}
                            for section in ("categories", "purposes"))
    return ConsentState(categories, purposes)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _QUERY_CHUNK):
        yield values[start:start + _QUERY_CHUNK]


def _group_statement() -> sa.CompoundSelect[Any]:
    """Own states, and each link with the state of the identity at its other end."""
    state_of = _CURRENT.alias("linked")
    parts: list[sa.Select[Any]] = [
        sa.select(_CURRENT.c.subject_hash.label("asked"),
                  _CURRENT.c.subject_hash.label("member"), _CURRENT.c.choices)
        .where(_CURRENT.c.subject_hash.in_(sa.bindparam("own", expanding=True)))]
    for mine, other in ((_LINKS.c.customer_hash, _LINKS.c.visitor_hash),
                        (_LINKS.c.visitor_hash, _LINKS.c.customer_hash)):
        parts.append(sa.select(mine.label("asked"), other.label("member"), state_of.c.choices)
                     .select_from(_LINKS.outerjoin(state_of, state_of.c.subject_hash == other))
                     .where(mine.in_(sa.bindparam("hashes", expanding=True))))
    return sa.union_all(*parts)


# Built once: building the statement cost more than the database took to answer it.
_GROUPS = _group_statement()


def _linked_states(
    connection: sa.Connection | Session, hashes: Sequence[str],
    known: Mapping[str, dict[str, dict[str, list[Any]]]] | None = None,
) -> tuple[dict[str, set[str]], dict[str, dict[str, dict[str, list[Any]]]]]:
    """Each hash's group (itself and the identities linked to it) and the stored state of
    every member that has one: one statement per 500 hashes (links joined to states).
    ``known``: states already in hand (a batch being written), not read again."""
    known = known or {}
    groups = {digest: {digest} for digest in hashes}
    stored: dict[str, dict[str, dict[str, list[Any]]]] = dict(known)
    for chunk in _chunks(sorted(set(hashes))):
        own = [h for h in chunk if h not in known]
        for asked_hash, member, choices in connection.execute(
                _GROUPS, {"own": own, "hashes": list(chunk)}):
            groups[asked_hash].add(member)
            if choices is not None and member not in known:
                stored[member] = parse_stored(choices)
    return groups, stored


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


def grouped_states(session: Session | sa.Connection, hashes: Sequence[str]
                   ) -> tuple[dict[str, frozenset[str]], dict[str, ConsentState]]:
    """For each hash: its group of linked identity hashes and the current state across
    them, from the current-state table: one indexed read per 500 hashes."""
    groups, stored = _linked_states(session, hashes)
    return ({h: frozenset(group) for h, group in groups.items()},
            {h: fold_stored(stored[m] for m in group if m in stored)
             for h, group in groups.items()})


def states_for(session: Session, subjects: Sequence[ConsentSubject],
               key: bytes | None = None) -> list[ConsentState]:
    """The current state of each subject, with linked identities, in one query per 500."""
    derived = hash_key(key)
    own = [subject_hash(subject, derived) for subject in subjects]
    _, states = grouped_states(session, own)
    return [states[digest] for digest in own]


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
