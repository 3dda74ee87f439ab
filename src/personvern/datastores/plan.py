"""Which queries find everything a datastore holds about one person, and in what order.

The plan starts at the collections that hold an identity of the requested kind and walks
the subject graph breadth-first, both ways along every reference. Each collection is
queried once, set-based: ``WHERE fk IN (:ids)`` with the values found by the steps before
it, never one query per row. Collections that hold personal data but cannot be reached
are listed, because a request would silently miss them.

Walking *down* a reference from a shared parent would collect other people's rows: from
the products a customer bought to every order line and review of those products. So a
request goes up any reference but down only from collections whose rows are the person's
own (see :func:`_owned`). Collections that only such a walk reaches are still planned —
last, flagged ``through_shared_parent`` — and :func:`execute` skips them unless asked.

Within one hop, parents are queried before their children, so that a child found by the
identity is also found through its parent (orders by e-mail *and* by the customer's id).

On PostgreSQL a plan without phone numbers runs in one round trip: each step's query
finds its sources itself, through CTEs, and psycopg's pipeline sends all of them at once
(see :func:`pipelined`). Plans and their queries are built once per datastore and reused
by every request; value lists are bound as arrays (``= ANY``) so the driver can keep the
queries prepared.

Identities are matched the way people write them:

* ``email``: ``lower(column) IN (:email)`` with the values lower-cased and stripped.
* ``phone``: the values are normalised to E.164 with ``phonenumbers`` (numbers without a
  country code are read in the organisation's country). The column holds whatever
  formats the shop accepted (``+47 912 34 567``, ``91234567``, ``0047-912…``), and SQL has
  no portable way to strip non-digits (SQLite has no regexp_replace), so the query fetches
  *candidates*: ``column LIKE '%9%1%2%3%4%5%6%7%'`` — the digits of the national number in
  order, anything around and between them — one LIKE per value, at most
  ``PHONE_CHUNK_SIZE`` in one OR list. Each candidate is parsed and compared as E.164 in
  Python; only exact matches are kept and carried to the next hop (``+46 912 34 567``
  is a candidate for ``+47 912 34 567``, not a match). It is still one set-based query
  per chunk of values, at the cost of a scan of the table: a LIKE that starts with a
  wildcard cannot use an index.
* anything else (``customer_number``, ``order_number`` …): ``column IN (:values)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement, Select

from personvern.datastores.graph import Derivations, Hop, SubjectGraph
from personvern.manifest.model import Datastore, IdentityKind

CHUNK_SIZE = 1_000
# Each phone value becomes one LIKE; keep the OR list of one query short.
PHONE_CHUNK_SIZE = 100

MatchMethod = Literal["lower_in", "phone_digits", "exact_in"]
Row = dict[str, Any]


@dataclass(frozen=True)
class IdentityMatch:
    """Find rows whose ``field`` holds one of the requested identities."""

    field: str
    kind: IdentityKind
    method: MatchMethod
    integer: bool = False  # the column is declared an integer: compare integers

    @property
    def param(self) -> str:
        if self.method == "phone_digits":
            return "phone_digits"
        # Integer columns get integer values: a list of their own.
        return f"{self.kind}_int" if self.integer else self.kind


@dataclass(frozen=True)
class TraversalStep:
    collection: str
    hop: int  # 0 for collections holding the identity; n for n references away
    identity: tuple[IdentityMatch, ...]  # how this collection is searched by identity
    via: tuple[Hop, ...]  # references from collections found by earlier steps
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    # Reached only by going down from a shared parent without personal data (a product
    # reached from an order line leads to *every* review of that product): the rows may
    # belong to other people; the shop should declare a better path.
    through_shared_parent: bool = False
    sql: str = ""


@dataclass(frozen=True)
class TraversalPlan:
    identity: IdentityKind
    steps: tuple[TraversalStep, ...]
    unreachable: tuple[str, ...]  # collections with personal data and no path to them
    default_region: str = "NO"  # for phone numbers written without a country code
    notes: tuple[str, ...] = field(default=())

    @property
    def reached(self) -> list[str]:
        return [step.collection for step in self.steps]


# --- planning -------------------------------------------------------------------------


def build_plan(
    datastore: Datastore, identity: IdentityKind, *, default_region: str = "NO"
) -> TraversalPlan:
    """The plan for ``identity`` in ``datastore``; made once per datastore object (the
    manifest is frozen) and then reused by every request."""
    return _PLANS.get(datastore, (identity, default_region),
                      lambda: _build_plan(datastore, identity, default_region))


_PLANS: Derivations[Datastore, TraversalPlan] = Derivations()


def _build_plan(datastore: Datastore, identity: IdentityKind, default_region: str
                ) -> TraversalPlan:
    graph = SubjectGraph.of(datastore)
    starts = graph.identity_fields(identity)
    owned = _owned(graph, set(starts))

    def safe(hop: Hop) -> bool:
        return hop.direction == "to_parent" or hop.source in owned

    # First every collection a safe path reaches; then, flagged, what only a path down
    # from a shared parent reaches, so that nothing reachable is left out silently.
    safe_layers = _layers(graph, sorted(starts), set(), safe)
    reached_safely = {name for layer in safe_layers for name in layer}
    shared_layers = _layers(graph, sorted(reached_safely), reached_safely, lambda _: True)
    steps: list[TraversalStep] = []
    for hop, layer in enumerate(safe_layers):
        for name in _parents_first(layer, graph):
            steps.append(_step(graph, name, hop, starts.get(name, ()), identity, steps, safe))
    for hop, layer in enumerate(shared_layers, start=len(safe_layers)):
        for name in _parents_first(layer, graph):
            step = _step(graph, name, hop, (), identity, steps, lambda _: True)
            steps.append(replace(step, through_shared_parent=True))
    reached = {step.collection for step in steps}
    unreachable = tuple(c for c in graph.personal_collections() if c not in reached)
    return TraversalPlan(identity, tuple(steps), unreachable, default_region,
                         _notes(identity, bool(starts), shared_layers))


def _notes(identity: IdentityKind, searchable: bool, shared: list[list[str]]) -> tuple[str, ...]:
    notes = []
    if not searchable:
        notes.append(f"no collection declares an identity: {identity} field")
    if identity == "phone":
        notes.append(
            "phone numbers are stored in mixed formats: candidates are fetched by the digits "
            "of the national number (LIKE), then compared as E.164 in Python"
        )
    if shared:
        notes.append(
            "some collections are reached only through a shared parent without personal "
            "data (a product, a category): their rows may belong to other people"
        )
    return tuple(notes)


def _owned(graph: SubjectGraph, starts: set[str]) -> set[str]:
    """Collections whose rows, once found, belong to the person asking.

    Going *up* a reference is always safe: an order's customer, an order line's product.
    Going *down* is safe only from rows of the person: a customer's orders, but not every
    order line of a product they bought. So a collection is owned when it holds the
    identity, when it is personal and reached at all, or when it is a child of an owned one.
    """
    reached, owned = set(starts), set(starts)
    changed = True
    while changed:
        changed = False
        for ref in graph.references:
            if ref.child in reached and ref.parent not in reached:
                reached.add(ref.parent)
                changed = True
            if ref.parent in reached and ref.parent not in owned and graph.collections[
                    ref.parent].personal:
                owned.add(ref.parent)
                changed = True
            if ref.parent in owned and ref.child not in owned:
                reached.add(ref.child)
                owned.add(ref.child)
                changed = True
    return owned


def _layers(
    graph: SubjectGraph, starts: list[str], done: set[str], follow: Callable[[Hop], bool]
) -> list[list[str]]:
    """Collections by distance from ``starts`` along the hops ``follow`` allows.

    ``starts`` themselves are layer 0 unless they are ``done`` already (planned before).
    """
    seen = set(starts) | done
    layers = [starts] if starts and not done else []
    frontier = starts
    while frontier:
        following = sorted({
            hop.target for name in frontier for hop in graph.hops_from(name)
            if hop.target not in seen and follow(hop)
        })
        if following:
            layers.append(following)
        seen.update(following)
        frontier = following
    return layers


def _parents_first(layer: list[str], graph: SubjectGraph) -> list[str]:
    """Order one layer so a collection comes after the parents it has in the same layer.

    ``customers`` (found by e-mail) then also feeds ``orders`` (found by e-mail too):
    orders the customer placed under an older address are found through customer_id.
    """
    remaining, ordered = list(layer), []
    while remaining:
        ready = [
            name for name in remaining
            if not any(r.child == name and r.parent != name and r.parent in remaining
                       for r in graph.references)
        ]
        chosen = (ready or remaining)[0]  # a cycle: break it by name
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


def _step(
    graph: SubjectGraph,
    name: str,
    hop: int,
    identity_fields: Sequence[str],
    kind: IdentityKind,
    earlier: Sequence[TraversalStep],
    follow: Callable[[Hop], bool],
) -> TraversalStep:
    """The query of ``name``: by identity, or by any allowed hop from an earlier step."""
    collection = graph.collections[name]
    via = tuple(
        h for step in earlier for h in graph.hops_from(step.collection)
        if h.target == name and follow(h)
    )
    matches = tuple(_identity_match(f, kind, collection.fields[f].type) for f in identity_fields)
    columns = tuple(dict.fromkeys([
        *collection.primary_key, *collection.fields, *(h.target_field for h in via),
    ]))
    step = TraversalStep(name, hop, matches, via, columns, tuple(collection.primary_key))
    return replace(step, sql=render_sql(step))


def _identity_match(name: str, kind: IdentityKind, declared: str | None) -> IdentityMatch:
    method: MatchMethod = (
        "lower_in" if kind == "email" else "phone_digits" if kind == "phone" else "exact_in")
    return IdentityMatch(name, kind, method, integer=declared == "integer")


def _hop_param(hop: Hop) -> str:
    return f"{hop.source}_{hop.source_field}"


# --- SQL ------------------------------------------------------------------------------


def _statement(
    step: TraversalStep, *, identity: bool, hops: Iterable[Hop], phone_patterns: int = 1,
    arrays: bool = False,
) -> Select[Any]:
    """The one query of ``step``, with the identity condition and/or the given hops.

    ``arrays``: compare with ``= ANY(:list)`` (PostgreSQL) instead of an ``IN`` list
    that SQLAlchemy expands to one placeholder per value. The text of the query then
    stays the same whatever the number of values, so the driver prepares it once and the
    server stops planning it again for every request (psycopg prepares a query it has
    seen five times); ``= ANY`` uses the same indexes as ``IN``.
    """
    table = sa.table(step.collection, *(sa.column(c) for c in step.columns))
    conditions: list[ColumnElement[bool]] = []
    for match in step.identity if identity else ():
        conditions.extend(_identity_conditions(table, match, phone_patterns, arrays))
    for hop in hops:
        conditions.append(among(table.c[hop.target_field], _hop_param(hop), arrays))
    return sa.select(*table.c).where(sa.or_(*conditions))


@lru_cache(maxsize=2048)
def _query(step: TraversalStep, identity: bool, hops: tuple[Hop, ...], phone_patterns: int,
           arrays: bool) -> Select[Any]:
    """:func:`_statement` of the step's lists (``phone_patterns == 0``) or of its phone
    candidates, built once: every request of a worker runs the same few queries."""
    by_phone = phone_patterns > 0
    part = replace(step, identity=tuple(
        m for m in step.identity if (m.method == "phone_digits") == by_phone))
    return _statement(part, identity=identity, hops=hops,
                      phone_patterns=max(phone_patterns, 1), arrays=arrays)


def among(column: ColumnElement[Any], param: str, arrays: bool) -> ColumnElement[bool]:
    if arrays:
        return column == sa.any_(sa.bindparam(param))
    return column.in_(sa.bindparam(param, expanding=True))


def _identity_conditions(
    table: sa.TableClause, match: IdentityMatch, patterns: int, arrays: bool
) -> Iterator[ColumnElement[bool]]:
    column = table.c[match.field]
    if match.method == "lower_in":
        yield among(sa.func.lower(column), match.param, arrays)
    elif match.method == "phone_digits":
        for index in range(patterns):
            yield column.like(sa.bindparam(f"{match.param}_{index}"))
    else:
        yield among(column, match.param, arrays)


_POSTCOMPILE = re.compile(r"\(__\[POSTCOMPILE_(\w+)\]\)")


def render_sql(step: TraversalStep) -> str:
    """The query for display, ``IN (:name)`` where SQLAlchemy expands a list."""
    statement = _statement(step, identity=True, hops=step.via)
    text = str(statement.compile(compile_kwargs={"render_postcompile": False}))
    return _POSTCOMPILE.sub(r"(:\1)", " ".join(text.split()))


# --- normalising identities -----------------------------------------------------------


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str, region: str) -> str | None:
    """E.164 (``+4791234567``), or None when ``value`` is not a phone number at all."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_pattern(e164: str) -> str:
    """``+4791234567`` → ``%9%1%2%3%4%5%6%7%``: the national digits, any format around."""
    number = phonenumbers.parse(e164)
    digits = str(number.national_number)
    return "%" + "%".join(digits) + "%"


def normalise_values(plan: TraversalPlan, values: Iterable[str]) -> list[str]:
    """The requested identities as the plan compares them; unusable ones are dropped."""
    found: list[str | None]
    if plan.identity == "email":
        found = [normalise_email(v) for v in values]
    elif plan.identity == "phone":
        found = [normalise_phone(v, plan.default_region) for v in values]
    else:
        found = [v.strip() for v in values]
    return list(dict.fromkeys(v for v in found if v))


# --- running the plan -----------------------------------------------------------------


def execute(
    plan: TraversalPlan,
    engine: Engine,
    values: Iterable[str],
    *,
    chunk_size: int = CHUNK_SIZE,
    include_shared: bool = False,
    one_round_trip: bool = True,
) -> dict[str, list[Row]]:
    """Run ``plan`` for the identities ``values``: the rows found, by collection.

    Steps reached only through a shared parent are skipped unless ``include_shared``:
    their rows are likely other people's, and an access request must not hand them out.
    ``one_round_trip``: where the database allows it, send every step at once (see
    :func:`pipelined`); otherwise, or with False, step by step.
    """
    with reading(engine) as connection:
        return execute_on(connection, plan, values, chunk_size=chunk_size,
                          include_shared=include_shared, one_round_trip=one_round_trip)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one snapshot of the database until it is closed.

    Rows written between two hops must not leave a child found without its parent, so
    on PostgreSQL and MySQL/MariaDB the walk reads in one REPEATABLE READ transaction
    (SQLite: one reader sees one snapshot anyway). It ends with COMMIT, not the pool's
    ROLLBACK: psycopg forgets its prepared statements on every ROLLBACK (and deallocates
    them on the server), so a walk ended by ROLLBACK would plan every query anew.
    """
    options: dict[str, Any] = {}
    if engine.dialect.name in ("postgresql", "mysql", "mariadb"):
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as connection, connection.begin():
        # begin(): SQLAlchemy commits at the end even when every statement went through
        # the driver's pipeline (see _run_pipelined), not through SQLAlchemy.
        yield connection


def execute_on(
    connection: Connection,
    plan: TraversalPlan,
    values: Iterable[str],
    *,
    chunk_size: int = CHUNK_SIZE,
    include_shared: bool = False,
    one_round_trip: bool = True,
) -> dict[str, list[Row]]:
    """:func:`execute` on an open connection (see :func:`reading`)."""
    identities = normalise_values(plan, values)
    if one_round_trip and pipelined(connection, plan):
        return _run_pipelined(connection, plan, identities, include_shared=include_shared)
    found: dict[str, list[Row]] = {}
    for step in plan.steps:
        if step.through_shared_parent and not include_shared:
            continue
        found[step.collection] = _run_step(
            connection, plan, step, identities, found, chunk_size)
    return found


def _run_step(
    connection: Connection,
    plan: TraversalPlan,
    step: TraversalStep,
    identities: list[str],
    found: Mapping[str, list[Row]],
    chunk_size: int,
) -> list[Row]:
    rows: dict[Any, Row] = {}
    phone = [m for m in step.identity if m.method == "phone_digits"]
    lists: dict[str, list[Any]] = {}
    for match in step.identity:
        if match.method != "phone_digits":
            lists[match.param] = _typed(identities, integer=match.integer)
    for hop in step.via:
        lists[_hop_param(hop)] = _column_values(found.get(hop.source, []), hop.source_field)
    for row in _fetch_by_lists(connection, step, lists, chunk_size):
        rows.setdefault(_row_key(step, row), row)
    if phone and identities:
        for row in _fetch_by_phone(connection, step, identities, plan.default_region):
            rows.setdefault(_row_key(step, row), row)
    return list(rows.values())


def _fetch_by_lists(
    connection: Connection, step: TraversalStep, lists: Mapping[str, list[Any]],
    chunk_size: int,
) -> Iterator[Row]:
    """One query per round; round ``r`` binds the ``r``-th chunk of every value list."""
    rounds = max((-(-len(v) // chunk_size) for v in lists.values()), default=0)
    for index in range(rounds):
        chunk = {name: v[index * chunk_size:(index + 1) * chunk_size]
                 for name, v in lists.items()}
        active = {name for name, v in chunk.items() if v}
        hops = tuple(h for h in step.via if _hop_param(h) in active)
        use_identity = any(m.param in active for m in step.identity)
        statement = _query(step, use_identity, hops, 0, uses_arrays(connection))
        params = {name: chunk[name] for name in active}
        yield from rows_of(connection.execute(statement, params))


def uses_arrays(connection: Connection) -> bool:
    """Whether value lists are bound as one array (``= ANY``): PostgreSQL has arrays."""
    return connection.dialect.name == "postgresql"


def rows_of(result: sa.CursorResult[Any]) -> list[Row]:
    """The rows as dictionaries, column names looked up once per result, not per row."""
    names = tuple(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _fetch_by_phone(
    connection: Connection, step: TraversalStep, identities: list[str], region: str
) -> Iterator[Row]:
    """Candidates by digits, kept only when a phone field normalises to a requested value."""
    wanted = set(identities)
    fields = [m.field for m in step.identity if m.method == "phone_digits"]
    for start in range(0, len(identities), PHONE_CHUNK_SIZE):
        chunk = identities[start:start + PHONE_CHUNK_SIZE]
        statement = _query(step, True, (), len(chunk), False)
        params = {f"phone_digits_{i}": phone_pattern(v) for i, v in enumerate(chunk)}
        for row in rows_of(connection.execute(statement, params)):
            if any(_stored_phone(row.get(f), region) in wanted for f in fields):
                yield row


def _stored_phone(value: Any, region: str) -> str | None:
    return normalise_phone(str(value), region) if value is not None else None


def _typed(values: list[str], *, integer: bool) -> list[Any]:
    if not integer:
        return list(values)
    return [int(v) for v in values if v.lstrip("-").isdigit()]


def _column_values(rows: Iterable[Row], column: str) -> list[Any]:
    return list(dict.fromkeys(r[column] for r in rows if r.get(column) is not None))


def _row_key(step: TraversalStep, row: Row) -> Any:
    if step.primary_key and all(k in row for k in step.primary_key):
        return tuple(row[k] for k in step.primary_key)
    return tuple(sorted((k, repr(v)) for k, v in row.items()))


# --- the whole walk in one round trip (PostgreSQL) ---------------------------------------
#
# Step by step, each query waits for the rows of the steps before it: one round trip per
# collection, and as much Python work between them. When every step can be written in
# SQL alone -- no phone numbers, whose candidates are checked in Python -- each step's
# query can instead find its sources itself: ``orders.customer_id IN (SELECT id FROM
# customers_found)``, with one CTE per earlier step. The queries no longer depend on each
# other's results, so psycopg's pipeline mode sends them all at once and reads all the
# answers in ONE round trip, in one snapshot (see :func:`reading`). The sets found are
# exactly those of the step-by-step walk: each step is the union of its identity match
# and of its hops from the rows of earlier steps, written as a query instead of a list.
# Still one statement per collection, whatever the number of rows; each is prepared by
# the driver after a few requests, so the server does not plan it again.


def pipelined(connection: Connection, plan: TraversalPlan) -> bool:
    """Whether ``plan`` runs in one round trip on ``connection``."""
    return (connection.dialect.name == "postgresql"
            and connection.dialect.driver == "psycopg"
            # libpq 14 or newer; psycopg's binary wheels bring their own
            and bool(connection.dialect.loaded_dbapi.Pipeline.is_supported())
            and not any(m.method == "phone_digits" for s in plan.steps for m in s.identity))


def _run_pipelined(connection: Connection, plan: TraversalPlan, identities: list[str], *,
                   include_shared: bool) -> dict[str, list[Row]]:
    key = (plan, include_shared, type(connection.dialect))
    queries = _DERIVED.get(key)
    if queries is None:  # built once per plan: only the values change between requests
        if len(_DERIVED) >= DERIVED_CACHE_SIZE:
            _DERIVED.clear()
        queries = _DERIVED[key] = _derived_sql(plan, include_shared, connection.dialect)
    if not identities:
        return {collection: [] for collection, _ in queries}
    params = {m.param: _typed(identities, integer=m.integer)
              for step in plan.steps for m in step.identity}
    driver = connection.connection.driver_connection
    cursors = []
    sql = ""
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            for _, sql in queries:
                cursor = driver.cursor()  # type: ignore[union-attr]
                _announce(connection, cursor, sql, params)
                cursor.execute(sql, params)
                cursors.append(cursor)
    except connection.dialect.loaded_dbapi.Error as error:
        # The error SQLAlchemy would have raised, so callers handle it alike; the bound
        # values are identities and stay out of the message.
        raise sa.exc.DBAPIError.instance(
            sql, None, error, connection.dialect.loaded_dbapi.Error, hide_parameters=True,
            dialect=connection.dialect) from error
    found: dict[str, list[Row]] = {}
    steps = {step.collection: step for step in plan.steps}
    for (collection, _), cursor in zip(queries, cursors, strict=True):
        names = tuple(column.name for column in cursor.description or ())
        rows: dict[Any, Row] = {}
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            rows.setdefault(_row_key(steps[collection], row), row)  # found by two branches
        found[collection] = list(rows.values())
        cursor.close()
    return found


def _announce(connection: Connection, cursor: Any, sql: str, params: Mapping[str, Any]
              ) -> None:
    """Tell ``before_cursor_execute`` listeners (statement counters) about a statement
    sent past SQLAlchemy, as SQLAlchemy itself would."""
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, cursor, sql, params, None, False)


DERIVED_CACHE_SIZE = 256
_DERIVED: dict[tuple[TraversalPlan, bool, type[sa.Dialect]], tuple[tuple[str, str], ...]] = {}


def _derived_sql(plan: TraversalPlan, include_shared: bool, dialect: sa.Dialect
                 ) -> tuple[tuple[str, str], ...]:
    """(collection, SQL) per step, each query finding its sources through CTEs.

    Each way a step finds rows is its own branch, and the branches are joined by UNION
    (UNION ALL for the rows, which may hold JSON that has no equality; the caller merges
    them by primary key). One WHERE with OR between ``lower(email) = ANY(…)`` and
    ``customer_id IN (SELECT …)`` makes PostgreSQL scan the whole table instead of using
    the two indexes; a UNION lets each branch use its own.
    """
    steps = [s for s in plan.steps if include_shared or not s.through_shared_parent]
    by_name = {s.collection: s for s in steps}
    used: dict[str, set[str]] = {}
    for step in steps:
        for hop in step.via:
            used.setdefault(hop.source, set()).add(hop.source_field)
    ctes: dict[str, sa.CTE] = {}

    def branches(step: TraversalStep, table: sa.TableClause) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        for match in step.identity:
            conditions.extend(_identity_conditions(table, match, 1, True))
        for hop in step.via:
            source = found(by_name[hop.source])
            conditions.append(table.c[hop.target_field].in_(
                sa.select(source.c[hop.source_field])))
        return conditions

    def found(step: TraversalStep) -> sa.CTE:
        if step.collection not in ctes:
            table = sa.table(step.collection, *(sa.column(c) for c in step.columns))
            columns = [table.c[c] for c in sorted(used[step.collection])]
            selects = [sa.select(*columns).where(c) for c in branches(step, table)]
            keys = sa.union(*selects) if len(selects) > 1 else selects[0]
            ctes[step.collection] = keys.cte(f"personvern_found_{len(ctes)}")
        return ctes[step.collection]

    queries = []
    for step in steps:
        table = sa.table(step.collection, *(sa.column(c) for c in step.columns))
        selects = [sa.select(*table.c).where(c) for c in branches(step, table)]
        statement = sa.union_all(*selects) if len(selects) > 1 else selects[0]
        queries.append((step.collection, str(statement.compile(dialect=dialect))))
    return tuple(queries)
