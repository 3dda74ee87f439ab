"""Audience exports for Meta and Google: hashed contacts of exactly the customers who
consented to the purpose, and, with a date, of those who no longer do.

Uploading a customer list to an advertising platform discloses personal data to another
controller; seed 004 (zooplus) asks a separate consent for it and hashes the address first.
So the export holds only customers for whom :mod:`personvern.consent.decisions` says yes
*now* for the purpose (consent given, Art. 6(1)(a); not withdrawn, Art. 7(3); no objection,
Art. 21(2)-(3); no restriction, Art. 18(2) — which still allows processing with consent
given after the restriction began, as the decisions code says). The platforms keep an
audience until told otherwise, so ``since`` lists the *removals*: customers whose consent
was valid at that moment and is not now — withdrawn, objected to, or restricted — to be
removed from the platform's audience (Art. 7(3): withdrawal must reach every system that
uses the data; Art. 19 for restriction).

Consent records keep people only as keyed hashes, so the list of customers comes from the
shop's own databases: every collection of a datastore that holds a ``customer_number``
identity field, with the ``email`` and ``phone`` identity fields of the same rows. For
each customer the consent of their customer number, of each of their e-mail addresses
(double opt-in records consent by address), and of the banner visitors linked to them
counts; restrictions and objections are looked up by customer number, e-mail and phone.
The shop's databases are only read.

Each value is normalised the way the platform documents and hashed with SHA-256 (lower
case hex); a value that is not an address or a valid phone number is left out rather than
hashed into something no one can match.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.audit.chain import utc
from personvern.consent import decisions, records
from personvern.consent.version import notice_version
from personvern.datastores.connect import connect
from personvern.manifest.model import Datastore, Manifest
from personvern.requests.limits import (
    ALL_PURPOSES,
    LimitKind,
    identity_hashes,
    is_direct_marketing,
)
from personvern.requests.subject import InvalidIdentityError, SubjectIdentity
from personvern.store.models import SubjectLimit

CHUNK = 500  # customers per round of store queries
FETCH = 5_000  # rows per fetch from the shop's database
COLUMNS_MAX = 3  # Meta takes up to three e-mail and three phone columns per person
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


class AudienceError(ValueError):
    """A refusal to show as it is (no personal data in it)."""


class Platform(str, Enum):
    meta = "meta"
    google = "google"


# --- normalisation, as each platform documents it ----------------------------------------------


def meta_email(value: str) -> str:
    """Meta Marketing API, Customer File Custom Audiences, "Hashing and Normalizing Data"
    (developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences):
    EMAIL — trim leading and trailing whitespace and convert all characters to lowercase."""
    return value.strip().lower()


def google_email(value: str) -> str:
    """Google Ads, Customer Match "Format your customer data file" and the Google Ads API
    "Normalize and hash user-provided data" (support.google.com/google-ads/answer/7476159;
    developers.google.com/google-ads/api/docs/conversions/enhance-conversions): remove
    leading and trailing whitespace, convert to lowercase, and for gmail.com and
    googlemail.com addresses remove all periods (.) that precede the domain name. Nothing
    else (a ``+tag`` stays: Google does not ask to remove it)."""
    address = value.strip().lower()
    local, at, domain = address.rpartition("@")
    if at and domain in GMAIL_DOMAINS:
        return f"{local.replace('.', '')}@{domain}"
    return address


def e164(value: str, region: str) -> str | None:
    """The number in E.164 (``+4791234567``); one written without a country code is read as
    a number of ``region`` (the shop's country). None when it is not a valid number."""
    text = value.strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def meta_phone(value: str, region: str) -> str | None:
    """Meta, "Hashing and Normalizing Data": PHONE — remove symbols, letters and any leading
    zeros; always include the country code, even if all data is from one country. That is
    E.164 without its ``+`` (``4791234567``)."""
    number = e164(value, region)
    return number[1:] if number is not None else None


def google_phone(value: str, region: str) -> str | None:
    """Google Customer Match: phone numbers formatted as E.164 before hashing, with the
    ``+`` and the country code (``+4791234567``)."""
    return e164(value, region)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Layout:
    """How one platform wants its file: column names, and how each value is normalised."""

    email_column: str
    phone_column: str
    email: Callable[[str], str]
    phone: Callable[[str, str], str | None]


LAYOUTS: Mapping[Platform, Layout] = {
    # Meta Business Help Centre, "How to format a customer list when creating a custom
    # audience": the identifier columns are named ``email`` and ``phone``, up to three each.
    Platform.meta: Layout("email", "phone", meta_email, meta_phone),
    # Google Ads Help, "Format your customer data file": the headers must be exactly
    # "Email" and "Phone" (in English); several Email and Phone columns are allowed.
    Platform.google: Layout("Email", "Phone", google_email, google_phone),
}


# --- the shop's customers ----------------------------------------------------------------------


@dataclass
class Customer:
    """One customer number with the addresses and numbers the shop holds for it, as
    stored (raw: normalised per platform only when written)."""

    number: str
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)


def _customer_collections(datastore: Datastore) -> Iterator[tuple[str, list[str], list[str],
                                                                  list[str]]]:
    for name, collection in datastore.collections.items():
        kinds = collection.identity_fields
        numbers = [f for f, kind in kinds.items() if kind == "customer_number"]
        if numbers:
            yield (name, numbers, [f for f, kind in kinds.items() if kind == "email"],
                   [f for f, kind in kinds.items() if kind == "phone"])


def customers_in(datastore: Datastore, engine: Engine,
                 into: dict[str, Customer] | None = None) -> dict[str, Customer]:
    """Every customer number of ``datastore`` with the e-mails and phones of its rows:
    one streamed query per collection that holds customer numbers."""
    found = into if into is not None else {}
    for name, numbers, emails, phones in _customer_collections(datastore):
        table = sa.table(name, *(sa.column(c) for c in dict.fromkeys(numbers + emails + phones)))
        with engine.connect() as connection:
            rows = connection.execution_options(stream_results=True, yield_per=FETCH).execute(
                sa.select(*table.c))
            for row in rows.mappings():
                for number_field in numbers:
                    raw = row[number_field]
                    if raw is None or not str(raw).strip():
                        continue
                    customer = found.setdefault(str(raw).strip(), Customer(str(raw).strip()))
                    customer.emails.update(str(row[f]) for f in emails if row[f])
                    customer.phones.update(str(row[f]) for f in phones if row[f])
    return found


def shop_customers(manifest: Manifest, *, engines: Mapping[str, Engine] | None = None
                   ) -> list[Customer]:
    """The customers of every datastore, merged by customer number, in number order.
    ``engines``: open engines by datastore name; others are connected read-only."""
    found: dict[str, Customer] = {}
    for name, datastore in manifest.datastores.items():
        if not any(True for _ in _customer_collections(datastore)):
            continue
        given = (engines or {}).get(name)
        engine = given or connect(datastore, name=name)
        try:
            customers_in(datastore, engine, found)
        finally:
            if given is None:
                engine.dispose()
    return [found[number] for number in sorted(found)]


# --- whose consent holds -----------------------------------------------------------------------


def consent_purpose(manifest: Manifest, key: str) -> str:
    purpose = manifest.purposes.get(key)
    if purpose is None:
        raise AudienceError(f"no purpose {key[:60]!r} in the manifest; consent purposes: "
                            f"{', '.join(records.consent_purposes(manifest)) or 'none'}")
    if purpose.consent is None:
        raise AudienceError(f"{key} does not rest on consent: an audience export lists the "
                            "customers who consented, so it needs a consent purpose")
    return key


@dataclass(frozen=True)
class _Identities:
    consent: frozenset[str]  # hashes consent may be recorded under
    limits: frozenset[str]  # hashes restrictions and objections may be recorded under


def _identities(customer: Customer, region: str, key: bytes) -> _Identities:
    subjects: list[records.ConsentSubject] = []
    with suppress(records.ConsentError):  # a number no consent could be recorded under
        subjects.append(records.customer(customer.number))
    for address in sorted(customer.emails):
        try:
            subjects.append(records.email(address))
        except records.ConsentError:
            continue  # not an address (an erased one is a pseudonym): nobody consented by it
    consent = frozenset(records.subject_hash(s, key) for s in subjects)
    phones = {number for raw in customer.phones if (number := e164(raw, region))}
    extra: set[str] = set()
    for phone in sorted(phones):
        try:
            extra.update(identity_hashes(SubjectIdentity(phone=phone), key))
        except InvalidIdentityError:
            continue
    return _Identities(consent, consent | frozenset(extra))


def _limits_at(session: Session, manifest: Manifest, at: datetime
               ) -> decisions.LimitsLookup:
    """Restrictions and objections in force at ``at`` (made by then, not lifted by then), in
    the form the decisions code weighs them."""

    def lookup(groups: Sequence[frozenset[str]], purpose: str
               ) -> list[decisions.LimitVerdict | None]:
        wanted = sorted(set().union(*groups)) if groups else []
        by_hash: dict[str, list[SubjectLimit]] = {}
        for start in range(0, len(wanted), CHUNK):
            for row in session.scalars(sa.select(SubjectLimit).where(
                SubjectLimit.identity_hash.in_(wanted[start:start + CHUNK]),
                SubjectLimit.created_at <= at,
                sa.or_(SubjectLimit.lifted_at.is_(None), SubjectLimit.lifted_at > at),
                SubjectLimit.purpose.in_([ALL_PURPOSES, purpose]),
            )):
                by_hash.setdefault(row.identity_hash, []).append(row)
        marketing = is_direct_marketing(manifest.purposes[purpose])
        verdicts: list[decisions.LimitVerdict | None] = []
        for group in groups:
            rows = [row for digest in group for row in by_hash.get(digest, [])]
            objections = [r for r in rows if r.kind == LimitKind.objection.value]
            if objections:
                first = min(objections, key=lambda r: r.created_at)
                verdicts.append(decisions.LimitVerdict(
                    LimitKind.objection, utc(first.created_at),
                    "Art. 21(3)" if marketing else "Art. 21(1)", "the subject objected",
                    marketing))
            elif rows:
                first = min(rows, key=lambda r: r.created_at)
                verdicts.append(decisions.LimitVerdict(
                    LimitKind.restriction, utc(first.created_at), "Art. 18(2)",
                    "processing is restricted"))
            else:
                verdicts.append(None)
        return verdicts

    return lookup


def allowed(session: Session, manifest: Manifest, purpose: str,
            customers: Sequence[Customer], *, at: datetime | None = None,
            key: bytes | None = None) -> list[bool]:
    """For each customer: would the decisions code allow ``purpose`` on consent, now (or as
    things stood at ``at``)? Queries per 500 customers: links, events and limits."""
    consent_purpose(manifest, purpose)
    hash_key = records.hash_key(key)
    region = manifest.organization.country
    version = notice_version(manifest).id
    when = utc(at) if at is not None else None
    answers: list[bool] = []
    for start in range(0, len(customers), CHUNK):
        chunk = [_identities(c, region, hash_key) for c in customers[start:start + CHUNK]]
        own = sorted({h for ids in chunk for h in ids.consent})
        linked = records.linked_hashes(session, own)
        groups = [frozenset().union(*(linked.get(h, {h}) for h in ids.consent))
                  for ids in chunk]
        events = records.events_for(session, set().union(*groups) if groups else set())
        states = [records.fold(e for h in group for e in events.get(h, [])
                               if when is None or utc(e.at) <= when) for group in groups]
        limit_groups = [group | ids.limits for group, ids in zip(groups, chunk, strict=True)]
        lookup = (decisions.limits_from_store(session, manifest) if when is None
                  else _limits_at(session, manifest, when))
        verdicts = lookup(limit_groups, purpose)
        for state, verdict in zip(states, verdicts, strict=True):
            decision = decisions.decide_one(manifest, purpose, state, verdict, version)
            answers.append(decision.allowed
                           and decision.reason is decisions.DecisionReason.consent_given)
    return answers


# --- the export --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Hashed rows for one platform: each row one customer's e-mails and phones."""

    platform: Platform
    purpose: str
    rows: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    removals: bool = False  # the customers to take out, not to add

    @property
    def customers(self) -> int:
        return len(self.rows)

    def csv(self) -> str:
        layout = LAYOUTS[self.platform]
        emails = min(COLUMNS_MAX, max((len(e) for e, _ in self.rows), default=1)) or 1
        phones = min(COLUMNS_MAX, max((len(p) for _, p in self.rows), default=1)) or 1
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([layout.email_column] * emails + [layout.phone_column] * phones)
        for row_emails, row_phones in self.rows:
            writer.writerow([*_padded(row_emails, emails), *_padded(row_phones, phones)])
        return out.getvalue()


def _padded(values: Sequence[str], width: int) -> list[str]:
    return [*values[:width], *[""] * (width - len(values[:width]))]


def hashed_row(customer: Customer, platform: Platform, region: str
               ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The customer's hashed e-mails and phones, normalised for ``platform``; values that
    are not an address or a valid number are left out."""
    layout = LAYOUTS[platform]
    emails: set[str] = set()
    for raw in customer.emails:
        try:
            records.email(raw)
        except records.ConsentError:
            continue
        emails.add(sha256_hex(layout.email(raw)))
    phones = {sha256_hex(number) for raw in customer.phones
              if (number := layout.phone(raw, region)) is not None}
    return tuple(sorted(emails)), tuple(sorted(phones))


def since_moment(text: str) -> datetime:
    """``--since``: a date (midnight UTC that day) or an ISO date and time (UTC if no zone)."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise AudienceError("--since must be a date (2026-01-31) or an ISO date and time"
                            ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def export(session: Session, manifest: Manifest, purpose: str, platform: Platform, *,
           since: datetime | None = None, customers: Iterable[Customer] | None = None,
           engines: Mapping[str, Engine] | None = None, now: datetime | None = None,
           key: bytes | None = None, actor: str = "system") -> Audience:
    """The audience for ``purpose`` on ``platform``: the consenting customers, or with
    ``since`` those whose consent held then and does not now. The export is an audit
    entry (counts only): a disclosure to a recipient is part of the record (Art. 5(2))."""
    consent_purpose(manifest, purpose)
    moment = utc(now) if now is not None else datetime.now(UTC)
    if since is not None and utc(since) >= moment:
        raise AudienceError("--since must lie in the past")
    people = list(customers) if customers is not None else shop_customers(manifest,
                                                                          engines=engines)
    current = allowed(session, manifest, purpose, people, key=key)
    if since is None:
        chosen = [c for c, yes in zip(people, current, strict=True) if yes]
    else:
        before = allowed(session, manifest, purpose, people, at=since, key=key)
        chosen = [c for c, then, still in zip(people, before, current, strict=True)
                  if then and not still]
    region = manifest.organization.country
    rows = tuple(row for c in chosen if any(row := hashed_row(c, platform, region)))
    audit.append(session, actor=actor, action="audience.export", detail={
        "purpose": purpose, "platform": platform.value, "customers": len(rows),
        "removals_since": utc(since).isoformat() if since is not None else None}, at=moment)
    return Audience(platform, purpose, rows, removals=since is not None)
