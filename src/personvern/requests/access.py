"""Answering access (Art. 15) and portability (Art. 20) requests.

:func:`run_access` finds the person's rows in every datastore
(:mod:`personvern.requests.subjects`), writes the package (:mod:`personvern.requests.package`),
encrypts it and stores it as an :class:`~personvern.store.models.AccessPackage`; the
subject fetches it with an expiring, use-limited token (:func:`issue_download_token`,
:func:`open_download`).

**Access** (Art. 15) gives a copy of all the person's data (15(3), in a common electronic
form: JSON and CSV) and a report for a person to read, in the request's language, with
the information of 15(1)(a)–(h) and the transfer safeguards of 15(2). That information is
the privacy notice's own wording (:mod:`personvern.notice.build`), narrowed to the
purposes that use the kinds of data found, so the answer never says something different
from the notice.

**Portability** (Art. 20) covers less, field by field:

* only data the subject *provided*, which includes what their use of the service
  *observed* (Art. 20(1); WP242 rev.01 §II.1): ``origin: provided`` or ``observed``.
  ``derived`` (a credit decision, a fraud score) and ``third_party`` (a credit bureau's
  score) are left out. **A field without a declared origin counts as provided**, as part
  of what the person filled in (an order's total, an order line), *unless* all its
  categories are ``system.*`` (the shop's operations data, not about the person), one is
  under ``user.authorization`` (a password hash is a security secret, not data given to
  be carried elsewhere; Art. 32), or none of its collection's declared fields is carried
  (a credit check, a fraud score: a record the shop made about the person).
* only fields processed for a purpose based on consent (6(1)(a), 9(2)(a)) or contract
  (6(1)(b)) (Art. 20(1)(a)). A field belongs to a purpose when one of its categories is a
  purpose's category or lies beneath one (``user.name.first`` under ``user.name``).
* primary keys and references are kept, so that the rows stay linked ("structured").
* JSON and CSV, no HTML report.

Audit entries hold counts and the package id only, never a value from a row.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.keys import derive_key
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Collection, DataField, Manifest
from personvern.notice.build import build_notice
from personvern.notice.model import (
    Block,
    BulletList,
    NoticeSection,
    Paragraph,
    Table,
)
from personvern.notice.phrases import LANGUAGES, Language
from personvern.notice.render import jinja_environment, stylesheet
from personvern.notice.words import category_names, purpose_name, recipient_label
from personvern.requests import lifecycle
from personvern.requests.lifecycle import RequestError
from personvern.requests.package import (
    PackageFile,
    Row,
    Stores,
    as_declared,
    columns_of,
    package_files,
    plain_text,
    zip_files,
)
from personvern.requests.subjects import SubjectData, request_identities, resolve_subject
from personvern.store.database import lock_for_writing
from personvern.store.models import (
    AccessPackage,
    DataSubjectRequest,
    DownloadToken,
    RequestEvent,
    RequestKind,
    RequestStatus,
)

# After this no link opens the package (a new request makes a new one), and the hourly
# ``purge_packages`` job (requests/expiry.py) deletes it from the store.
PACKAGE_LIFETIME = timedelta(days=30)
DOWNLOAD_TTL = timedelta(days=7)
DOWNLOAD_MAX_USES = 3
TOKEN_BYTES = 32
NONCE_BYTES = 12  # AES-GCM's standard nonce: random per package, never reused with a key
ACCESS_KINDS = frozenset({RequestKind.access, RequestKind.portability})
PORTABLE_BASES = frozenset({"consent", "contract"})  # Art. 20(1)(a)
PORTABLE_ORIGINS = frozenset({"provided", "observed"})
IDENTIFIERS = "user.unique_id"
CREDENTIALS = "user.authorization"
WITHHELD = "[withheld: security credential, GDPR Art. 32]"


class AccessError(RequestError):
    """An access or portability request cannot be run as asked (shown as it is)."""


class DownloadRefused(AccessError):  # noqa: N818 - the domain's word: the download is refused
    """The token is unknown, expired or used up. The message never repeats the token."""


# --- frame of the report, in the subject's language -----------------------------------

_FRAME: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "Your personal data at {org}",
        "made": "Prepared {date} in answer to your request for access (Article 15 GDPR).",
        "intro": (
            "This is a copy of the personal data {org} holds about you, with information "
            "about how we use it. The same data is in data.json and in the CSV files of "
            "this package, for use in other programs (Article 15(3) GDPR)."
        ),
        "data.heading": "The data we hold about you",
        "data.intro": "{rows} records in {collections} registers.",
        "data.none": "We found no personal data about you in our systems.",
        "data.row": "1 record.",
        "data.rows": "{count} records.",
        "info.heading": "How we use your data (Article 15(1) GDPR)",
        "categories.heading": "Which kinds of personal data we hold about you",
        "categories.intro": "We hold these kinds of personal data about you:",
    },
    "nb": {
        "title": "Dine personopplysninger hos {org}",
        "made": "Laget {date} som svar på ditt innsynskrav (personvernforordningen artikkel 15).",
        "intro": (
            "Dette er en kopi av personopplysningene {org} har om deg, med informasjon om "
            "hvordan vi bruker dem. De samme opplysningene ligger i data.json og i "
            "CSV-filene i denne pakken, til bruk i andre programmer (artikkel 15 nr. 3)."
        ),
        "data.heading": "Opplysningene vi har om deg",
        "data.intro": "{rows} oppføringer i {collections} registre.",
        "data.none": "Vi fant ingen personopplysninger om deg i systemene våre.",
        "data.row": "1 oppføring.",
        "data.rows": "{count} oppføringer.",
        "info.heading": "Hvordan vi bruker opplysningene (artikkel 15 nr. 1)",
        "categories.heading": "Hvilke typer personopplysninger vi har om deg",
        "categories.intro": "Vi har disse typene personopplysninger om deg:",
    },
    "sv": {
        "title": "Dina personuppgifter hos {org}",
        "made": "Upprättad {date} som svar på din begäran om tillgång (artikel 15 i GDPR).",
        "intro": (
            "Detta är en kopia av de personuppgifter {org} har om dig, med information om "
            "hur vi använder dem. Samma uppgifter finns i data.json och i CSV-filerna i "
            "detta paket, för användning i andra program (artikel 15.3 i GDPR)."
        ),
        "data.heading": "Uppgifterna vi har om dig",
        "data.intro": "{rows} poster i {collections} register.",
        "data.none": "Vi hittade inga personuppgifter om dig i våra system.",
        "data.row": "1 post.",
        "data.rows": "{count} poster.",
        "info.heading": "Hur vi använder uppgifterna (artikel 15.1 i GDPR)",
        "categories.heading": "Vilka typer av personuppgifter vi har om dig",
        "categories.intro": "Vi har dessa typer av personuppgifter om dig:",
    },
}


def report_language(language: str) -> Language:
    """The request's language if the notice speaks it, else bokmål for Nordic codes
    (``nn``, ``no``, ``da``), else English."""
    if language in LANGUAGES:
        return Language(language)
    return Language("nb" if language in ("nn", "no", "da") else "en")


def _frame(lang: Language, key: str, **values: object) -> str:
    return _FRAME[lang.code][key].format(**values)


# --- which purposes and fields the data falls under ---------------------------------


def under(category: str, parent: str) -> bool:
    """``category`` is ``parent`` or lies beneath it in the taxonomy."""
    return category == parent or category.startswith(parent + ".")


def purposes_of_field(manifest: Manifest, data_field: DataField) -> list[str]:
    """The purposes that process ``data_field``: one of its categories is under one of theirs."""
    return [key for key, purpose in manifest.purposes.items()
            if any(under(c, p) for c in data_field.categories for p in purpose.categories)]


def found_categories(manifest: Manifest, stores: Stores) -> list[str]:
    """The categories of the personal fields in collections where rows were found."""
    keys: list[str] = []
    for store, collections in stores.items():
        for name, rows in collections.items():
            collection = manifest.datastores[store].collections[name]
            if not rows:
                continue
            for data_field in collection.fields.values():
                if data_field.personal:
                    keys.extend(c for c in data_field.categories if c not in keys)
    return keys


def relevant_purposes(manifest: Manifest, categories: Sequence[str]) -> list[str]:
    """Purposes using a kind of data found: related either way in the taxonomy, so a
    purpose declaring ``user.contact`` counts for ``user.contact.email`` and back.

    Identifiers (``user.unique_id``) do not count: every row has a key, and every purpose
    lists one, so they would make every purpose relevant to everybody.
    """
    telling = [c for c in categories if not under(c, IDENTIFIERS)]
    return [key for key, purpose in manifest.purposes.items()
            if any(under(c, p) or under(p, c) for c in telling for p in purpose.categories)]


def withhold_credentials(manifest: Manifest, stores: Stores) -> Stores:
    """Access answers say that a password hash is held, not what it is: in a package
    sent by e-mail link it could be cracked offline (Art. 32; Art. 15(4) lets the copy
    not adversely affect rights, and security is the subject's own interest here)."""
    kept: dict[str, dict[str, list[Row]]] = {}
    for store, collections in stores.items():
        for name, rows in collections.items():
            fields = manifest.datastores[store].collections[name].fields
            secret = {k for k, f in fields.items()
                      if any(under(c, CREDENTIALS) for c in f.categories)}
            kept.setdefault(store, {})[name] = [
                {k: WITHHELD if k in secret and v is not None else v for k, v in row.items()}
                for row in rows]
    return kept


# --- portability (Art. 20) ------------------------------------------------------------


def portable(manifest: Manifest, data_field: DataField, *, filled_in: bool = True) -> bool:
    """Whether Art. 20 covers the field: provided or observed, for consent or contract.

    ``filled_in``: whether a field without a declared origin counts as provided (see
    :func:`portable_fields`).
    """
    if data_field.origin is not None:
        if data_field.origin not in PORTABLE_ORIGINS:
            return False
    elif not filled_in or all(c.startswith("system") for c in data_field.categories) or any(
            under(c, CREDENTIALS) for c in data_field.categories):
        return False
    return any(
        any(b.basis in PORTABLE_BASES for b in manifest.purposes[key].legal_basis)
        for key in purposes_of_field(manifest, data_field)
    )


def portable_fields(manifest: Manifest, collection: Collection) -> list[str]:
    """The fields of ``collection`` a portability answer carries; empty: none of its data.

    Fields without a declared origin go with the collection's declared data: when the
    collection declares no origin at all (order lines), or when one of its declared
    fields is portable (an order's e-mail: then its total too). A collection whose
    declared fields all stay out (a credit check, a fraud score) keeps its timestamps
    out as well: they describe the shop's record, not something the subject gave.
    Keys and references are kept with the content, so the rows stay linked.
    """
    fields = collection.fields
    declared = [f for f in fields.values() if f.origin is not None]
    filled_in = not declared or any(portable(manifest, f) for f in declared)
    content = [name for name, f in fields.items()
               if portable(manifest, f, filled_in=filled_in)]
    if not content:
        return []
    return [name for name, f in fields.items()
            if name in content or name in collection.primary_key or f.references]


def portability_rows(manifest: Manifest, stores: Stores) -> dict[str, dict[str, list[Any]]]:
    kept: dict[str, dict[str, list[Any]]] = {}
    for store, collections in stores.items():
        for name, rows in collections.items():
            fields = portable_fields(manifest, manifest.datastores[store].collections[name])
            if fields and rows:
                kept.setdefault(store, {})[name] = [
                    {f: row.get(f) for f in fields} for row in rows]
    return kept


def declared_types(manifest: Manifest, stores: Stores) -> dict[str, dict[str, list[Row]]]:
    """Every value as its field's declared type (see :func:`package.as_declared`)."""
    typed: dict[str, dict[str, list[Row]]] = {}
    for store, collections in stores.items():
        for name, rows in collections.items():
            fields = manifest.datastores[store].collections[name].fields
            typed.setdefault(store, {})[name] = [
                {k: as_declared(v, fields[k].type if k in fields else None)
                 for k, v in row.items()} for row in rows]
    return typed


# --- the report (Art. 15(1)) -----------------------------------------------------------

ART15 = (
    ("a", "purposes"), ("b", "categories"), ("c", "recipients"), ("c", "transfers"),
    ("d", "retention"), ("e", "rights"), ("f", "complaint"), ("g", "sources"),
    ("h", "automated"),
)


def _article(letter: str, key: str) -> tuple[str, ...]:
    return ("15(1)(c)", "15(2)") if key == "transfers" else (f"15(1)({letter})",)


def _filter_table(blocks: Iterable[Block], keep: frozenset[str]) -> tuple[Block, ...]:
    """Tables keep only the rows whose first cell names something in ``keep``."""
    kept: list[Block] = []
    for block in blocks:
        if isinstance(block, Table):
            rows = tuple(row for row in block.rows if row and row[0] in keep)
            if rows:
                kept.append(block.model_copy(update={"rows": rows}))
        else:
            kept.append(block)
    return tuple(kept)


@dataclass(frozen=True)
class _Scope:
    """What the answer is about: the relevant purposes, by key and by name, and the
    recipients those purposes share data with."""

    keys: frozenset[str]
    names: frozenset[str]
    recipients: frozenset[str]

    @classmethod
    def of(cls, manifest: Manifest, keys: Sequence[str], lang: Language) -> _Scope:
        purposes = [manifest.purposes[k] for k in keys]
        return cls(
            frozenset(keys), frozenset(purpose_name(p, lang) for p in purposes),
            frozenset(recipient_label(manifest.recipients[r]) for p in purposes
                      for r in p.recipients if r in manifest.recipients))


def information_sections(
    loaded: LoadedManifest, lang: Language, stores: Stores
) -> list[NoticeSection]:
    """Art. 15(1)(a)–(h) and 15(2), from the notice's own sections, narrowed to the purposes
    that use the kinds of data found (all purposes when nothing was found)."""
    manifest = loaded.manifest
    categories = found_categories(manifest, stores)
    key = f"requests.access.information:{lang.code}:{','.join(categories)}"
    cached: list[NoticeSection] | None = loaded.cache.get(key)
    if cached is None:
        # The same manifest, language and kinds of data give the same sections: a worker
        # builds them once, not the whole notice again for every request.
        cached = loaded.cache[key] = _information_sections(loaded, lang, categories)
    return list(cached)


def _information_sections(
    loaded: LoadedManifest, lang: Language, categories: Sequence[str]
) -> list[NoticeSection]:
    manifest = loaded.manifest
    notice = build_notice(loaded, lang.code)
    keys = relevant_purposes(manifest, categories) if categories else list(manifest.purposes)
    scope = _Scope.of(manifest, keys, lang)
    sections = []
    for letter, key in ART15:
        section = _categories_section(loaded, lang, categories) if key == "categories" \
            else notice.section(key)
        if section is not None:
            sections.append(_narrow(section, key, scope, lang).model_copy(update={
                "key": f"art15-{key}", "articles": _article(letter, key)}))
    return sections


def _narrow(section: NoticeSection, key: str, scope: _Scope, lang: Language
            ) -> NoticeSection:
    """The notice's section about the relevant purposes and their recipients only."""
    if key in ("purposes", "automated"):
        prefix = "purpose" if key == "purposes" else "automated"  # the notice's keys
        subsections = tuple(s for s in section.subsections
                            if s.key.removeprefix(prefix + ".") in scope.keys)
        if key == "automated" and not subsections:
            return section.model_copy(update={
                "subsections": (), "blocks": (Paragraph(text=lang("automated.none")),)})
        return section.model_copy(update={"subsections": subsections})
    if key in ("recipients", "transfers"):
        blocks = _filter_table(section.blocks, scope.recipients)
        if not any(isinstance(b, Table) for b in blocks):
            blocks = (Paragraph(text=lang(f"{key}.none")),)
        return section.model_copy(update={"blocks": blocks})
    if key == "retention":
        return section.model_copy(update={"blocks": _filter_table(section.blocks,
                                                                  scope.names)})
    return section


def _categories_section(
    loaded: LoadedManifest, lang: Language, categories: Sequence[str]
) -> NoticeSection:
    names = category_names(loaded, tuple(categories), lang)
    blocks: tuple[Block, ...] = (
        (Paragraph(text=_frame(lang, "categories.intro")), BulletList(items=tuple(names)))
        if names else (Paragraph(text=_frame(lang, "data.none")),)
    )
    return NoticeSection(key="categories", heading=_frame(lang, "categories.heading"),
                         blocks=blocks)


def data_sections(manifest: Manifest, lang: Language, stores: Stores) -> list[NoticeSection]:
    """One table per collection, headed by the collection's description in ``lang``."""
    sections = []
    for store, collections in sorted(stores.items()):
        for name, rows in sorted(collections.items()):
            collection = manifest.datastores[store].collections[name]
            heading = collection.description.best(lang.code) if collection.description \
                else name
            columns = columns_of(rows, list(collection.fields))
            cells = tuple(tuple(plain_text(row.get(c)) for c in columns) for row in rows)
            sections.append(NoticeSection(
                key=f"data-{store}-{name}", heading=heading,
                blocks=(Paragraph(text=_frame(lang, "data.row" if len(rows) == 1
                                              else "data.rows", count=len(rows))),
                        Table(caption=heading, columns=tuple(columns), rows=cells))))
    return sections


@cache
def _environment() -> Environment:
    notice = jinja_environment()
    own = FileSystemLoader(str(resources.files("personvern.requests") / "templates"))
    assert notice.loader is not None
    return notice.overlay(loader=ChoiceLoader([own, notice.loader]))


def access_report(
    loaded: LoadedManifest, language: str, stores: Stores, *, made: datetime
) -> str:
    """The human-readable report of an access answer, in ``language`` (nb, sv, en)."""
    lang = report_language(language)
    manifest = loaded.manifest
    org = manifest.organization.name
    counts = [len(rows) for collections in stores.values() for rows in collections.values()]
    data_intro = (_frame(lang, "data.intro", rows=sum(counts), collections=len(counts))
                  if counts else _frame(lang, "data.none"))
    return _environment().get_template("access_report.html.j2").render(
        language=lang.code, css=stylesheet(), title=_frame(lang, "title", org=org),
        made=_frame(lang, "made", date=lang.date(made.date())),
        intro=_frame(lang, "intro", org=org),
        data_heading=_frame(lang, "data.heading"), data_intro=data_intro,
        data_sections=data_sections(manifest, lang, stores),
        info_heading=_frame(lang, "info.heading"),
        info_sections=information_sections(loaded, lang, stores),
    )


# --- encryption at rest ------------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    nonce: bytes
    content: bytes


def seal(plaintext: bytes, package_id: str, *, secret: bytes | None = None) -> Sealed:
    """AES-256-GCM under the package key; the package id is the associated data, so a
    ciphertext copied onto another package's row does not decrypt."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    cipher = AESGCM(derive_key("package-encryption", secret))
    return Sealed(nonce, cipher.encrypt(nonce, plaintext, package_id.encode("ascii")))


def unseal(package: AccessPackage, *, secret: bytes | None = None) -> bytes:
    cipher = AESGCM(derive_key("package-encryption", secret))
    try:
        return cipher.decrypt(package.nonce, package.content, package.id.encode("ascii"))
    except InvalidTag:
        raise AccessError(
            f"package {package.id} does not decrypt: the engine secret changed, or the "
            "stored package was altered") from None


# --- download tokens ---------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return audit.utc(now) if now is not None else datetime.now(UTC)


def issue_download_token(
    session: Session, package_id: str, ttl: timedelta = DOWNLOAD_TTL, *,
    max_uses: int = DOWNLOAD_MAX_USES, now: datetime | None = None,
) -> str:
    """A new URL-safe token for the package; only its SHA-256 is stored."""
    at = _now(now)
    package = session.get(AccessPackage, package_id)
    if package is None:
        raise AccessError(f"no package {package_id}")
    if max_uses < 1 or ttl <= timedelta(0):
        raise AccessError("a download token needs a positive lifetime and at least one use")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = min(at + ttl, audit.utc(package.expires_at))
    session.add(DownloadToken(token_hash=_token_hash(token), package_id=package.id,
                              created_at=at, expires_at=expires, max_uses=max_uses, uses=0))
    audit.append(session, actor=lifecycle.SYSTEM, action="package.token_issued",
                 subject=package.request_id,
                 detail={"package": package.id, "expires": expires.isoformat(),
                         "max_uses": max_uses}, at=at)
    session.flush()
    return token


def token_expiry(session: Session, token: str) -> datetime | None:
    found = session.get(DownloadToken, _token_hash(token))
    return audit.utc(found.expires_at) if found else None


def open_download(
    session: Session, token: str, now: datetime | None = None, *,
    request_id: str | None = None, secret: bytes | None = None,
) -> bytes:
    """The decrypted ZIP for ``token``, counting one use; :class:`DownloadRefused` if the
    token is unknown, expired or used up (or, with ``request_id``, for another request)."""
    at = _now(now)
    if not token or len(token) > 200:
        raise DownloadRefused("the download link is not valid")
    lock_for_writing(session, DownloadToken.__tablename__)  # two downloads count two uses
    found = session.get(DownloadToken, _token_hash(token), with_for_update=True,
                        populate_existing=True)
    package = session.get(AccessPackage, found.package_id) if found else None
    if found is None or package is None or (request_id and package.request_id != request_id):
        raise DownloadRefused("the download link is not valid")
    if at >= audit.utc(found.expires_at) or at >= audit.utc(package.expires_at):
        raise DownloadRefused("the download link has expired")
    if found.uses >= found.max_uses:
        raise DownloadRefused("the download link has been used as often as it may be")
    content = unseal(package, secret=secret)
    found.uses += 1
    found.used_at = at
    audit.append(session, actor="subject", action="package.downloaded",
                 subject=package.request_id,
                 detail={"package": package.id, "use": found.uses}, at=at)
    return content


# --- running a request --------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What :func:`build_answer` made: the ZIP and what it holds."""

    zip: bytes
    counts: dict[str, int]
    statements: int


def build_answer(
    loaded: LoadedManifest, request: DataSubjectRequest, subject: SubjectData, *,
    made: datetime,
) -> Answer:
    """The ZIP for an access or a portability request from the rows found."""
    manifest = loaded.manifest
    portability = request.kind is RequestKind.portability
    typed = declared_types(manifest, subject.stores)
    stores: Stores = portability_rows(manifest, typed) if portability \
        else withhold_credentials(manifest, typed)
    about = {"request": request.id, "kind": request.kind.value,
             "controller": manifest.organization.name, "made": made.isoformat()}
    declared = {(s, n): list(c.fields) for s, n, c in manifest.collections()}
    report = None if portability else access_report(loaded, request.language, stores,
                                                    made=made)
    files: list[PackageFile] = package_files(stores, about, declared=declared, report=report)
    counts = {f"{store}.{name}": len(rows) for store, collections in stores.items()
              for name, rows in collections.items()}
    return Answer(zip_files(files), counts, subject.statements)


def _begin(session: Session, request_id: str, *, actor: str, at: datetime
           ) -> DataSubjectRequest:
    """Check the request and move it to running (committed), or take up a running one."""
    request = lifecycle.get_request(session, request_id, for_update=True)
    if request.kind not in ACCESS_KINDS:
        raise AccessError(f"request {request.id} is a {request.kind.value} request; only "
                          "access and portability requests make a package")
    if request.status is RequestStatus.completed:
        raise AccessError(f"request {request.id} is already completed; its package was "
                          "made then (issue a new download token instead of running it again)")
    if request.status is RequestStatus.approved:
        lifecycle.start(session, request.id, actor=actor, now=at)
    elif request.status is not RequestStatus.running:
        raise AccessError(f"request {request.id} is {request.status.value}; it must be "
                          "approved before it runs")
    session.commit()
    return request


def run_access(
    session: Session, request_id: str, manifest: LoadedManifest, now: datetime | None = None,
    *, actor: str = lifecycle.SYSTEM, engines: Mapping[str, Engine] | None = None,
    secret: bytes | None = None,
) -> AccessPackage:
    """Answer an approved access or portability request with an encrypted package.

    Two transactions, both committed here: approved → running first, then the package and
    running → completed together. A crash between them leaves the request running; running
    it again redoes the work and replaces any package a failed run left. A completed
    request is refused: its answer was given.
    """
    at = _now(now)
    request = _begin(session, request_id, actor=actor, at=at)
    identities = request_identities(request)
    subject = resolve_subject(manifest.manifest, identities, engines=engines)
    answer = build_answer(manifest, request, subject, made=at)
    package_id = str(uuid.uuid4())
    sealed = seal(answer.zip, package_id, secret=secret)
    try:
        request = lifecycle.get_request(session, request_id, for_update=True)
        if request.status is not RequestStatus.running:
            raise AccessError(f"request {request.id} is {request.status.value}: another run "
                              "finished it meanwhile")
        session.execute(sa.delete(AccessPackage).where(AccessPackage.request_id == request.id))
        package = AccessPackage(
            id=package_id, request_id=request.id, created_at=at,
            expires_at=at + PACKAGE_LIFETIME,
            filename=f"personvern-{request.kind.value}-{request.id[:8]}.zip",
            size_bytes=len(answer.zip), sha256=hashlib.sha256(answer.zip).hexdigest(),
            nonce=sealed.nonce, content=sealed.content,
            summary={"kind": request.kind.value, "rows": answer.counts,
                     "statements": answer.statements},
        )
        session.add(package)
        _record_package(session, request, package, answer, actor=actor, at=at)
        lifecycle.complete(session, request.id, actor=actor, now=at)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return package


def _record_package(
    session: Session, request: DataSubjectRequest, package: AccessPackage, answer: Answer,
    *, actor: str, at: datetime,
) -> None:
    """The timeline and the audit log learn the package id and the counts, nothing more."""
    facts = {"package": package.id, "rows": answer.counts,
             "total_rows": sum(answer.counts.values()), "size_bytes": package.size_bytes}
    session.add(RequestEvent(request_id=request.id, at=at, kind="package_created",
                             actor=actor, detail=facts))
    audit.append(session, actor=actor, action="request.package_created", subject=request.id,
                 detail=facts, at=at)
