"""Fides datasets in and out: a shop that already annotated its databases for Fides keeps
that work, and a manifest can be handed to Fides tooling.

The two formats meet on data categories (both use fideslang keys), identities, primary
keys and references. They differ where the models differ:

* A manifest ``references:`` is a foreign key, walked both ways by a request. A Fides
  reference may sit on either end and carry a ``direction``; on import it becomes a
  ``references:`` on the end that is not a primary key, and on export it is written on the
  foreign key *without* a direction, which Fides walks both ways too.
* Fides' ``phone_number`` identity is the manifest's ``phone``.
* Types: Fides knows string/integer/float/boolean/object; ``text`` is exported as string,
  ``decimal`` as float, ``json`` as object, and date, datetime, uuid and binary are left
  out (Fides would cast them to something else).
* References to another dataset, nested fields and identities the manifest does not know
  cannot be said in a manifest: they are dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

import yaml
from fideslang.models import Dataset as FidesDataset
from pydantic import ValidationError

from personvern.manifest.model import Collection, Datastore, IdentityKind, Manifest

IDENTITY_TO_FIDES = {"phone": "phone_number"}
IDENTITY_FROM_FIDES = {v: k for k, v in IDENTITY_TO_FIDES.items()}
TYPE_TO_FIDES = {
    "string": "string", "text": "string", "integer": "integer", "decimal": "float",
    "float": "float", "boolean": "boolean", "json": "object",
}
TYPE_FROM_FIDES = {
    "string": "string", "integer": "integer", "float": "float", "boolean": "boolean",
    "object": "json",
}


class FidesError(Exception):
    """The file is not a Fides dataset file."""


@dataclass
class Imported:
    """Manifest ``datastores:`` data, and what could not be carried over."""

    datastores: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        return yaml.safe_dump(
            {"datastores": self.datastores}, sort_keys=False, allow_unicode=True)


# --- Fides → manifest -----------------------------------------------------------------


def read_fides(text: str) -> list[dict[str, Any]]:
    """The datasets of a Fides YAML file, checked against fideslang's own model."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FidesError(f"invalid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("dataset"), list):
        raise FidesError("a Fides dataset file has a top-level 'dataset:' list")
    datasets = []
    for index, entry in enumerate(data["dataset"]):
        try:
            FidesDataset.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise FidesError(f"dataset[{index}].{where}: {first['msg']}") from None
        datasets.append(entry)
    return datasets


def import_fides(datasets: list[dict[str, Any]]) -> Imported:
    result = Imported({})
    for dataset in datasets:
        key = _manifest_key(str(dataset["fides_key"]))
        result.datastores[key] = _datastore(dataset, result.warnings)
    return result


def _manifest_key(fides_key: str) -> str:
    key = "".join(c if c.isalnum() or c in "_.-" else "_" for c in fides_key.lower())
    return key if key[:1].isalpha() else f"db_{key}"


def _datastore(dataset: Mapping[str, Any], warnings: list[str]) -> dict[str, Any]:
    key = str(dataset["fides_key"])
    store: dict[str, Any] = {"url": "${" + _env_name(key) + "}"}
    if dataset.get("description"):
        store["description"] = str(dataset["description"])
    collections: dict[str, dict[str, Any]] = {}
    for collection in dataset.get("collections") or []:
        collections[str(collection["name"])] = _collection(collection)
    for collection in dataset.get("collections") or []:
        _drop_unsupported(collection, collections, warnings)
        _place_references(key, collection, collections, warnings)
    store["collections"] = collections
    return store


def _env_name(key: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in key.upper()) + "_DATABASE_URL"


def _collection(collection: Mapping[str, Any]) -> dict[str, Any]:
    fields = collection.get("fields") or []
    result: dict[str, Any] = {}
    if collection.get("description"):
        result["description"] = str(collection["description"])
    keys = [str(f["name"]) for f in fields if _meta(f).get("primary_key") is True]
    names = {str(f["name"]) for f in fields}
    # The manifest's primary key defaults to id: say it only when it is something else.
    if keys and keys != ["id"]:
        result["primary_key"] = keys
    elif not keys and "id" not in names:
        result["primary_key"] = []
    result["fields"] = {str(f["name"]): _field(f) for f in fields}
    return result


def _meta(fides_field: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = fides_field.get("fides_meta") or fides_field.get("fidesops_meta") or {}
    return meta if isinstance(meta, Mapping) else {}


def _field(fides_field: Mapping[str, Any]) -> dict[str, Any]:
    meta = _meta(fides_field)
    result: dict[str, Any] = {}
    if fides_field.get("data_categories"):
        result["categories"] = [str(c) for c in fides_field["data_categories"]]
    identity = meta.get("identity")
    if identity:
        result["identity"] = IDENTITY_FROM_FIDES.get(str(identity), str(identity))
    data_type = TYPE_FROM_FIDES.get(str(meta.get("data_type")))
    if data_type:
        result["type"] = data_type
    if fides_field.get("description"):
        result["description"] = str(fides_field["description"])
    return result


def _drop_unsupported(
    collection: Mapping[str, Any],
    collections: dict[str, dict[str, Any]],
    warnings: list[str],
) -> None:
    name = str(collection["name"])
    known: set[str] = set(get_args(IdentityKind))
    for fides_field in collection.get("fields") or []:
        here = f"{name}.{fides_field['name']}"
        declared = collections[name]["fields"][str(fides_field["name"])]
        if declared.get("identity") and declared["identity"] not in known:
            warnings.append(f"{here}: identity {declared.pop('identity')!r} has no "
                            f"manifest equivalent ({', '.join(sorted(known))}); dropped")
        if fides_field.get("fields"):
            warnings.append(f"{here}: nested fields are not supported; only {here} is kept")


def _place_references(
    dataset_key: str,
    collection: Mapping[str, Any],
    collections: dict[str, dict[str, Any]],
    warnings: list[str],
) -> None:
    name = str(collection["name"])
    for fides_field in collection.get("fields") or []:
        here = f"{name}.{fides_field['name']}"
        for reference in _meta(fides_field).get("references") or []:
            _place_reference(dataset_key, here, reference, collections, warnings)


def _place_reference(
    dataset_key: str,
    here: str,
    reference: Mapping[str, Any],
    collections: dict[str, dict[str, Any]],
    warnings: list[str],
) -> None:
    target = str(reference.get("field", ""))
    if reference.get("dataset") != dataset_key:
        warnings.append(f"{here}: reference to {reference.get('dataset')}.{target} in "
                        "another dataset cannot be declared in a manifest; dropped")
        return
    parts = target.split(".")
    if len(parts) != 2 or parts[0] not in collections or parts[1] not in collections[
        parts[0]]["fields"]:
        warnings.append(f"{here}: reference to unknown field {target!r}; dropped")
        return
    child, parent = here, target
    if _is_key(collections, here) and not _is_key(collections, target):
        child, parent = target, here  # written on the referenced end: turn it round
    child_collection, child_field = child.split(".")
    declared = collections[child_collection]["fields"][child_field]
    if declared.get("references") not in (None, parent):
        warnings.append(f"{child}: already references {declared['references']}; "
                        f"the reference to {parent} is dropped")
        return
    declared["references"] = parent


def _is_key(collections: Mapping[str, Mapping[str, Any]], path: str) -> bool:
    collection, name = path.split(".")
    keys = collections[collection].get("primary_key", ["id"])
    return name in keys


# --- manifest → Fides -----------------------------------------------------------------


def export_fides(manifest: Manifest) -> dict[str, Any]:
    return export_datastores(manifest.datastores)


def export_datastores(datastores: Mapping[str, Datastore]) -> dict[str, Any]:
    return {"dataset": [_dataset(name, store) for name, store in datastores.items()]}


def _dataset(name: str, store: Datastore) -> dict[str, Any]:
    dataset: dict[str, Any] = {"fides_key": name, "name": name}
    if store.description:
        dataset["description"] = store.description.best("en")
    dataset["collections"] = [
        _fides_collection(name, key, collection)
        for key, collection in sorted(store.collections.items())
    ]
    return dataset


def _fides_collection(dataset: str, name: str, collection: Collection) -> dict[str, Any]:
    result: dict[str, Any] = {"name": name}
    if collection.description:
        result["description"] = collection.description.best("en")
    result["fields"] = [
        _fides_field(dataset, field_name, collection)
        for field_name in sorted(collection.fields)
    ]
    return result


def _fides_field(dataset: str, name: str, collection: Collection) -> dict[str, Any]:
    declared = collection.fields[name]
    result: dict[str, Any] = {"name": name}
    if declared.description:
        result["description"] = declared.description.best("en")
    if declared.categories:
        result["data_categories"] = list(declared.categories)
    meta: dict[str, Any] = {}
    if name in collection.primary_key:
        meta["primary_key"] = True
    if declared.identity:
        meta["identity"] = IDENTITY_TO_FIDES.get(declared.identity, declared.identity)
    if declared.type in TYPE_TO_FIDES:
        meta["data_type"] = TYPE_TO_FIDES[declared.type]
    if declared.references:
        # No direction: Fides walks an undirected reference both ways, as requests do.
        meta["references"] = [{"dataset": dataset, "field": declared.references}]
    if meta:
        result["fides_meta"] = meta
    return result


def to_yaml(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
