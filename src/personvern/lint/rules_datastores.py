"""Rules on datastores: coverage by purposes, paths to the subject, erasure and holds."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from personvern.datastores.graph import SubjectGraph
from personvern.lint.facts import purpose_categories, related
from personvern.lint.rule import Hit, rule
from personvern.manifest.load import LoadedManifest
from personvern.manifest.taxonomy import is_personal


@rule("PV060", "stored-category-without-purpose", "error", "GDPR Art. 5(1)(b), 6(1)",
      fix="Add the category to the purpose that needs it, or stop storing the field.")
def stored_category_without_purpose(loaded: LoadedManifest) -> Iterator[Hit]:
    """A datastore field holds a personal category that no purpose covers.

    Purpose limitation (Art. 5(1)(b)): personal data is collected for specified purposes.
    Data kept for no declared purpose has no legal basis either.
    """
    covered = purpose_categories(loaded)
    for store, collection, name, data_field in loaded.manifest.fields():
        for index, category in enumerate(data_field.categories):
            if is_personal(category) and not any(related(loaded, category, c) for c in covered):
                yield ("datastores", store, "collections", collection, "fields", name,
                       "categories", index), (
                    f"{store}.{collection}.{name} holds {category}, which no purpose covers"
                )


@rule("PV061", "collection-unreachable", "error", "GDPR Art. 12(2), 15, 17",
      fix="Declare the reference (references: customers.id) or an identity field "
          "(identity: email) that links the rows to a person.")
def collection_unreachable(loaded: LoadedManifest) -> Iterator[Hit]:
    """A collection holds personal data but has no path to an identity field.

    Requests find a person's rows by following references from identity fields (e-mail,
    phone, customer number). Rows with no such path are missed by access and erasure, which
    breaks the controller's duty to facilitate the rights (Art. 12(2)).
    """
    for store_key, store in loaded.manifest.datastores.items():
        reachable = SubjectGraph.of(store).linked_to_identities()
        for name, collection in store.collections.items():
            if collection.personal and name not in reachable:
                yield ("datastores", store_key, "collections", name), (
                    f"{store_key}.{name} holds personal data but no reference or identity "
                    "field leads to it"
                )


@rule("PV062", "personal-field-without-erasure", "warning", "GDPR Art. 17(1)",
      fix="Give the field (or the collection) erasure: nullify | redact | pseudonymize | "
          "delete_row ….")
def personal_field_without_erasure(loaded: LoadedManifest) -> Iterator[Hit]:
    """A personal field has no erasure strategy.

    An erasure request (Art. 17) must be carried out field by field: delete the row, null
    the value, redact, pseudonymise. Without a declared strategy the engine cannot erase the
    field and would have to leave the data in place.
    """
    for store, name, collection in loaded.manifest.collections():
        for field_name, data_field in collection.fields.items():
            if data_field.personal and collection.masking_for(field_name) is None and (
                not data_field.identity and not data_field.references
            ):
                yield ("datastores", store, "collections", name, "fields", field_name), (
                    f"{store}.{name}.{field_name} is personal but has no erasure strategy"
                )


@rule("PV063", "identity-field-not-personal", "warning", "GDPR Art. 4(1)",
      fix="Give the identity field its data category (user.contact.email …).")
def identity_field_not_personal(loaded: LoadedManifest) -> Iterator[Hit]:
    """An identity field carries no data category.

    A field that identifies a person is personal data (Art. 4(1)); without a category it
    falls out of the data map, the notice and the purpose checks.
    """
    for store, collection, name, data_field in loaded.manifest.fields():
        if data_field.identity and not data_field.categories:
            yield ("datastores", store, "collections", collection, "fields", name), (
                f"{store}.{collection}.{name} is an identity field without a category"
            )


@rule("PV064", "legal-hold-incomplete", "error", "GDPR Art. 17(3)(b), 5(1)(e)",
      fix="Give the hold its period and anchor (after:, from:) and the fields it keeps "
          "(keep:), or use a catalog law such as no.bokforingsloven.")
def legal_hold_incomplete(loaded: LoadedManifest) -> Iterator[Hit]:
    """A legal hold does not say how long it lasts or what it keeps.

    The Art. 17(3) exception covers only what the law requires, only as long as it requires
    it; a hold without a period would keep data forever, one without fields keeps it all.
    """
    for store, name, collection in loaded.manifest.collections():
        for index, hold in enumerate(collection.legal_holds):
            where = ("datastores", store, "collections", name, "legal_holds", index)
            if hold.after is None or hold.from_ is None:
                yield where, f"legal hold {hold.law!r} on {store}.{name} has no period"
            if not hold.keep:
                yield where, f"legal hold {hold.law!r} on {store}.{name} keeps no listed field"


@rule("PV065", "retention-without-enforcement", "info", "GDPR Art. 5(1)(e), 5(2)",
      fix="Add a retention rule to the collections holding the purpose's data.")
def retention_without_enforcement(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose promises a retention period, but no datastore rule enforces any.

    Accountability (Art. 5(2)): the promise in the notice should be carried out by a
    retention rule that personvern runs on schedule. Checked only when datastores exist.
    """
    manifest = loaded.manifest
    if not manifest.datastores:
        return
    has_rules = any(
        collection.retention or any(f.retention for f in collection.fields.values())
        for _, _, collection in manifest.collections()
    )
    if has_rules:
        return
    for key, purpose in manifest.purposes.items():
        if purpose.retention and purpose.retention.after:
            yield ("purposes", key, "retention"), (
                f"purpose {key!r} promises {purpose.retention.after}, "
                "but no datastore has a retention rule"
            )


@rule("PV066", "credentials-in-manifest", "error", "GDPR Art. 32(1); personvern security policy",
      fix="Write url: ${SHOP_DATABASE_URL} and keep the secret in the environment.")
def credentials_in_manifest(loaded: LoadedManifest) -> Iterator[Hit]:
    """A datastore URL with a password is written into the manifest itself.

    Manifests live in git; secrets in them leak to everyone with read access. Credentials
    come only from the environment.
    """
    for key in loaded.manifest.datastores:
        raw = loaded.tree["datastores"][key].get("url")
        written = getattr(raw, "raw", raw)
        if isinstance(written, str) and "${" not in written:
            parts = urlsplit(written)
            if parts.password:
                yield ("datastores", key, "url"), (
                    f"datastore {key!r} has a password written in its url"
                )


@rule("PV067", "datastore-without-url", "info", "personvern",
      fix="Add url: ${SHOP_DATABASE_URL} so requests and retention can reach it.")
def datastore_without_url(loaded: LoadedManifest) -> Iterator[Hit]:
    """A datastore has no connection URL.

    The data map is still useful for the notice and the record of processing, but access,
    erasure and retention sweeps cannot reach a datastore without a connection.
    """
    for key, store in loaded.manifest.datastores.items():
        if store.url is None:
            yield ("datastores", key), f"datastore {key!r} has no url"
