"""Property tests: on random schemas the plan reaches exactly what the references connect.

Reachability is computed here with a union-find and distances with Bellman-Ford style
relaxation, deliberately unlike the plan's breadth-first search. Collections that only a
walk down from a shared parent reaches must be reached too, but flagged and planned last.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personvern.datastores.connect import connect
from personvern.datastores.plan import build_plan, execute
from personvern.manifest.model import Datastore


@dataclass(frozen=True)
class RandomSchema:
    tables: int
    references: tuple[tuple[int, int], ...]  # (child, parent), one column per pair
    identity: frozenset[int]  # tables with an e-mail identity column
    personal: frozenset[int]  # tables with a personal column, identity or not

    def name(self, table: int) -> str:
        return f"t{table}"

    def column(self, index: int) -> str:
        return f"ref{index}_t{self.references[index][1]}"

    def datastore(self, url: str | None = None) -> Datastore:
        collections: dict[str, Any] = {}
        for table in range(self.tables):
            fields: dict[str, Any] = {"id": {"type": "integer"}}
            if table in self.identity:
                fields["email"] = {"identity": "email", "categories": ["user.contact.email"]}
            if table in self.personal:
                fields["full_name"] = {"categories": ["user.name"]}
            collections[self.name(table)] = {"fields": fields}
        for index, (child, parent) in enumerate(self.references):
            collections[self.name(child)]["fields"][self.column(index)] = {
                "references": f"{self.name(parent)}.id", "type": "integer"}
        data: dict[str, Any] = {"collections": collections}
        if url:
            data["url"] = url
        return Datastore.model_validate(data)


@st.composite
def schemas(draw: st.DrawFn) -> RandomSchema:
    tables = draw(st.integers(min_value=1, max_value=9))
    table = st.integers(min_value=0, max_value=tables - 1)
    references = draw(st.lists(st.tuples(table, table), max_size=12))
    identity = draw(st.frozensets(table, max_size=3))
    personal = draw(st.frozensets(table, max_size=tables)) | identity
    return RandomSchema(tables, tuple(references), identity, personal)


def _components(schema: RandomSchema) -> list[int]:
    parent = list(range(schema.tables))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for child, referenced in schema.references:
        parent[find(child)] = find(referenced)
    return [find(t) for t in range(schema.tables)]


def _owned_and_safe(schema: RandomSchema) -> tuple[set[int], set[int]]:
    """Rows that belong to the person (owned) and collections a safe walk reaches: up any
    reference, down only from owned collections; a reached personal collection is owned."""
    reached, owned = set(schema.identity), set(schema.identity)
    while True:
        grown = reached | {p for c, p in schema.references if c in reached}
        grown |= {c for c, p in schema.references if p in owned}
        now_owned = owned | {c for c, p in schema.references if p in owned}
        now_owned |= grown & schema.personal
        if (grown, now_owned) == (reached, owned):
            return owned, reached
        reached, owned = grown, now_owned


def _distances(schema: RandomSchema, start: set[int],
               edges: list[tuple[int, int]]) -> dict[int, int]:
    """Shortest number of ``edges`` (directed a → b) from ``start``, by relaxation."""
    infinity = schema.tables + 1
    distance = {t: 0 if t in start else infinity for t in range(schema.tables)}
    for _ in range(schema.tables):
        for a, b in edges:
            distance[b] = min(distance[b], distance[a] + 1)
    return {t: d for t, d in distance.items() if d < infinity}


@given(schemas())
@settings(max_examples=300, deadline=None)
def test_plan_reaches_exactly_the_connected_collections(schema: RandomSchema) -> None:
    plan = build_plan(schema.datastore(), "email")
    components = _components(schema)
    seeded = {components[t] for t in schema.identity}
    reachable = {schema.name(t) for t in range(schema.tables) if components[t] in seeded}
    personal = {schema.name(t) for t in schema.personal}

    assert len(plan.reached) == len(set(plan.reached))  # each collection queried once
    assert set(plan.reached) == reachable
    assert set(plan.unreachable) == personal - reachable
    assert list(plan.unreachable) == sorted(plan.unreachable)

    owned, safe = _owned_and_safe(schema)
    up = list(schema.references)
    down = [(p, c) for c, p in schema.references]
    safe_distance = _distances(schema, set(schema.identity),
                               up + [(p, c) for p, c in down if p in owned])
    shared_distance = _distances(schema, safe, up + down)
    last_safe_hop = max(safe_distance.values(), default=-1)
    earlier: set[str] = set()
    for step in plan.steps:
        table = int(step.collection[1:])
        assert step.through_shared_parent == (table not in safe)
        if table in safe:
            assert step.hop == safe_distance[table]
            # A safe step never walks down from rows that may be other people's.
            assert all(h.direction == "to_parent" or int(h.source[1:]) in owned
                       for h in step.via)
        else:
            assert step.hop == last_safe_hop + shared_distance[table]
        assert bool(step.identity) == (table in schema.identity)
        assert all(hop.source in earlier for hop in step.via)
        assert step.identity or step.via  # every step has something to search by
        earlier.add(step.collection)
    assert [s.hop for s in plan.steps] == sorted(s.hop for s in plan.steps)


@st.composite
def populated(draw: st.DrawFn) -> tuple[RandomSchema, dict[int, list[dict[str, Any]]]]:
    schema = draw(schemas())
    emails = st.sampled_from(["a@x.no", "A@X.no", "a@X.NO", "b@x.no", None])
    rows: dict[int, list[dict[str, Any]]] = {}
    for table in range(schema.tables):
        count = draw(st.integers(min_value=0, max_value=6))
        rows[table] = [{"id": i} for i in range(1, count + 1)]
    for table in range(schema.tables):
        for row in rows[table]:
            if table in schema.identity:
                row["email"] = draw(emails)
            if table in schema.personal:
                row["full_name"] = "x"
            for index, (child, parent) in enumerate(schema.references):
                if child == table:
                    row[schema.column(index)] = draw(
                        st.sampled_from([None, *(r["id"] for r in rows[parent])]))
    return schema, rows


def _expected(schema: RandomSchema, rows: dict[int, list[dict[str, Any]]],
              plan_steps: list[tuple[str, list[Any]]]) -> dict[str, set[int]]:
    """The one-pass semantics, spelled out row by row: a row is found when it holds the
    identity, or when its end of a reference matches a row found by an earlier step."""
    found: dict[str, set[int]] = {}
    for collection, via in plan_steps:
        table = int(collection[1:])
        ids = set()
        for row in rows[table]:
            if table in schema.identity and (row.get("email") or "").lower() == "a@x.no":
                ids.add(row["id"])
            for hop in via:
                source_rows = [r for r in rows[int(hop.source[1:])]
                               if r["id"] in found[hop.source]]
                values = {r[hop.source_field] for r in source_rows} - {None}
                if row[hop.target_field] in values:
                    ids.add(row["id"])
        found[collection] = ids
    return found


@given(populated())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_execute_finds_exactly_the_rows_the_plan_describes(
    case: tuple[RandomSchema, dict[int, list[dict[str, Any]]]],
) -> None:
    schema, rows = case
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'shop.db'}"
        writer = sa.create_engine(url)
        metadata = sa.MetaData()
        for table in range(schema.tables):
            columns: list[sa.Column[Any]] = [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)]
            if table in schema.identity:
                columns.append(sa.Column("email", sa.String(50)))
            if table in schema.personal:
                columns.append(sa.Column("full_name", sa.String(50)))
            for index, (child, _) in enumerate(schema.references):
                if child == table:
                    columns.append(sa.Column(schema.column(index), sa.Integer))
            sa.Table(schema.name(table), metadata, *columns)
        metadata.create_all(writer)
        with writer.begin() as connection:
            for table, table_rows in rows.items():
                if table_rows:
                    connection.execute(metadata.tables[schema.name(table)].insert(), table_rows)
        writer.dispose()

        plan = build_plan(schema.datastore(url), "email")
        reader = connect(schema.datastore(url), name="random")
        try:
            found = execute(plan, reader, ["a@X.no"], chunk_size=2, include_shared=True)
            safe_only = execute(plan, reader, ["a@X.no"], chunk_size=2)
        finally:
            reader.dispose()
    expected = _expected(schema, rows, [(s.collection, list(s.via)) for s in plan.steps])
    assert {c: {r["id"] for r in found[c]} for c in found} == expected
    flagged = {s.collection for s in plan.steps if s.through_shared_parent}
    assert set(safe_only) == set(found) - flagged
    assert all(safe_only[c] == found[c] for c in safe_only)
