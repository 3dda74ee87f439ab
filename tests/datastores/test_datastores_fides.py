"""Fides datasets: import, export, and a round trip that keeps what both formats can say."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from datastores_shop import SHOP_COLLECTIONS, manifest_document
from typer.testing import CliRunner

from personvern.cli import app
from personvern.datastores.fides import export_fides, import_fides, read_fides
from personvern.manifest.load import load_manifest
from personvern.manifest.model import Datastore

runner = CliRunner()
Write = Callable[[dict[str, Any]], Path]

FIDES_DATASET = """
dataset:
  - fides_key: postgres_shop
    name: Shop database
    description: The web shop's PostgreSQL database
    collections:
      - name: customer
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta:
              primary_key: true
              data_type: integer
          - name: email
            data_categories: [user.contact.email]
            fides_meta:
              identity: email
              data_type: string
          - name: phone
            data_categories: [user.contact.phone_number]
            fides_meta:
              identity: phone_number
          - name: address_id
            fides_meta:
              references:
                - dataset: postgres_shop
                  field: address.id
                  direction: to
          - name: crm_id
            fides_meta:
              references:
                - dataset: crm
                  field: contacts.id
                  direction: from
          - name: preferences
            fields:
              - name: newsletter
      - name: address
        fields:
          - name: id
            fides_meta:
              primary_key: true
          - name: street
            data_categories: [user.contact.address.street]
      - name: orders
        fields:
          - name: order_no
            fides_meta:
              primary_key: true
              references:
                - dataset: postgres_shop
                  field: refunds.order_no
                  direction: to
          - name: customer_id
            fides_meta:
              references:
                - dataset: postgres_shop
                  field: customer.id
                  direction: from
          - name: loyalty_id
            fides_meta:
              identity: loyalty_card
      - name: visits
        fields:
          - name: visitor
          - name: order_no
      - name: refunds
        fields:
          - name: order_no
          - name: id
            fides_meta:
              primary_key: true
"""


def _write_fides(tmp_path: Path) -> Path:
    path = tmp_path / "dataset.yml"
    path.write_text(FIDES_DATASET)
    return path


def test_import_maps_identities_keys_references_and_warns(tmp_path: Path) -> None:
    imported = import_fides(read_fides(FIDES_DATASET))
    store = imported.datastores["postgres_shop"]
    assert store["url"] == "${POSTGRES_SHOP_DATABASE_URL}"
    customer = store["collections"]["customer"]
    assert "primary_key" not in customer  # id, the manifest's default
    assert customer["fields"]["email"] == {
        "categories": ["user.contact.email"], "identity": "email", "type": "string"}
    assert customer["fields"]["phone"]["identity"] == "phone"
    assert customer["fields"]["address_id"]["references"] == "address.id"
    assert "references" not in customer["fields"]["crm_id"]
    assert store["collections"]["orders"]["primary_key"] == ["order_no"]
    assert store["collections"]["orders"]["fields"]["customer_id"]["references"] == "customer.id"
    assert store["collections"]["visits"]["primary_key"] == []
    # Written on the primary key's end: turned round onto the column that points.
    assert store["collections"]["refunds"]["fields"]["order_no"]["references"] == (
        "orders.order_no")
    assert "identity" not in store["collections"]["orders"]["fields"]["loyalty_id"]
    warnings = " ".join(imported.warnings)
    assert "crm.contacts.id" in warnings and "nested" in warnings and "loyalty_card" in warnings

    # The result is a valid manifest once an organization is added.
    document = {"organization": {"name": "Butikk AS", "country": "NO"},
                **yaml.safe_load(imported.to_yaml())}
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(document))
    loaded = load_manifest(path, environ={"POSTGRES_SHOP_DATABASE_URL": "sqlite://"})
    assert set(loaded.manifest.datastores["postgres_shop"].collections) == {
        "customer", "address", "orders", "visits", "refunds"}


def test_round_trip_manifest_fides_manifest(tmp_path: Path, write_manifest: Write) -> None:
    path = write_manifest(manifest_document())
    loaded = load_manifest(path, environ={"SHOP_DATABASE_URL": "sqlite://"})
    exported = export_fides(loaded.manifest)
    # Fides' own model accepts what we wrote.
    datasets = read_fides(yaml.safe_dump(exported))
    orders = next(c for c in datasets[0]["collections"] if c["name"] == "orders")
    customer_id = next(f for f in orders["fields"] if f["name"] == "customer_id")
    assert customer_id["fides_meta"]["references"] == [
        {"dataset": "shop", "field": "customers.id"}]  # no direction: walked both ways

    back = import_fides(datasets).datastores["shop"]
    original = loaded.manifest.datastores["shop"].model_dump(exclude={"url"})
    # The one loss Fides' types force on this manifest: decimal comes back as float.
    assert original["collections"]["orders"]["fields"]["total"]["type"] == "decimal"
    original["collections"]["orders"]["fields"]["total"]["type"] = "float"
    assert Datastore.model_validate(back).model_dump(exclude={"url"}) == original


def test_round_trip_through_the_command_line(tmp_path: Path, write_manifest: Write) -> None:
    fides_in = _write_fides(tmp_path)
    fragment = tmp_path / "datastores.yaml"
    result = runner.invoke(app, ["datastores", "import-fides", str(fides_in), "-o",
                                 str(fragment)])
    assert result.exit_code == 0, result.output
    document = {"organization": {"name": "Butikk AS", "country": "NO"},
                **yaml.safe_load(fragment.read_text())}
    manifest = write_manifest(document)
    result = runner.invoke(app, ["datastores", "export-fides", str(manifest)])
    assert result.exit_code == 0, result.output
    again = import_fides(read_fides(result.stdout))
    assert again.datastores == yaml.safe_load(fragment.read_text())["datastores"]


def test_shop_collections_survive_export(write_manifest: Write) -> None:
    loaded = load_manifest(write_manifest(manifest_document()), environ={})
    exported = export_fides(loaded.manifest)
    names = [c["name"] for c in exported["dataset"][0]["collections"]]
    assert sorted(names) == sorted(SHOP_COLLECTIONS)
