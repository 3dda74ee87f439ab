"""Erasure (Art. 17 GDPR): find a subject's rows, mask or delete them, keep what a law holds.

The run, per datastore of the manifest, in the manifest's order:

1. **Plan** (:func:`plan_erasure`): the subject's rows are found with the traversal plan
   (:mod:`personvern.datastores.plan`) from the request's *verified* identities (Art.
   12(6)). Each row gets a decision: deleted, masked, or masked except the fields a
   **legal hold** keeps (Art. 17(3)(b) legal obligation, (e) legal claims), with the day
   the hold ends (:mod:`personvern.requests.holds`). The plan (row keys and decisions,
   no personal data) is stored on the ``ErasureStep`` as ``planned``, together with one
   ``DeferredErasure`` per hold, and committed in the engine's store *before* the
   datastore is touched: a re-run after a crash resumes from it instead of searching
   again for a subject whose e-mail is already a pseudonym.
2. **Apply** (:func:`apply_plan`), in ONE transaction on the datastore: collections are
   visited children first (the reference graph in reverse topological order), so no
   foreign key ever dangles; rows are read and written by primary-key ``IN`` lists in
   chunks, one ``UPDATE`` (a ``CASE`` per column where rows get different values) or one
   ``DELETE`` per collection and chunk, never a statement per row. Where no strategy
   looks at the old value (nullify, redact) the rows are not even read first.
3. **Done**: the ``ErasureStep`` becomes ``done`` in the engine's store. A re-run skips
   datastores that are done (resumable). Masking is stable
   (:mod:`personvern.datastores.masking`): if the process dies between 2 and 3, running
   again rewrites exactly the same bytes (idempotent).

Rows under an active hold keep their keys, foreign keys and the hold's ``keep`` fields
and lose every other personal field now; :func:`complete_deferred` erases the kept fields
on the day the hold ends. The subject's answer says what is kept, under which law, and
until when (:func:`erasure_answer`, in nb, sv or en). Art. 19: one task per recipient of
the purposes whose data categories were erased. Audit entries and events carry counts,
collection and field names and dates, never a value.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.datastores import masking
from personvern.datastores.connect import shared_engine, type_family
from personvern.datastores.graph import SubjectGraph
from personvern.keys import derive_key
from personvern.manifest.model import (
    Collection,
    DataField,
    Datastore,
    IdentityKind,
    LegalHold,
    Manifest,
    Masking,
    Organization,
)
from personvern.requests import deadlines, lifecycle
from personvern.requests.holds import HoldDecision, HoldError, anchor_day, decide, law_name
from personvern.requests.lifecycle import InvalidRequestError, RequestError, TransitionError
from personvern.requests.subjects import resolve_in_datastore
from personvern.store.models import (
    DataSubjectRequest,
    DeferredErasure,
    ErasureStep,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Task,
    TaskStatus,
)

log = logging.getLogger(__name__)

CHUNK_SIZE = 500  # rows per UPDATE/DELETE: a CASE per column binds two values per row
PLANNED, DONE = "planned", "done"
Key = tuple[Any, ...]
Row = dict[str, Any]
Action = Literal["delete", "mask"]
DEFAULT_MASKING = Masking(strategy="nullify")  # a personal field that declares nothing


class ErasureError(RequestError):
    """The erasure cannot run (no verified identity, a hold without a period…)."""


# --- the plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowGroup:
    """Rows of one collection that get the same treatment.

    ``keep``: fields a legal hold keeps for now. ``only``: erase just these fields (the
    deferred part of an erasure, once its hold has ended).
    """

    collection: str
    action: Action
    keys: tuple[Key, ...]
    keep: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None


@dataclass(frozen=True)
class KeptFields:
    """Fields of some rows that a legal hold keeps until ``due_on`` (a DeferredErasure)."""

    collection: str
    fields: tuple[str, ...]
    law: str
    due_on: date
    keys: tuple[Key, ...]


@dataclass(frozen=True)
class ErasurePlan:
    """What one datastore's erasure will do: row groups children first, and what waits."""

    datastore: str
    groups: tuple[RowGroup, ...]
    deferred: tuple[KeptFields, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"groups": [
            {"collection": g.collection, "action": g.action, "keys": json_keys(g.keys),
             "keep": list(g.keep), "only": None if g.only is None else list(g.only)}
            for g in self.groups
        ]}

    @classmethod
    def from_json(cls, datastore: str, data: Mapping[str, Any]) -> ErasurePlan:
        groups = tuple(
            RowGroup(g["collection"], g["action"], tuple(tuple(k) for k in g["keys"]),
                     tuple(g["keep"]), None if g["only"] is None else tuple(g["only"]))
            for g in data["groups"]
        )
        return cls(datastore, groups)


def json_keys(keys: Iterable[Key]) -> list[list[Any]]:
    """Row keys as JSON: numbers and text as they are, anything else (a UUID, a date) as
    its text, which the databases compare with the column's own type."""
    return [[v if v is None or isinstance(v, int | float | str) else str(v) for v in key]
            for key in keys]


@dataclass
class ErasureCounts:
    """Rows deleted, masked and kept under a hold, by collection; fields erased."""

    deleted: dict[str, int] = field(default_factory=dict)
    masked: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    erased_fields: dict[str, set[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"deleted": self.deleted, "masked": self.masked, "held": self.held,
                "erased_fields": {c: sorted(f) for c, f in self.erased_fields.items()}}


# --- which fields, which strategy -------------------------------------------------------


def _strategy(collection: Collection, data_field: DataField) -> Masking | None:
    """The field's own erasure, else the collection's for personal fields, else nullify
    for personal fields (Art. 17(1): what is not declared kept is erased)."""
    if data_field.erasure is not None:
        return data_field.erasure
    if data_field.personal:
        return collection.erasure or DEFAULT_MASKING
    return None


def deletes_rows(collection: Collection) -> bool:
    """A collection whose rows go as a whole: some field (or the default) says delete_row."""
    return any(
        (m := _strategy(collection, f)) is not None and m.strategy == "delete_row"
        for f in collection.fields.values()
    )


def maskable_fields(collection: Collection) -> dict[str, Masking]:
    """Fields an erasure changes in a row it keeps, with their strategy.

    Primary keys never change (they are how the row is found again). A reference is a
    foreign key: it is kept unless declared ``nullify``, so no row ever points at nothing.
    """
    found = {}
    for name, data_field in collection.fields.items():
        strategy = _strategy(collection, data_field)
        if name in collection.primary_key or strategy is None or strategy.strategy == "keep":
            continue
        if data_field.references and strategy.strategy != "nullify":
            continue
        found[name] = strategy
    return found


def children_first(graph: SubjectGraph) -> list[str]:
    """Collections ordered so each comes before every collection it references."""
    remaining = sorted(graph.collections)
    ordered: list[str] = []
    while remaining:
        ready = [name for name in remaining if not any(
            r.parent == name and r.child != name and r.child in remaining
            for r in graph.references)]
        chosen = (ready or remaining)[0]  # a cycle: break it by name
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


# --- finding the subject ----------------------------------------------------------------


def verified_identities(request: DataSubjectRequest) -> dict[IdentityKind, list[str]]:
    """Only identities the subject proved (Art. 12(6)): erasing someone else's data on an
    unproven claim would be a breach."""
    found: dict[IdentityKind, list[str]] = defaultdict(list)
    for identity in request.identities:
        kind: IdentityKind = identity.kind  # type: ignore[assignment]
        if identity.value not in found[kind]:
            found[kind].append(identity.value)
    return dict(found)


def find_rows(store: Datastore, engine: Engine, identities: Mapping[IdentityKind, list[str]],
              *, region: str) -> dict[str, list[Row]]:
    """The subject's rows in one datastore, found exactly as an access request finds them."""
    return resolve_in_datastore(store, engine, identities, region)


# --- deciding -------------------------------------------------------------------------


class _Anchors:
    """The day a hold counts from, for a row.

    A column anchor is the row's own date. ``collected`` without a column (order lines
    carry no date: they were stored with their order) is the date of the parent row the
    row references, as the parent's hold counts it. Other events, or a date that cannot be
    read, count from today: the latest the period could start, so a hold is never cut
    short by a guess.
    """

    def __init__(self, store: Datastore, found: Mapping[str, list[Row]], today: date) -> None:
        self.store, self.found, self.today = store, found, today
        self.graph = SubjectGraph.of(store)
        self._index: dict[tuple[str, str], dict[Any, Row]] = {}

    def day(self, collection: str, hold: LegalHold, row: Row) -> date:
        anchor = hold.from_
        if anchor is None:
            raise HoldError(f"the legal hold {hold.law!r} on {collection} has no from:")
        if anchor.column is not None:
            return anchor_day(row.get(anchor.column)) or self.today
        if anchor.event == "collected":
            return self._parent_day(collection, row) or self.today
        return self.today

    def _parent_day(self, collection: str, row: Row) -> date | None:
        for ref in self.graph.references:
            if ref.child != collection or ref.parent == collection:
                continue
            parent = self._rows_by(ref.parent, ref.parent_field).get(row.get(ref.child_field))
            columns = [h.from_.column for h in self.store.collections[ref.parent].legal_holds
                       if h.from_ is not None and h.from_.column]
            if parent is not None and columns:
                day = anchor_day(parent.get(columns[0]))
                if day is not None:
                    return day
        return None

    def _rows_by(self, collection: str, column: str) -> dict[Any, Row]:
        index = self._index.get((collection, column))
        if index is None:
            index = {r.get(column): r for r in self.found.get(collection, [])}
            self._index[(collection, column)] = index
        return index


DeferredKey = tuple[str, str, date, tuple[str, ...]]  # collection, law, due on, fields


def active_holds(anchors: _Anchors, collection_name: str, row: Row, organization: Organization,
                 today: date) -> list[HoldDecision]:
    """The legal holds that keep fields of ``row`` today (Art. 17(3)(b), (e))."""
    collection = anchors.store.collections[collection_name]
    decisions = (decide(hold, anchors.day(collection_name, hold, row), organization)
                 for hold in collection.legal_holds)
    return [decision for decision in decisions if decision.active(today)]


def plan_erasure(name: str, store: Datastore, found: Mapping[str, list[Row]], *,
                 manifest: Manifest, today: date) -> ErasurePlan:
    """Decide, row by row, what the erasure does in datastore ``name`` (no writes)."""
    anchors = _Anchors(store, found, today)
    groups: list[RowGroup] = []
    deferred: dict[DeferredKey, list[Key]] = defaultdict(list)
    surviving: dict[str, list[Row]] = {}
    for collection_name in children_first(anchors.graph):
        if found.get(collection_name):
            planned, surviving[collection_name] = _plan_collection(
                anchors, collection_name, surviving, deferred, manifest.organization, today)
            groups.extend(planned)
    kept = tuple(KeptFields(c, f, law, due, tuple(keys))
                 for (c, law, due, f), keys in sorted(deferred.items()))
    return ErasurePlan(name, tuple(groups), kept)


def _plan_collection(
    anchors: _Anchors, name: str, surviving: Mapping[str, list[Row]],
    deferred: dict[DeferredKey, list[Key]], organization: Organization, today: date,
) -> tuple[list[RowGroup], list[Row]]:
    """The row groups of one collection, and the rows that stay (for its parents)."""
    collection = anchors.store.collections[name]
    maskable = set(maskable_fields(collection))
    referenced = _referenced_by_survivors(anchors.graph, name, surviving)
    deleted: list[Key] = []
    by_keep: dict[tuple[str, ...], list[Key]] = defaultdict(list)
    staying: list[Row] = []
    for row in anchors.found[name]:
        key = tuple(row[k] for k in collection.primary_key)
        holds = active_holds(anchors, name, row, organization, today)
        for decision in holds:
            fields = tuple(sorted(set(decision.hold.keep) & maskable))
            if fields:
                deferred[(name, decision.law, decision.ends_on, fields)].append(key)
        keep = tuple(sorted({f for d in holds for f in d.hold.keep}))
        # A row kept under a hold keeps its key, so the rows that point at it stay valid;
        # so does a row that a surviving child still references.
        if deletes_rows(collection) and not keep and not _is_referenced(row, referenced):
            deleted.append(key)
        else:
            by_keep[keep].append(key)
            staying.append(row)
    groups = [RowGroup(name, "delete", tuple(deleted))] if deleted else []
    groups.extend(RowGroup(name, "mask", tuple(keys), keep)
                  for keep, keys in sorted(by_keep.items()) if maskable - set(keep))
    return groups, staying


def _referenced_by_survivors(graph: SubjectGraph, parent: str,
                             surviving: Mapping[str, list[Row]]) -> dict[str, set[Any]]:
    """For each column of ``parent``, the values rows that stay (children) point at."""
    found: dict[str, set[Any]] = defaultdict(set)
    for ref in graph.references:
        if ref.parent == parent and ref.child != parent:
            found[ref.parent_field].update(
                r.get(ref.child_field) for r in surviving.get(ref.child, []))
    return found


def _is_referenced(row: Row, referenced: Mapping[str, set[Any]]) -> bool:
    return any(row.get(column) in values for column, values in referenced.items())


# --- applying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFacts:
    family: str | None
    length: int | None
    nullable: bool
    type: sa.types.TypeEngine[Any]


def _columns(table: sa.Table) -> dict[str, ColumnFacts]:
    return {
        c.name: ColumnFacts(type_family(c.type), getattr(c.type, "length", None), bool(c.nullable),
                        c.type)
        for c in table.columns
    }


def masked_value(strategy: Masking, value: Any, column: ColumnFacts, *, key: bytes, seed: str,
                 data_field: DataField) -> Any:
    """The new value of one column of one row under ``strategy``."""
    name, text = strategy.strategy, column.family in (None, "string", "text")
    new: Any
    if name in ("nullify", "delete_row"):
        new = None
    elif name == "redact":
        new = masking.redact(value, strategy.value, family=column.family, length=column.length)
    elif name == "pseudonymize":
        # E-mail addresses are pseudonymised as the plan compares them (lower case), so
        # that the pseudonyms of "Kari@x.no" and "kari@x.no" in two tables still join.
        source = value.strip().lower() if data_field.identity == "email" and isinstance(
            value, str) else value
        new = masking.pseudonymize(source, key, column.length) if text else None
    elif name == "randomize":
        new = masking.randomize(value, key, seed, column.length)
    elif name == "generalize_date":
        new = masking.generalize_date(value, strategy.precision)
    elif name == "truncate_ip":
        new = masking.truncate_ip(value)
    elif name == "generalize_user_agent":
        family = masking.generalize_user_agent(value)
        new = masking.fit(family, column.length) if family is not None else None
    else:
        new = value
    if new is None and not column.nullable:
        # NOT NULL: "nothing" is the type's neutral value ("[erased]", 0, 1970-01-01).
        new = masking.redact(None, strategy.value, family=column.family, length=column.length)
    return new


def chunks(keys: Sequence[Key], size: int) -> Iterator[Sequence[Key]]:
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


def key_filter(table: sa.Table, pk: Sequence[str], keys: Sequence[Key]
                ) -> sa.ColumnElement[bool]:
    if len(pk) == 1:
        return table.c[pk[0]].in_([k[0] for k in keys])
    return sa.tuple_(*(table.c[c] for c in pk)).in_([tuple(k) for k in keys])


def _key_match(table: sa.Table, pk: Sequence[str], key: Key) -> sa.ColumnElement[bool]:
    return sa.and_(*(table.c[c] == v for c, v in zip(pk, key, strict=True)))


# Reflection costs about 6 ms a table on PostgreSQL: more than the erasure itself. A
# worker erases in the same databases all day, so tables are reflected once per database
# and process. A schema change under a running worker makes a statement fail loudly (the
# run is resumable), never write the wrong column.
_REFLECTED: dict[tuple[str, str], sa.Table] = {}


def reflect_tables(connection: Connection, names: Iterable[str]) -> dict[str, sa.Table]:
    """The collections' tables with their real column types, lengths and NULL-ability."""
    database = connection.engine.url.render_as_string(hide_password=True)
    names = list(names)
    wanted = [name for name in names if (database, name) not in _REFLECTED]
    if wanted:
        metadata = sa.MetaData()
        with warnings.catch_warnings():
            # Expression indexes (lower(email)) cannot be reflected on SQLite; we need none.
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            for name in wanted:
                _REFLECTED[(database, name)] = sa.Table(
                    name, metadata, autoload_with=connection, resolve_fks=False)
    return {name: _REFLECTED[(database, name)] for name in names}


def apply_plan(engine: Engine, store: Datastore, plan: ErasurePlan, *, key: bytes
               ) -> ErasureCounts:
    """Carry out ``plan`` in ONE transaction on the datastore; all of it or nothing."""
    counts = ErasureCounts()
    with engine.begin() as connection:
        tables = reflect_tables(connection, dict.fromkeys(g.collection for g in plan.groups))
        for group in plan.groups:
            collection = store.collections[group.collection]
            table = tables[group.collection]
            if group.action == "delete":
                _delete(connection, table, collection, group, counts)
            else:
                _mask(connection, table, collection, group, counts, key)
    return counts


def _delete(connection: Connection, table: sa.Table, collection: Collection, group: RowGroup,
            counts: ErasureCounts) -> None:
    pk = collection.primary_key
    deleted = 0
    for chunk in chunks(group.keys, CHUNK_SIZE):
        deleted += connection.execute(sa.delete(table).where(key_filter(table, pk, chunk))
                                      ).rowcount or 0
    counts.deleted[group.collection] = counts.deleted.get(group.collection, 0) + deleted
    personal = {n for n, f in collection.fields.items() if f.personal}
    counts.erased_fields.setdefault(group.collection, set()).update(personal)


def _mask(connection: Connection, table: sa.Table, collection: Collection, group: RowGroup,
          counts: ErasureCounts, key: bytes) -> None:
    pk = collection.primary_key
    columns = _columns(table)
    strategies = {n: s for n, s in maskable_fields(collection).items()
                  if n not in group.keep and n in table.c
                  and (group.only is None or n in group.only)
                  and not _keeps_reference(collection.fields[n], columns[n], group)}
    constant = _constant_values(collection, strategies, columns, key)
    for chunk in chunks(group.keys, CHUNK_SIZE):
        if constant is not None:
            # Every row gets the same values: one UPDATE, nothing to read first.
            matched = connection.execute(sa.update(table).where(
                key_filter(table, pk, chunk)).values(constant)).rowcount or 0
            _count_masked(counts, group, matched)
            continue
        read = sa.select(*(table.c[c] for c in (*pk, *strategies))).where(
            key_filter(table, pk, chunk))
        if connection.dialect.name != "sqlite":
            read = read.with_for_update()
        rows = [dict(r._mapping) for r in connection.execute(read)]
        changes = _changes(group.collection, collection, rows, strategies, columns, key)
        if changes:
            connection.execute(_update(table, pk, changes, columns))
        _count_masked(counts, group, len(rows))
    counts.erased_fields.setdefault(group.collection, set()).update(
        n for n in strategies if collection.fields[n].personal)


def _count_masked(counts: ErasureCounts, group: RowGroup, rows: int) -> None:
    counts.masked[group.collection] = counts.masked.get(group.collection, 0) + rows
    if group.keep:
        counts.held[group.collection] = counts.held.get(group.collection, 0) + rows


# Strategies whose new value does not depend on the old one (nor on the row).
VALUE_FREE = frozenset({"nullify", "delete_row", "redact"})


def _constant_values(collection: Collection, strategies: Mapping[str, Masking],
                     columns: Mapping[str, ColumnFacts], key: bytes
                     ) -> dict[str, Any] | None:
    """The column values every row gets, when no strategy looks at the old value; else
    None (the rows are read first, and each gets its own values)."""
    if not strategies or any(s.strategy not in VALUE_FREE for s in strategies.values()):
        return None
    return {name: sa.literal(masked_value(strategy, None, columns[name], key=key, seed="",
                                          data_field=collection.fields[name]),
                             columns[name].type)
            for name, strategy in strategies.items()}


def _keeps_reference(data_field: DataField, column: ColumnFacts, group: RowGroup) -> bool:
    """A row under a hold keeps its foreign keys (Art. 17(3)(b) needs the whole record);
    a NOT NULL foreign key has no "nothing" to be set to."""
    return data_field.references is not None and (bool(group.keep) or not column.nullable)


def _changes(collection_name: str, collection: Collection, rows: Sequence[Row],
             strategies: Mapping[str, Masking], columns: Mapping[str, ColumnFacts], key: bytes,
             ) -> dict[str, dict[Key, Any]]:
    """New values by column and row key, for values that actually change."""
    changes: dict[str, dict[Key, Any]] = defaultdict(dict)
    for row in rows:
        row_key = tuple(row[c] for c in collection.primary_key)
        seed = f"{collection_name}:{json.dumps(row_key, default=str)}"
        for name, strategy in strategies.items():
            new = masked_value(strategy, row[name], columns[name], key=key,
                               seed=f"{seed}.{name}", data_field=collection.fields[name])
            if new != row[name]:
                changes[name][row_key] = new
    return dict(changes)


def _update(table: sa.Table, pk: Sequence[str], changes: Mapping[str, Mapping[Key, Any]],
            columns: Mapping[str, ColumnFacts]) -> sa.Update:
    """One UPDATE for a chunk: a constant where every row gets the same value, else a CASE
    on the primary key."""
    keys = list(dict.fromkeys(k for per_row in changes.values() for k in per_row))
    values: dict[str, Any] = {}
    for name, per_row in changes.items():
        column_type = columns[name].type
        distinct = {json.dumps(v, default=str, sort_keys=True) for v in per_row.values()}
        if len(distinct) == 1 and len(per_row) == len(keys):
            values[name] = sa.literal(next(iter(per_row.values())), column_type)
        else:
            values[name] = sa.case(
                *((_key_match(table, pk, k), sa.literal(v, column_type))
                  for k, v in per_row.items()),
                else_=table.c[name],
            )
    return sa.update(table).where(key_filter(table, pk, keys)).values(values)


# --- the request ------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureOutcome:
    request_id: str
    status: RequestStatus
    datastores: dict[str, dict[str, Any]]  # counts per datastore
    kept: tuple[KeptItem, ...]
    answer: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class KeptItem:
    """For the answer: fields of a collection a law keeps, how many rows, until when."""

    datastore: str
    collection: str
    fields: tuple[str, ...]
    law: str
    until: date  # the last day kept
    rows: int


def _today(now: datetime, country: str) -> date:
    return deadlines.receipt_day(now, country)


def _step(session: Session, request_id: str, datastore: str) -> ErasureStep | None:
    return session.scalars(sa.select(ErasureStep).where(
        ErasureStep.request_id == request_id, ErasureStep.datastore == datastore)).first()


def record_planned(session: Session, request_id: str, plan: ErasurePlan, now: datetime
                   ) -> ErasureStep:
    """Store the plan and its deferred erasures and commit, before touching the datastore."""
    step = ErasureStep(request_id=request_id, datastore=plan.datastore, status=PLANNED,
                       finished_at=now, counts={"plan": plan.to_json()})
    session.add(step)
    session.add_all(
        DeferredErasure(request_id=request_id, datastore=plan.datastore,
                        collection=kept.collection, row_keys=json_keys(kept.keys),
                        fields=list(kept.fields), law=kept.law[:500], due_on=kept.due_on)
        for kept in plan.deferred
    )
    session.commit()
    return step


def record_done(session: Session, step: ErasureStep, counts: ErasureCounts, now: datetime
                ) -> None:
    """The datastore has committed: mark its step done (counts only, no row keys)."""
    step.status, step.finished_at, step.counts = DONE, now, counts.to_json()
    audit.append(session, actor=lifecycle.SYSTEM, action="request.erasure_step",
                 subject=step.request_id, at=now, detail={
                     "datastore": step.datastore, "deleted": sum(counts.deleted.values()),
                     "masked": sum(counts.masked.values()),
                     "held": sum(counts.held.values())})
    session.commit()


def erase_datastore(session: Session, request: DataSubjectRequest, name: str,
                    store: Datastore, manifest: Manifest, now: datetime) -> None:
    """Plan (or resume the stored plan) and apply the erasure in one datastore."""
    step = _step(session, request.id, name)
    if step is not None and step.status == DONE:
        return
    engine = shared_engine(store, name=name, read_only=False)
    if step is None:
        identities = verified_identities(request)
        found = find_rows(store, engine, identities, region=manifest.organization.country)
        try:
            plan = plan_erasure(name, store, found, manifest=manifest,
                                today=_today(now, request.controller_country))
        except HoldError as error:
            raise ErasureError(str(error)) from None
        step = record_planned(session, request.id, plan, now)
    else:
        plan = ErasurePlan.from_json(name, step.counts["plan"])
    counts = apply_plan(engine, store, plan, key=derive_key("pseudonym"))
    log.info("erasure of request %s: datastore %s done (%d rows deleted, %d masked)",
             request.id, name, sum(counts.deleted.values()), sum(counts.masked.values()))
    record_done(session, step, counts, now)


def run_erasure(session: Session, request_id: str, manifest: Manifest, now: datetime | None
                = None, *, actor: str = lifecycle.SYSTEM) -> ErasureOutcome:
    """Carry out an approved erasure request; run again to resume after a failure.

    Unlike the lifecycle functions this commits, twice per datastore (its plan before
    the datastore is touched, its completion after) and once at the end: progress must
    survive a crash for the run to be resumable. The request goes approved → running →
    completed; it stays running while Art. 19 tasks are open (the lifecycle completes a
    request only when its tasks are done) and a later run completes it. The move to
    running is committed with the first datastore's plan: a crash before that leaves the
    request approved, with nothing done, and the next run starts it afresh.
    """
    at = audit.utc(now) if now is not None else datetime.now(UTC)
    request = lifecycle.get_request(session, request_id, for_update=True)
    if request.kind is not RequestKind.erasure:
        raise InvalidRequestError(f"request {request.id} is a {request.kind.value} request")
    if request.status is RequestStatus.approved:
        if not request.identities:
            raise ErasureError(f"request {request.id} has no verified identity (Art. 12(6))")
        lifecycle.start(session, request.id, actor=actor, now=at)
    elif request.status not in (RequestStatus.running, RequestStatus.completed):
        raise TransitionError(request.id, request.status, "running")
    if request.status is RequestStatus.running:
        for name, store in manifest.datastores.items():
            erase_datastore(session, request, name, store, manifest, at)
        _finish(session, request, manifest, actor, at)
    return outcome(session, request, manifest)


def _finish(session: Session, request: DataSubjectRequest, manifest: Manifest, actor: str,
            at: datetime) -> None:
    """The answer, the Art. 19 tasks, and completion once no task is open."""
    answered = session.scalar(sa.select(sa.func.count()).select_from(RequestEvent).where(
        RequestEvent.request_id == request.id, RequestEvent.kind == "erasure_answer"))
    if not answered:
        kept = kept_items(session, request.id)
        totals = _totals(session, request.id)
        answer = erasure_answer(kept, request.language, manifest, totals)
        facts = {"kept": [_kept_json(k) for k in kept], **totals}
        session.add(RequestEvent(request_id=request.id, at=at, kind="erasure_answer",
                                 actor=actor, detail={**facts, "answer": answer,
                                                      "language": request.language}))
        audit.append(session, actor=actor, action="request.erasure_answer",
                     subject=request.id, at=at, detail=facts)
        planned = {t.recipient for t in request.tasks if t.kind == "notify_recipient"}
        missing = [r for r in recipients_to_notify(session, request.id, manifest)
                   if r not in planned]
        if missing:
            lifecycle.add_recipient_tasks(session, request.id, missing, actor=actor, now=at)
        session.flush()
    session.refresh(request)
    if not any(t.status is TaskStatus.open for t in request.tasks):
        lifecycle.complete(session, request.id, actor=actor, now=at)
    session.commit()  # the answer, the tasks and completion together


def _totals(session: Session, request_id: str) -> dict[str, int]:
    steps = session.scalars(sa.select(ErasureStep).where(
        ErasureStep.request_id == request_id, ErasureStep.status == DONE)).all()
    return {kind: sum(sum(s.counts.get(kind, {}).values()) for s in steps)
            for kind in ("deleted", "masked", "held")}


def _kept_json(item: KeptItem) -> dict[str, Any]:
    return {"datastore": item.datastore, "collection": item.collection,
            "fields": list(item.fields), "law": item.law, "until": item.until.isoformat(),
            "rows": item.rows}


def kept_items(session: Session, request_id: str) -> tuple[KeptItem, ...]:
    """What legal holds keep of this request's data, grouped for the answer."""
    rows: dict[tuple[str, str, tuple[str, ...], str, date], int] = defaultdict(int)
    for entry in session.scalars(sa.select(DeferredErasure).where(
            DeferredErasure.request_id == request_id)):
        until = entry.due_on - timedelta(days=1)  # due_on is the first day erased
        rows[(entry.datastore, entry.collection, tuple(entry.fields), entry.law,
              until)] += len(entry.row_keys)
    return tuple(KeptItem(*group, rows=n) for group, n in sorted(rows.items()))


def recipients_to_notify(session: Session, request_id: str, manifest: Manifest) -> list[str]:
    """Art. 19: the recipients of every purpose whose data categories were erased."""
    categories: set[str] = set()
    for step in session.scalars(sa.select(ErasureStep).where(
            ErasureStep.request_id == request_id, ErasureStep.status == DONE)):
        store = manifest.datastores.get(step.datastore)
        for collection, names in step.counts.get("erased_fields", {}).items():
            fields = store.collections[collection].fields if store and collection in \
                store.collections else {}
            categories.update(c for n in names if n in fields for c in fields[n].categories)
    return sorted({
        recipient for purpose in manifest.purposes.values()
        if any(_overlap(c, p) for c in categories for p in purpose.categories)
        for recipient in purpose.recipients
    })


def _overlap(category: str, other: str) -> bool:
    """``user.contact.email`` is within ``user.contact`` and the other way round."""
    return (category == other or category.startswith(other + ".")
            or other.startswith(category + "."))


def outcome(session: Session, request: DataSubjectRequest, manifest: Manifest
            ) -> ErasureOutcome:
    steps = session.scalars(sa.select(ErasureStep).where(
        ErasureStep.request_id == request.id)).all()
    answer_event = session.scalars(sa.select(RequestEvent).where(
        RequestEvent.request_id == request.id, RequestEvent.kind == "erasure_answer")
        .order_by(RequestEvent.id.desc())).first()
    tasks = session.scalars(sa.select(Task).where(Task.request_id == request.id,
                                                  Task.kind == "notify_recipient")).all()
    return ErasureOutcome(
        request.id, request.status,
        {s.datastore: {"status": s.status, **{k: v for k, v in s.counts.items()
                                              if k != "plan"}} for s in steps},
        kept_items(session, request.id),
        str(answer_event.detail.get("answer", "")) if answer_event else "",
        tuple(sorted(t.recipient or "" for t in tasks)),
    )


# --- the answer to the subject ----------------------------------------------------------

_MONTHS = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
_TEXT = {
    "en": {
        "done": "We have erased your personal data: {deleted} records deleted and {masked} "
                "anonymised.",
        "nothing_kept": "We keep nothing about you.",
        "kept": "The law obliges us to keep some of it for a time. GDPR Article 17(3) allows "
                "this; we keep only what the law requires, and erase it when the period ends:",
        "item": "- {collection} ({rows}): {fields}. Why: {law}{reason}; GDPR Art. 17(3)({letter})"
                ". Kept until {until}, then erased.",
    },
    "nb": {
        "done": "Vi har slettet personopplysningene dine: {deleted} oppføringer er slettet og "
                "{masked} anonymisert.",
        "nothing_kept": "Vi beholder ingenting om deg.",
        "kept": "Loven pålegger oss å beholde noe av det en tid. Personvernforordningen "
                "artikkel 17 nr. 3 tillater dette; vi beholder bare det loven krever, og "
                "sletter det når fristen er ute:",
        "item": "- {collection} ({rows}): {fields}. Hvorfor: {law}{reason}; "
                "personvernforordningen art. 17 nr. 3 bokstav {letter}. Oppbevares til og "
                "med {until}, deretter slettes det.",
    },
    "sv": {
        "done": "Vi har raderat dina personuppgifter: {deleted} poster har raderats och "
                "{masked} anonymiserats.",
        "nothing_kept": "Vi sparar ingenting om dig.",
        "kept": "Lagen kräver att vi sparar en del av dem en tid. Dataskyddsförordningen "
                "artikel 17.3 tillåter det; vi sparar bara det lagen kräver och raderar det "
                "när tiden har gått ut:",
        "item": "- {collection} ({rows}): {fields}. Varför: {law}{reason}; "
                "dataskyddsförordningen artikel 17.3 {letter}. Sparas till och med {until}, "
                "sedan raderas det.",
    },
}


def format_day(day: date, language: str) -> str:
    months = _MONTHS.get(language, _MONTHS["en"])
    if language == "nb":
        return f"{day.day}. {months[day.month - 1]} {day.year}"
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _hold_of(manifest: Manifest, item: KeptItem) -> LegalHold | None:
    store = manifest.datastores.get(item.datastore)
    collection = store.collections.get(item.collection) if store else None
    for hold in collection.legal_holds if collection else ():
        if law_name(hold) == item.law:
            return hold
    return None


def erasure_answer(kept: Sequence[KeptItem], language: str, manifest: Manifest,
                   totals: Mapping[str, int]) -> str:
    """The subject-facing answer: what was erased, and what is kept, why, until when."""
    text = _TEXT.get(language, _TEXT["en"])
    lines = [text["done"].format(deleted=totals.get("deleted", 0),
                                 masked=totals.get("masked", 0))]
    if not kept:
        lines.append(text["nothing_kept"])
        return "\n".join(lines)
    lines.append(text["kept"])
    for item in kept:
        hold = _hold_of(manifest, item)
        reason = hold.reason.best(language) if hold and hold.reason else ""
        store = manifest.datastores.get(item.datastore)
        collection = store.collections.get(item.collection) if store else None
        label = (collection.description.best(language) if collection and
                 collection.description else item.collection)
        lines.append(text["item"].format(
            collection=label, rows=item.rows, fields=", ".join(item.fields), law=item.law,
            reason=f" ({reason.rstrip('.')})" if reason else "",
            letter=hold.exception if hold else "b", until=format_day(item.until, language)))
    return "\n".join(lines)


# --- deferred erasures: when a hold ends ----------------------------------------------


def complete_deferred(session: Session, manifest: Manifest, today: date,
                      now: datetime | None = None) -> int:
    """Erase the fields whose legal hold has ended (``due_on <= today``); returns how many
    deferred erasures were completed. One transaction per datastore, children first;
    a field another, longer hold still keeps on the same row is left for that hold."""
    at = audit.utc(now) if now is not None else datetime.now(UTC)
    due = session.scalars(sa.select(DeferredErasure).where(
        DeferredErasure.done_at.is_(None), DeferredErasure.due_on <= today)
        .order_by(DeferredErasure.id)).all()
    pending = session.scalars(sa.select(DeferredErasure).where(
        DeferredErasure.done_at.is_(None), DeferredErasure.due_on > today)).all()
    done = 0
    by_store: dict[str, list[DeferredErasure]] = defaultdict(list)
    for entry in due:
        by_store[entry.datastore].append(entry)
    for name, entries in by_store.items():
        store = manifest.datastores.get(name)
        if store is None:
            continue  # the datastore left the manifest: nothing to erase it with
        plan = _deferred_plan(name, store, entries, pending)
        engine = shared_engine(store, name=name, read_only=False)
        counts = apply_plan(engine, store, plan, key=derive_key("pseudonym"))
        for entry in entries:
            entry.done_at = at
        audit.append(session, actor=lifecycle.SYSTEM, action="erasure.deferred_done",
                     subject=None, at=at, detail={
                         "datastore": name, "entries": len(entries),
                         "deleted": sum(counts.deleted.values()),
                         "masked": sum(counts.masked.values())})
        session.commit()
        done += len(entries)
    return done


def _deferred_plan(name: str, store: Datastore, entries: Sequence[DeferredErasure],
                   pending: Sequence[DeferredErasure]) -> ErasurePlan:
    still_held: dict[tuple[str, Key], set[str]] = defaultdict(set)
    for other in pending:
        if other.datastore == name:
            for k in other.row_keys:
                still_held[(other.collection, tuple(k))].update(other.fields)
    fields_of: dict[tuple[str, Key], set[str]] = defaultdict(set)
    for entry in entries:
        for k in entry.row_keys:
            fields_of[(entry.collection, tuple(k))].update(entry.fields)
    grouped: dict[tuple[str, Action, tuple[str, ...]], list[Key]] = defaultdict(list)
    for (collection_name, key), fields in fields_of.items():
        collection = store.collections.get(collection_name)
        if collection is None:
            continue
        held = still_held.get((collection_name, key), set())
        erase = tuple(sorted(fields - held))
        if deletes_rows(collection) and not held:
            grouped[(collection_name, "delete", ())].append(key)
        elif erase:
            grouped[(collection_name, "mask", erase)].append(key)
    order = {c: i for i, c in enumerate(children_first(SubjectGraph.of(store)))}
    groups = tuple(
        RowGroup(c, action, tuple(keys), (), only if action == "mask" else None)
        for (c, action, only), keys in sorted(grouped.items(), key=lambda g: (
            order.get(g[0][0], 0), g[0][1], g[0][2]))
    )
    return ErasurePlan(name, groups)


__all__ = [
    "ErasureError", "ErasureOutcome", "ErasurePlan", "HoldDecision", "KeptFields", "KeptItem",
    "RowGroup", "apply_plan", "complete_deferred", "erasure_answer", "find_rows",
    "plan_erasure", "run_erasure",
]
