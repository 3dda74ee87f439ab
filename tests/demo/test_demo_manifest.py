"""The demo manifest declares exactly the demo schema, and says how to treat all of it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from stdnum.no import orgnr

from personvern.datastores.connect import reflect
from personvern.datastores.verify import verify
from personvern.demo import schema
from personvern.demo.generate import generate
from personvern.lint.check import check_manifest
from personvern.manifest.load import LoadedManifest, load_manifest

MANIFEST = Path(str(resources.files("personvern.demo") / "manifest.yaml"))


@pytest.fixture(scope="module")
def loaded() -> LoadedManifest:
    return load_manifest(MANIFEST, environ={})


def test_declares_every_table_and_column_and_nothing_else(loaded: LoadedManifest) -> None:
    store = loaded.manifest.datastores["shop"]
    declared = {(t, c) for t, collection in store.collections.items() for c in collection.fields}
    actual = {(t.name, c.name) for t in schema.metadata.tables.values() for c in t.columns}
    assert declared - actual == set(), "declared but not in the schema"
    assert actual - declared == set(), "in the schema but not declared"


def test_every_foreign_key_is_a_reference(loaded: LoadedManifest) -> None:
    store = loaded.manifest.datastores["shop"]
    for constraint in schema.foreign_keys():
        column = constraint.column_keys[0]
        declared = store.collections[constraint.table.name].fields[column].references
        assert declared == f"{constraint.referred_table.name}.id", (constraint.table.name, column)


def test_identities_holds_and_retention(loaded: LoadedManifest) -> None:
    collections = loaded.manifest.datastores["shop"].collections
    assert collections["customers"].identity_fields == {
        "customer_number": "customer_number", "email": "email", "phone": "phone"}
    assert collections["orders"].identity_fields["order_number"] == "order_number"
    for name in ("orders", "order_lines", "payments"):
        holds = collections[name].legal_holds
        assert holds and holds[0].law.startswith("Bokføringsloven"), name
        assert holds[0].keep
    logs = collections["access_logs"]
    assert str(logs.retention[0].after) and logs.retention[0].from_.column == "requested_at"
    assert logs.fields["ip_address"].retention[0].masking is not None
    assert collections["customers"].retention[0].from_.event == "last_activity"
    for store_column in loaded.manifest.datastores["shop"].activity:
        table, _, column = store_column.partition(".")
        assert column in schema.metadata.tables[table].columns


def test_every_personal_field_says_how_to_erase_it(loaded: LoadedManifest) -> None:
    for _, collection_name, field_name, data_field in loaded.manifest.fields():
        collection = loaded.manifest.datastores["shop"].collections[collection_name]
        assert data_field.categories, f"{collection_name}.{field_name} has no category"
        if data_field.personal:
            assert collection.masking_for(field_name) is not None, (collection_name, field_name)


def test_nullify_only_where_the_column_may_be_null(loaded: LoadedManifest) -> None:
    for _, collection_name, field_name, data_field in loaded.manifest.fields():
        if data_field.erasure and data_field.erasure.strategy == "nullify":
            column = schema.metadata.tables[collection_name].columns[field_name]
            assert column.nullable, f"{collection_name}.{field_name} is NOT NULL"


def test_organization(loaded: LoadedManifest) -> None:
    organization = loaded.manifest.organization
    assert organization.name == "Fjordhund AS"
    assert organization.org_number and orgnr.is_valid(organization.org_number)
    assert organization.languages == ("nb", "sv", "en")
    for purpose in loaded.manifest.purposes.values():
        assert purpose.name.languages >= {"nb", "sv", "en"}


def test_database_url_from_the_environment() -> None:
    default = load_manifest(MANIFEST, environ={})
    url = default.manifest.datastores["shop"].url
    assert url is not None and url.get_secret_value() == "sqlite:///personvern-demo.db"
    chosen = load_manifest(MANIFEST, environ={"PERSONVERN_DEMO_DB": "postgresql://x/shop"})
    url = chosen.manifest.datastores["shop"].url
    assert url is not None and url.get_secret_value() == "postgresql://x/shop"


def test_lint_clean() -> None:
    result = check_manifest(MANIFEST, environ={})
    assert result.problems == []
    assert [(f.rule.id, f.message) for f in result.findings] == []


def test_no_drift_between_manifest_and_a_generated_database(sqlite_url: str) -> None:
    """``datastores verify`` sees the generated database exactly as the manifest says."""
    generate(sqlite_url, 20, seed=1)
    loaded = load_manifest(MANIFEST, environ={"PERSONVERN_DEMO_DB": sqlite_url})
    engine = sa.create_engine(sqlite_url)
    try:
        findings = verify(loaded.manifest.datastores["shop"], reflect(engine), name="shop",
                          loaded=loaded)
    finally:
        engine.dispose()
    assert [(f.kind, f.table, f.column) for f in findings] == []
