"""Does the manifest describe the database as it is?

A manifest that drifts from the real schema makes every later answer wrong: an access
request misses a table, an erasure misses a column. ``verify`` compares one declared
datastore with a :class:`SchemaSnapshot` and says where they differ, each finding pointing
at the manifest line to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal

from personvern.datastores.connect import SchemaSnapshot, TableSnapshot, TypeFamily
from personvern.datastores.names import looks_personal
from personvern.manifest.errors import Location
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Collection, Datastore

FindingKind = Literal[
    "missing_table",
    "missing_column",
    "type_mismatch",
    "reference_without_foreign_key",
    "undeclared_foreign_key",
    "undeclared_personal_column",
]

# A declared type accepts these reflected families: databases store some types as others
# (MariaDB's JSON is LONGTEXT, UUIDs are often CHAR(36) or BINARY(16), TEXT vs VARCHAR is
# a storage choice, not a difference in what the column holds).
COMPATIBLE: dict[str, frozenset[TypeFamily]] = {
    "string": frozenset({"string", "text"}),
    "text": frozenset({"string", "text"}),
    "uuid": frozenset({"uuid", "string", "binary"}),
    "json": frozenset({"json", "text"}),
    "float": frozenset({"float", "decimal"}),
}


@dataclass(frozen=True)
class VerifyFinding:
    kind: FindingKind
    table: str
    column: str | None
    message: str
    location: Location | None = None

    @property
    def place(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["location"] = str(self.location) if self.location else None
        return data


def verify(
    datastore: Datastore,
    snapshot: SchemaSnapshot,
    *,
    name: str = "",
    loaded: LoadedManifest | None = None,
) -> list[VerifyFinding]:
    """Every difference between ``datastore`` (called ``name`` in ``loaded``) and the DB."""

    def locate(table: str, column: str | None = None) -> Location | None:
        if loaded is None:
            return None
        path: tuple[str, ...] = ("datastores", name, "collections", table)
        return loaded.locate(*path, "fields", column) if column else loaded.locate(*path)

    findings: list[VerifyFinding] = []
    for kind, table, column, message in _differences(datastore, snapshot):
        findings.append(VerifyFinding(kind, table, column, message, locate(table, column)))
    return sorted(findings, key=lambda f: (f.table, f.column or "", f.kind))


Difference = tuple[FindingKind, str, str | None, str]


def _differences(datastore: Datastore, snapshot: SchemaSnapshot) -> Iterator[Difference]:
    for table_name, collection in datastore.collections.items():
        table = snapshot.tables.get(table_name)
        if table is None:
            yield "missing_table", table_name, None, (
                f"the manifest declares {table_name!r}, the database has no such table")
            continue
        yield from _declared_table(table_name, collection, table)
    for table_name, table in snapshot.tables.items():
        declared = datastore.collections.get(table_name)
        yield from _undeclared_columns(table, declared)


def _declared_table(name: str, collection: Collection, table: TableSnapshot) -> Iterator[
    Difference
]:
    for column_name, data_field in collection.fields.items():
        column = table.columns.get(column_name)
        if column is None:
            yield "missing_column", name, column_name, (
                f"the manifest declares {name}.{column_name}, the table has no such column")
            continue
        declared = data_field.type
        if declared and column.family not in COMPATIBLE.get(declared, {declared}):
            yield "type_mismatch", name, column_name, (
                f"declared as {declared}, the database has {column.database_type}"
                + (f" ({column.family})" if column.family else ""))
        references = data_field.references
        actual = table.references_of(column_name)
        if references and references not in actual:
            backing = f"; its foreign key points at {', '.join(actual)}" if actual else ""
            yield "reference_without_foreign_key", name, column_name, (
                f"references {references}, but no foreign key backs it{backing}")


def _undeclared_columns(table: TableSnapshot, declared: Collection | None) -> Iterator[
    Difference
]:
    fields = declared.fields if declared else {}
    where = "" if declared else f" (table {table.name!r} is not declared)"
    for column_name in table.columns:
        data_field = fields.get(column_name)
        targets = table.references_of(column_name)
        if targets and (data_field is None or data_field.references is None):
            yield "undeclared_foreign_key", table.name, column_name, (
                f"a foreign key to {', '.join(targets)} that the manifest leaves out{where}; "
                "declare it with references: so requests can follow it")
        if data_field is None and looks_personal(column_name):
            yield "undeclared_personal_column", table.name, column_name, (
                f"{table.name}.{column_name} looks like personal data but is not declared"
                f"{where}")
