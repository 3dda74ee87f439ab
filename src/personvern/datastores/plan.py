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
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement, Select

from personvern.datastores.graph import Hop, SubjectGraph
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
    step: TraversalStep, *, identity: bool, hops: Iterable[Hop], phone_patterns: int = 1
) -> Select[Any]:
    """The one query of ``step``, with the identity condition and/or the given hops."""
    table = sa.table(step.collection, *(sa.column(c) for c in step.columns))
    conditions: list[ColumnElement[bool]] = []
    for match in step.identity if identity else ():
        conditions.extend(_identity_conditions(table, match, phone_patterns))
    for hop in hops:
        conditions.append(
            table.c[hop.target_field].in_(sa.bindparam(_hop_param(hop), expanding=True)))
    return sa.select(*table.c).where(sa.or_(*conditions))


def _identity_conditions(
    table: sa.TableClause, match: IdentityMatch, patterns: int
) -> Iterator[ColumnElement[bool]]:
    column = table.c[match.field]
    if match.method == "lower_in":
        yield sa.func.lower(column).in_(sa.bindparam(match.param, expanding=True))
    elif match.method == "phone_digits":
        for index in range(patterns):
            yield column.like(sa.bindparam(f"{match.param}_{index}"))
    else:
        yield column.in_(sa.bindparam(match.param, expanding=True))


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
) -> dict[str, list[Row]]:
    """Run ``plan`` for the identities ``values``: the rows found, by collection.

    Steps reached only through a shared parent are skipped unless ``include_shared``:
    their rows are likely other people's, and an access request must not hand them out.
    """
    identities = normalise_values(plan, values)
    found: dict[str, list[Row]] = {}
    options: dict[str, Any] = {}
    if engine.dialect.name in ("postgresql", "mysql", "mariadb"):
        # One snapshot for the whole walk: rows written between two hops must not leave
        # a child found without its parent. (SQLite: one reader sees one snapshot anyway.)
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as connection:
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
        hops = [h for h in step.via if _hop_param(h) in active]
        use_identity = any(m.param in active for m in step.identity)
        statement = _statement(_without_phone(step), identity=use_identity, hops=hops)
        params = {name: chunk[name] for name in active}
        yield from (dict(r._mapping) for r in connection.execute(statement, params))


def _without_phone(step: TraversalStep) -> TraversalStep:
    return replace(step, identity=tuple(m for m in step.identity if m.method != "phone_digits"))


def _fetch_by_phone(
    connection: Connection, step: TraversalStep, identities: list[str], region: str
) -> Iterator[Row]:
    """Candidates by digits, kept only when a phone field normalises to a requested value."""
    wanted = set(identities)
    only_phone = replace(
        step, identity=tuple(m for m in step.identity if m.method == "phone_digits"))
    fields = [m.field for m in only_phone.identity]
    for start in range(0, len(identities), PHONE_CHUNK_SIZE):
        chunk = identities[start:start + PHONE_CHUNK_SIZE]
        statement = _statement(only_phone, identity=True, hops=(), phone_patterns=len(chunk))
        params = {f"phone_digits_{i}": phone_pattern(v) for i, v in enumerate(chunk)}
        for result in connection.execute(statement, params):
            row = dict(result._mapping)
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
