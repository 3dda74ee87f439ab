"""The demo shop's manifest against its own schema: two drifts, exactly two findings."""

from __future__ import annotations

from importlib import resources

import pytest
import sqlalchemy as sa

from personvern.datastores.connect import connect, reflect
from personvern.datastores.plan import build_plan
from personvern.datastores.verify import verify
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import LoadedManifest, load_manifest

schema = pytest.importorskip("personvern.demo.schema")
MANIFEST = resources.files("personvern.demo").joinpath("manifest.yaml")


def _demo_manifest(database_url: str = "sqlite://") -> LoadedManifest:
    """The demo manifest; these tests need it to load (its own tests say why it does not)."""
    try:
        return load_manifest(str(MANIFEST), environ={"PERSONVERN_DEMO_DB": database_url})
    except ManifestError as error:
        pytest.skip(f"the demo manifest does not load: {error}")


@pytest.mark.skipif(not MANIFEST.is_file(), reason="the demo manifest is not written yet")
def test_demo_drift_is_reported_exactly(database_url: str) -> None:
    loaded = _demo_manifest(database_url)
    engine = sa.create_engine(database_url)
    schema.create_schema(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE pet_profiles DROP COLUMN species")
        connection.exec_driver_sql("ALTER TABLE customers ADD COLUMN epost VARCHAR(200)")
    engine.dispose()

    [(name, store)] = loaded.manifest.datastores.items()
    reader = connect(store, name=name)
    try:
        findings = verify(store, reflect(reader), name=name, loaded=loaded)
    finally:
        reader.dispose()

    assert [(f.kind, f.table, f.column) for f in findings] == [
        ("undeclared_personal_column", "customers", "epost"),
        ("missing_column", "pet_profiles", "species"),
    ]
    assert all(f.location is not None for f in findings)


@pytest.mark.skipif(not MANIFEST.is_file(), reason="the demo manifest is not written yet")
def test_demo_plan_reaches_every_personal_table_without_walking_down_from_products() -> None:
    loaded = _demo_manifest()
    [store] = loaded.manifest.datastores.values()
    plan = build_plan(store, "email", default_region=loaded.manifest.organization.country)
    assert plan.unreachable == ()
    for step in plan.steps:
        downward = [h for h in step.via if h.direction == "to_children"]
        assert all(h.source != "products" for h in downward) or step.through_shared_parent
