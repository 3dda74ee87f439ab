"""Finding everything the shop holds about one data subject, in every datastore.

An access or portability request (Art. 15, 20) names the person by the identities they
gave and proved: an e-mail address, a phone number, a customer number. For each
datastore of the manifest and each identity kind the request has, the traversal plan of
:mod:`personvern.datastores.plan` runs once; the rows are merged per collection by
primary key, so an account and old guest orders typed with the same e-mail in another
letter case end up as one person with one copy of each row.

**The fixpoint follows references, never identities found in rows.** A customer's row
holds a customer number, their orders hold phone numbers; adding those to the search
would make the walk transitive over identities, and one phone number shared by two
people (a family, a courier label with a gift recipient) would pull the other person's
account, orders and chats into this person's answer — handing out a third party's data
is exactly what Art. 15(4) forbids. So only the declared references are followed, in the
directions the plan allows (up to any parent, down only from the person's own rows). Each
plan already walks them breadth-first; when a request has several identity kinds, the
rows one plan found can still lead along a reference to rows another did not reach, so
:func:`resolve_subject` repeats the plans' hops with the values not yet followed until
nothing new comes back. Every round is one query per collection that has new keys to
follow, never one per row: the number of statements grows with the collections, not
with the person's orders. :class:`StatementCounter` counts them so tests can hold this.

Only collections with personal data are returned: a product row reached from an order
line describes the shop's catalogue, not the person (Art. 15(1): "personal data").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from personvern.datastores.connect import shared_engine
from personvern.datastores.graph import Hop, SubjectGraph
from personvern.datastores.plan import (
    CHUNK_SIZE,
    TraversalPlan,
    among,
    build_plan,
    execute_on,
    reading,
    rows_of,
    uses_arrays,
)
from personvern.manifest.model import Datastore, IdentityKind, Manifest
from personvern.store.models import DataSubjectRequest

Row = dict[str, Any]
RowKey = tuple[Any, ...]
# The identity kinds a request can carry, in the order their plans run.
REQUEST_IDENTITY_KINDS: tuple[IdentityKind, ...] = ("email", "phone", "customer_number")


@dataclass
class StatementCounter:
    """Counts the SQL statements sent through an engine (``before_cursor_execute``) by
    this thread: engines are shared, and another request's statements are not ours."""

    count: int = 0
    thread: int = 0

    def _seen(self, *_: Any) -> None:
        if threading.get_ident() == self.thread:
            self.count += 1

    @contextmanager
    def watching(self, engine: Engine) -> Iterator[StatementCounter]:
        self.thread = threading.get_ident()
        sa.event.listen(engine, "before_cursor_execute", self._seen)
        try:
            yield self
        finally:
            sa.event.remove(engine, "before_cursor_execute", self._seen)


@dataclass(frozen=True)
class SubjectData:
    """The rows found about one person: datastore → collection → rows (sorted by key)."""

    stores: Mapping[str, Mapping[str, list[Row]]]
    statements: int = 0  # SQL statements sent to the shop's databases
    seconds: Mapping[str, float] = field(default_factory=dict)  # per datastore

    def counts(self) -> dict[str, int]:
        """Rows per ``datastore.collection``: what an audit entry may say (no values)."""
        return {f"{store}.{name}": len(rows)
                for store, collections in self.stores.items()
                for name, rows in collections.items()}

    @property
    def total_rows(self) -> int:
        return sum(self.counts().values())

    def rows(self, datastore: str, collection: str) -> list[Row]:
        return list(self.stores.get(datastore, {}).get(collection, []))


def request_identities(request: DataSubjectRequest) -> dict[IdentityKind, list[str]]:
    """The identities to search by: those the request was made with and those verified
    for it (Art. 12(6)), already normalised by :mod:`personvern.requests.subject`."""
    found: dict[IdentityKind, list[str]] = {}
    given = {"email": request.email, "phone": request.phone,
             "customer_number": request.customer_number}
    pairs = [*given.items(), *((i.kind, i.value) for i in request.identities)]
    for kind in REQUEST_IDENTITY_KINDS:
        values = [value for k, value in pairs if k == kind and value]
        if values:
            found[kind] = list(dict.fromkeys(values))
    return found


def resolve_subject(
    manifest: Manifest,
    identities: Mapping[IdentityKind, Iterable[str]],
    *,
    engines: Mapping[str, Engine] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> SubjectData:
    """Every personal row about the person with ``identities``, across all datastores.

    ``engines``: open engines by datastore name (tests, a long-running worker); any other
    datastore is reached read-only from its manifest URL through the process's shared
    engine (:func:`~personvern.datastores.connect.shared_engine`), kept for the next request.
    """
    wanted = {kind: list(values) for kind, values in identities.items() if values}
    counter = StatementCounter()
    stores: dict[str, dict[str, list[Row]]] = {}
    seconds: dict[str, float] = {}
    region = manifest.organization.country
    for name, datastore in manifest.datastores.items():
        engine = (engines or {}).get(name) or shared_engine(datastore, name=name)
        started = time.perf_counter()
        with counter.watching(engine):
            stores[name] = resolve_in_datastore(datastore, engine, wanted, region, chunk_size)
        seconds[name] = time.perf_counter() - started
    return SubjectData(stores, counter.count, seconds)


@dataclass
class _Found:
    """Rows of one datastore by collection and primary key, and what has been followed."""

    rows: dict[str, dict[RowKey, Row]] = field(default_factory=dict)
    hops: set[Hop] = field(default_factory=set)
    followed: dict[Hop, set[Any]] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, collection: str, rows: Iterable[Row]) -> int:
        """Merge ``rows``; returns how many were new."""
        known = self.rows.setdefault(collection, {})
        before = len(known)
        for row in rows:
            known.setdefault(_key(self.keys[collection], row), row)
        return len(known) - before

    def values(self, collection: str, column: str) -> set[Any]:
        return {r[column] for r in self.rows.get(collection, {}).values()
                if r.get(column) is not None}


def resolve_in_datastore(
    datastore: Datastore, engine: Engine, identities: Mapping[IdentityKind, list[str]],
    region: str, chunk_size: int = CHUNK_SIZE,
) -> dict[str, list[Row]]:
    """The subject's personal rows in one datastore, by collection: what access shows and
    what erasure and rectification change, found the same way for all three."""
    found = _Found()
    graph = SubjectGraph.of(datastore)
    with reading(engine) as connection:  # one snapshot for every plan and the fixpoint
        for kind, values in identities.items():
            if not graph.identity_fields(kind):
                continue
            plan = build_plan(datastore, kind, default_region=region)
            _remember(found, plan)
            rows = execute_on(connection, plan, values, chunk_size=chunk_size)
            for collection, collection_rows in rows.items():
                found.add(collection, collection_rows)
            _mark_followed(found, plan, rows)
        _follow_to_fixpoint(found, connection, chunk_size)
    personal = {name for name, c in datastore.collections.items() if c.personal}
    return {name: _in_key_order(found.keys[name], rows.values())
            for name, rows in found.rows.items() if name in personal and rows}


def _remember(found: _Found, plan: TraversalPlan) -> None:
    """The plan's columns, keys and (safe) hops: the references the fixpoint may follow."""
    for step in plan.steps:
        if step.through_shared_parent:
            continue  # another person's rows, likely; never walked (see plan.py)
        found.columns[step.collection] = tuple(
            dict.fromkeys([*found.columns.get(step.collection, ()), *step.columns]))
        found.keys[step.collection] = step.primary_key
        found.hops.update(step.via)


def _mark_followed(found: _Found, plan: TraversalPlan, rows: Mapping[str, list[Row]]) -> None:
    """The plan ran each hop's source before its target: those values need no new query."""
    for step in plan.steps:
        for hop in step.via:
            source = {r[hop.source_field] for r in rows.get(hop.source, [])
                      if r.get(hop.source_field) is not None}
            found.followed.setdefault(hop, set()).update(source)


def _follow_to_fixpoint(found: _Found, connection: Connection, chunk_size: int) -> None:
    """Follow the plans' hops from values not yet followed until no new row appears
    (with one identity kind there is none: its plan followed everything already)."""
    pending = _pending(found)
    while pending:
        for target, hops in pending.items():
            found.add(target, _fetch(connection, found, target, hops, chunk_size))
        pending = _pending(found)


def _pending(found: _Found) -> dict[str, list[tuple[Hop, list[Any]]]]:
    """Per target collection, the hops with source values not followed yet (now marked)."""
    pending: dict[str, list[tuple[Hop, list[Any]]]] = {}
    for hop in sorted(found.hops):
        done = found.followed.setdefault(hop, set())
        fresh = found.values(hop.source, hop.source_field) - done
        if fresh:
            pending.setdefault(hop.target, []).append((hop, sorted(fresh, key=repr)))
            done.update(fresh)
    return pending


def _fetch(
    connection: Connection, found: _Found, target: str, hops: list[tuple[Hop, list[Any]]],
    chunk_size: int,
) -> Iterator[Row]:
    """Rows of ``target`` reached by any of ``hops``: one query per chunk of values."""
    rounds = max(-(-len(values) // chunk_size) for _, values in hops)
    for index in range(rounds):
        chunks = [(hop, chunk) for hop, values in hops
                  if (chunk := values[index * chunk_size:(index + 1) * chunk_size])]
        statement = _follow_query(target, found.columns[target],
                                  tuple(hop.target_field for hop, _ in chunks),
                                  uses_arrays(connection))
        params = {f"follow_{i}": chunk for i, (_, chunk) in enumerate(chunks)}
        yield from rows_of(connection.execute(statement, params))


@lru_cache(maxsize=1024)
def _follow_query(target: str, columns: tuple[str, ...], fields: tuple[str, ...],
                  arrays: bool) -> sa.Select[Any]:
    """Rows of ``target`` whose ``fields[i]`` is among the values bound as ``follow_i``."""
    table = sa.table(target, *(sa.column(c) for c in columns))
    return sa.select(*table.c).where(sa.or_(*(
        among(table.c[name], f"follow_{i}", arrays) for i, name in enumerate(fields))))


def _key(primary_key: tuple[str, ...], row: Row) -> RowKey:
    if primary_key and all(k in row for k in primary_key):
        return tuple(row[k] for k in primary_key)
    return tuple(sorted((k, repr(v)) for k, v in row.items()))


def _in_key_order(primary_key: tuple[str, ...], rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: _sortable(primary_key, row))


def _sortable(primary_key: tuple[str, ...], row: Row) -> tuple[tuple[bool, str, Any], ...]:
    """A sort key that never compares a value with None or with another type."""
    return tuple((value is None, type(value).__name__, value if value is not None else 0)
                 for value in _key(primary_key, row))
