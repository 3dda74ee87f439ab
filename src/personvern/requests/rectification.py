"""Rectification (Art. 16 GDPR): correct the subject's data where the shop keeps it.

The request's payload names the corrections: ``{"changes": {"customers.email": "new@x.no"}}``
(``collection.field``, applied in every datastore that declares it, or
``datastore.collection.field``). Every change is checked before anything is written: the
field must be declared in the manifest and personal, and not a key or a reference (keys
are not the subject's data, and changing one would detach rows); e-mail addresses must
look like one; phone numbers must be readable (they are stored as E.164); text must fit
the column. One refused change refuses them all: nothing is written, and the request
stays where it was.

The changes are then applied to the rows the traversal plan finds for the subject's
verified identities, in ONE transaction per datastore, set-based (``UPDATE … WHERE pk IN``,
chunked); progress is kept per datastore as for erasure, so a re-run resumes. Art. 19:
one task per recipient of the purposes whose data categories were corrected. Events and
audit entries name fields and count rows; the new values stay out of them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.datastores.connect import shared_engine, type_family
from personvern.datastores.plan import normalise_phone
from personvern.manifest.model import DataField, Manifest
from personvern.requests import lifecycle
from personvern.requests.erasure import (
    CHUNK_SIZE,
    DONE,
    chunks,
    find_rows,
    key_filter,
    reflect_tables,
    verified_identities,
)
from personvern.requests.lifecycle import InvalidRequestError, TransitionError
from personvern.store.models import (
    DataSubjectRequest,
    ErasureStep,
    RequestKind,
    RequestStatus,
    TaskStatus,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the manifest's own e-mail shape


class RectificationError(InvalidRequestError):
    """Changes that cannot be applied; ``problems`` says why, one line per change."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("the rectification is refused: " + "; ".join(problems))


@dataclass(frozen=True)
class Change:
    """One correction in one datastore: ``collection.field`` becomes ``value``."""

    datastore: str
    collection: str
    field: str
    value: Any


@dataclass(frozen=True)
class RectificationOutcome:
    request_id: str
    status: RequestStatus
    rows: dict[str, dict[str, int]]  # datastore → collection → rows changed
    recipients: tuple[str, ...]


# --- checking ---------------------------------------------------------------------------


def requested_changes(request: DataSubjectRequest) -> dict[str, Any]:
    changes = (request.payload or {}).get("changes")
    if not isinstance(changes, dict) or not changes:
        raise RectificationError(['the payload has no "changes": {"collection.field": value}'])
    return changes


def resolve_changes(manifest: Manifest, changes: Mapping[str, Any]) -> list[Change]:
    """The changes per datastore; undeclared fields, keys and references are refused."""
    resolved, problems = [], []
    for path, value in changes.items():
        found = [(s, c, f) for s, c, f in _targets(manifest, str(path))
                 if _declared(manifest, s, c, f)]
        if not found:
            problems.append(f"{path}: not a declared field (collection.field)")
            continue
        for store_name, collection, field_name in found:
            problem = _editable(manifest, store_name, collection, field_name)
            if problem:
                problems.append(f"{path}: {problem}")
            else:
                resolved.append(Change(store_name, collection, field_name, value))
    if problems:
        raise RectificationError(problems)
    return resolved


def _targets(manifest: Manifest, path: str) -> list[tuple[str, str, str]]:
    """``datastore.collection.field``, or ``collection.field`` in every datastore."""
    parts = path.split(".")
    if len(parts) == 3:
        return [(parts[0], parts[1], parts[2])]
    if len(parts) == 2:
        return [(name, parts[0], parts[1]) for name in manifest.datastores]
    return []


def _declared(manifest: Manifest, store: str, collection: str, field_name: str) -> bool:
    datastore = manifest.datastores.get(store)
    found = datastore.collections.get(collection) if datastore else None
    return found is not None and field_name in found.fields


def _editable(manifest: Manifest, store: str, collection: str, field_name: str) -> str | None:
    declared = manifest.datastores[store].collections[collection]
    data_field = declared.fields[field_name]
    if field_name in declared.primary_key or data_field.references:
        return "a key or reference is not the subject's data and cannot be rectified"
    if not data_field.personal:
        return "not personal data (Art. 16 covers personal data)"
    return None


def check_value(change: Change, data_field: DataField, column: sa.Column[Any] | None,
                region: str) -> tuple[Any, str | None]:
    """The value to store, or the reason it cannot be stored in this column."""
    value = change.value
    if column is None:
        return value, "the column does not exist in the database"
    if value is None:
        return None, None if column.nullable else "the field cannot be empty"
    family = type_family(column.type)
    is_email = data_field.identity == "email" or any(
        c.startswith("user.contact.email") for c in data_field.categories)
    is_phone = data_field.identity == "phone" or any(
        c.startswith("user.contact.phone_number") for c in data_field.categories)
    if family in ("string", "text", None):
        if not isinstance(value, str):
            return value, "must be text"
        value = value.strip()
        if is_email and not _EMAIL.match(value):
            return value, "not an e-mail address"
        if is_phone:
            normalised = normalise_phone(value, region)
            if normalised is None:
                return value, "not a phone number"
            value = normalised
        length = getattr(column.type, "length", None)
        if length and len(value) > length:
            return value, f"longer than the column allows ({length} characters)"
        return value, None
    return _typed(value, family)


def _typed(value: Any, family: str) -> tuple[Any, str | None]:
    try:
        if family == "date":
            return date.fromisoformat(str(value)), None
        if family == "datetime":
            return datetime.fromisoformat(str(value)), None
        if family == "integer" and not isinstance(value, bool):
            return int(value), None
    except (TypeError, ValueError):
        return value, f"not a valid {family}"
    return value, f"values of type {family} cannot be rectified here"


def checked_changes(manifest: Manifest, changes: Sequence[Change]) -> list[Change]:
    """Every change checked against its column; raises with all problems, writes nothing."""
    region = manifest.organization.country
    problems, checked = [], []
    by_store: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_store[change.datastore].append(change)
    for store_name, store_changes in by_store.items():
        engine = shared_engine(manifest.datastores[store_name], name=store_name)
        tables = _tables(engine, {c.collection for c in store_changes})
        for change in store_changes:
            data_field = manifest.datastores[store_name].collections[
                change.collection].fields[change.field]
            table = tables.get(change.collection)
            column = table.c.get(change.field) if table is not None else None
            value, problem = check_value(change, data_field, column, region)
            if problem:
                problems.append(f"{change.collection}.{change.field}: {problem}")
            else:
                checked.append(Change(store_name, change.collection, change.field, value))
    if problems:
        raise RectificationError(problems)
    return checked


def _tables(engine: Engine, names: set[str]) -> dict[str, sa.Table]:
    existing = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:
        return reflect_tables(connection, sorted(names & existing))


# --- applying ---------------------------------------------------------------------------


def apply_changes(session: Session, request: DataSubjectRequest, manifest: Manifest,
                  changes: Sequence[Change], now: datetime) -> dict[str, dict[str, int]]:
    """Write the changes, one transaction per datastore, skipping datastores done."""
    counts: dict[str, dict[str, int]] = {}
    by_store: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_store[change.datastore].append(change)
    identities = verified_identities(request)
    for store_name, store_changes in by_store.items():
        step = session.scalars(sa.select(ErasureStep).where(
            ErasureStep.request_id == request.id, ErasureStep.datastore == store_name)).first()
        if step is not None and step.status == DONE:
            counts[store_name] = dict(step.counts.get("rows", {}))
            continue
        store = manifest.datastores[store_name]
        engine = shared_engine(store, name=store_name, read_only=False)
        found = find_rows(store, engine, identities, region=manifest.organization.country)
        rows = _write(engine, store_name, manifest, store_changes, found)
        counts[store_name] = rows
        session.add(ErasureStep(request_id=request.id, datastore=store_name, status=DONE,
                                finished_at=now, counts={"rows": rows, "fields": sorted(
                                    f"{c.collection}.{c.field}" for c in store_changes)}))
        audit.append(session, actor=lifecycle.SYSTEM, action="request.rectification_step",
                     subject=request.id, at=now,
                     detail={"datastore": store_name, "rows": sum(rows.values())})
        session.commit()
    return counts


def _write(engine: Engine, store_name: str, manifest: Manifest, changes: Sequence[Change],
           found: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]:
    store = manifest.datastores[store_name]
    per_collection: dict[str, dict[str, Any]] = defaultdict(dict)
    for change in changes:
        per_collection[change.collection][change.field] = change.value
    rows: dict[str, int] = {}
    with engine.begin() as connection:
        for collection_name, values in sorted(per_collection.items()):
            pk = store.collections[collection_name].primary_key
            keys = [tuple(r[k] for k in pk) for r in found.get(collection_name, [])]
            if not keys:
                continue
            table = reflect_tables(connection, [collection_name])[collection_name]
            for chunk in chunks(keys, CHUNK_SIZE):
                connection.execute(sa.update(table).where(key_filter(table, pk, chunk))
                                   .values(values))
            rows[collection_name] = len(keys)
    return rows


def recipients_for(manifest: Manifest, changes: Sequence[Change]) -> list[str]:
    """Art. 19: recipients of the purposes whose categories include a corrected field's."""
    categories = {
        c for change in changes
        for c in manifest.datastores[change.datastore].collections[change.collection]
        .fields[change.field].categories
    }
    return sorted({
        recipient for purpose in manifest.purposes.values()
        if any(c == p or c.startswith(p + ".") or p.startswith(c + ".")
               for c in categories for p in purpose.categories)
        for recipient in purpose.recipients
    })


def run_rectification(session: Session, request_id: str, manifest: Manifest,
                      now: datetime | None = None, *, actor: str = lifecycle.SYSTEM
                      ) -> RectificationOutcome:
    """Check, then apply, an approved rectification request (commits per datastore).

    A refused change raises :class:`RectificationError` before anything is written or the
    request moves. The request is completed once no Art. 19 task is open.
    """
    at = audit.utc(now) if now is not None else datetime.now(UTC)
    request = lifecycle.get_request(session, request_id, for_update=True)
    if request.kind is not RequestKind.rectification:
        raise InvalidRequestError(f"request {request.id} is a {request.kind.value} request")
    if request.status not in (RequestStatus.approved, RequestStatus.running,
                              RequestStatus.completed):
        raise TransitionError(request.id, request.status, "running")
    rows: dict[str, dict[str, int]] = {}
    if request.status is not RequestStatus.completed:
        changes = checked_changes(manifest, resolve_changes(manifest, requested_changes(
            request)))
        if request.status is RequestStatus.approved:
            if not request.identities:
                raise InvalidRequestError(f"request {request.id} has no verified identity")
            lifecycle.start(session, request.id, actor=actor, now=at)
            session.commit()
        rows = apply_changes(session, request, manifest, changes, at)
        _finish(session, request, manifest, changes, rows, actor, at)
    recipients = tuple(sorted(t.recipient or "" for t in request.tasks
                              if t.kind == "notify_recipient"))
    return RectificationOutcome(request.id, request.status, rows, recipients)


def _finish(session: Session, request: DataSubjectRequest, manifest: Manifest,
            changes: Sequence[Change], rows: Mapping[str, Mapping[str, int]], actor: str,
            at: datetime) -> None:
    planned = {t.recipient for t in request.tasks if t.kind == "notify_recipient"}
    missing = [r for r in recipients_for(manifest, changes) if r not in planned]
    if missing:
        lifecycle.add_recipient_tasks(session, request.id, missing, actor=actor, now=at)
        session.commit()
    session.refresh(request)
    if not any(t.status is TaskStatus.open for t in request.tasks):
        lifecycle.complete(session, request.id, actor=actor, now=at)
    session.commit()
    session.refresh(request)
