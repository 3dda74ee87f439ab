"""Loading a manifest: YAML → catalog defaults → pydantic model → cross-references.

Every problem is reported at once, each as ``file:line:col: message``; nothing is loaded
unless all of it is valid. The linter then judges the loaded manifest against the GDPR.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from personvern import catalog
from personvern.manifest import model
from personvern.manifest.errors import Location, ManifestError, Problem
from personvern.manifest.model import Anchor, Manifest
from personvern.manifest.source import (
    LocatedList,
    LocatedMap,
    SourceDocument,
    locate,
    read_manifest,
)
from personvern.manifest.taxonomy import Kind, Taxonomy, Term

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedManifest:
    """A valid manifest with the source it came from, for pointing at lines."""

    manifest: Manifest
    tree: LocatedMap
    files: tuple[Path, ...]
    taxonomy: Taxonomy
    warnings: tuple[Problem, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def locate(self, *path: str | int) -> Location | None:
        return locate(self.tree, path)


# --- catalog defaults -----------------------------------------------------------------


def _with_defaults(given: LocatedMap, defaults: Mapping[str, Any]) -> LocatedMap:
    """``given`` with ``defaults`` beneath it; defaults point at ``given``'s location."""
    merged = LocatedMap(given.location)
    for key, value in defaults.items():
        merged[key] = value
        merged.key_locations[key] = given.location
    for key, value in given.items():
        merged[key] = value
        merged.key_locations[key] = given.at(key)
    return merged


def _expand_recipients(tree: LocatedMap, problems: list[Problem]) -> None:
    recipients = tree.get("recipients")
    if not isinstance(recipients, LocatedMap):
        return
    known = list(catalog.vendors())
    for key, recipient in recipients.items():
        if not isinstance(recipient, LocatedMap) or "catalog" not in recipient:
            continue
        vendor = catalog.vendor(str(recipient["catalog"]))
        if vendor is None:
            problems.append(Problem(
                recipient.at("catalog"),
                f"recipients.{key}: unknown catalog vendor {recipient['catalog']!r}"
                + catalog.suggest(str(recipient["catalog"]), known),
            ))
            continue
        recipients[key] = _with_defaults(recipient, vendor.recipient_defaults())


def _provider_for(vendor_key: str, tree: LocatedMap) -> str:
    """The recipient key that stands for a catalog vendor in this manifest."""
    recipients = tree.get("recipients")
    if isinstance(recipients, Mapping):
        for key, recipient in recipients.items():
            if isinstance(recipient, Mapping) and recipient.get("catalog") == vendor_key:
                return str(key)
    return vendor_key


def _expand_cookies(tree: LocatedMap, problems: list[Problem]) -> None:
    """``- catalog: google_analytics`` stands for all cookies the catalog knows of it."""
    cookies = tree.get("cookies")
    if not isinstance(cookies, LocatedList):
        return
    expanded = LocatedList(cookies.location)
    for index, entry in enumerate(cookies):
        where = cookies.at(index)
        if not (isinstance(entry, LocatedMap) and "catalog" in entry and "name" not in entry):
            expanded.add(entry, where)
            continue
        vendor = catalog.vendor(str(entry["catalog"]))
        if vendor is None:
            problems.append(Problem(
                entry.at("catalog"),
                f"cookies[{index}]: unknown catalog vendor {entry['catalog']!r}"
                + catalog.suggest(str(entry["catalog"]), list(catalog.vendors())),
            ))
            continue
        if not vendor.cookies:
            problems.append(Problem(
                entry.at("catalog"), f"the catalog knows no cookies of {vendor.key!r}"
            ))
            continue
        provider = entry.get("provider") or _provider_for(vendor.key, tree)
        recipients = tree.get("recipients")
        if not (isinstance(provider, str) and isinstance(recipients, Mapping)
                and provider in recipients):
            problems.append(Problem(
                entry.at("catalog"),
                f"cookies[{index}]: {vendor.name} sets these cookies but is not a recipient; "
                f"add recipients: {{{vendor.key}: {{catalog: {vendor.key}}}}}",
            ))
            continue
        for known in vendor.cookies:
            defaults = known.model_dump(exclude_none=True)
            defaults.update(provider=provider, catalog=vendor.key)
            expanded.add(_with_defaults(entry, defaults), where)
    tree["cookies"] = expanded


def _expand_laws(tree: LocatedMap, problems: list[Problem]) -> None:
    stores = tree.get("datastores")
    if not isinstance(stores, Mapping):
        return
    laws = catalog.laws()
    for store in stores.values():
        collections = store.get("collections") if isinstance(store, Mapping) else None
        if not isinstance(collections, Mapping):
            continue
        for collection in collections.values():
            if not isinstance(collection, LocatedMap):
                continue
            holds = collection.get("legal_holds")
            if isinstance(holds, LocatedMap):  # one hold written without a list
                single = LocatedList(holds.location)
                single.add(holds, holds.location)
                collection["legal_holds"] = holds = single
            if not isinstance(holds, LocatedList):
                continue
            for index, hold in enumerate(holds):
                key = hold.get("law") if isinstance(hold, LocatedMap) else None
                if not (isinstance(key, str) and key in laws):
                    continue
                defaults = {k: v for k, v in laws[key].items() if k != "country"}
                column = defaults["from"].get("column")
                fields = collection.get("fields")
                if "from" not in hold and not (isinstance(fields, Mapping) and column in fields):
                    problems.append(Problem(hold.at("law"), (
                        f"{key} counts from a date column ({column!r} by default), which this "
                        f"collection lacks; add from: {{column: <your date column>, end_of: "
                        f"{defaults['from'].get('end_of', 'fiscal_year')}}}"
                    )))
                    continue
                merged = _with_defaults(hold, {**defaults, "catalog": key})
                merged["law"] = defaults["law"]  # the catalog key becomes the law's name
                holds[index] = merged


def _default_authority(tree: LocatedMap) -> None:
    """The supervisory authority follows from the controller's country unless overridden."""
    organization = tree.get("organization")
    if not isinstance(organization, LocatedMap) or "supervisory_authority" in organization:
        return
    country = organization.get("country")
    known = catalog.authorities().get(country.upper()) if isinstance(country, str) else None
    if known:
        organization["supervisory_authority"] = dict(known)
        organization.key_locations["supervisory_authority"] = organization.at("country")


def _default_consent_categories(tree: LocatedMap) -> None:
    """The four default banner categories, beneath the manifest's own (which may add more or
    rename them); ``necessary`` always exists, since vendor cookies rely on it."""
    declared = tree.get("consent_categories")
    if declared is not None and not isinstance(declared, LocatedMap):
        return  # a wrong type: validation reports it
    given = declared if declared is not None else LocatedMap(tree.location)
    tree["consent_categories"] = _with_defaults(given, catalog.consent_categories())
    tree.key_locations.setdefault("consent_categories", tree.location)


# --- validation -----------------------------------------------------------------------


def _field_names() -> list[str]:
    names: set[str] = set()
    for value in vars(model).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            for name, info in value.model_fields.items():
                names.add(info.alias or name)
    return sorted(names)


def _dotted(path: Path_) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _describe(error: Any) -> tuple[Path_, str]:
    """A pydantic error as (path into the raw tree, message for a person)."""
    loc: Path_ = tuple(s for s in error["loc"] if s != "[key]")
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        hint = catalog.suggest(name, _field_names())
        return loc, f"{_dotted(loc[:-1]) or 'top level'}: unknown key {name!r}{hint}"
    if kind == "missing":
        return loc[:-1], f"{_dotted(loc)}: required but missing"
    if kind == "union_tag_invalid":
        return loc, f"{_dotted(loc)}: {message}"
    if kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
    # The path of a model's own check ends inside the model; point at the model.
    return loc, f"{_dotted(loc)}: {message}" if loc else message


def _validate(document: SourceDocument) -> Manifest:
    tree = document.tree
    organization = tree.get("organization")
    languages = organization.get("languages") if isinstance(organization, Mapping) else None
    language = languages[0] if isinstance(languages, list) and languages else model.DEFAULT_LANGUAGE
    try:
        return Manifest.model_validate(tree, context={"language": str(language)})
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False, include_input=False):
            path, message = _describe(item)
            problems.append(Problem(locate(tree, path), message))
        raise ManifestError(problems) from None


# --- cross-references -----------------------------------------------------------------


def _taxonomy(manifest: Manifest) -> Taxonomy:
    custom: dict[Kind, dict[str, Term]] = {
        "data category": {
            key: Term(key, c.name.best("en") if c.name else key, c.parent,
                      c.description.best("en") if c.description else "", custom=True)
            for key, c in manifest.data_categories.items()
        },
        "data subject": {
            key: Term(key, s.name.best("en") if s.name else key, None,
                      s.description.best("en") if s.description else "", custom=True)
            for key, s in manifest.data_subjects.items()
        },
    }
    return Taxonomy(custom)


def _references(manifest: Manifest, taxonomy: Taxonomy) -> Iterator[tuple[Path_, str]]:
    """Every reference that names something that does not exist."""

    def unknown(kind: str, key: str, known: list[str]) -> str:
        close = difflib.get_close_matches(key, known, n=1)
        return f"unknown {kind} {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")

    def check(kind: Kind, key: str, path: Path_) -> Iterator[tuple[Path_, str]]:
        if not taxonomy.has(kind, key):
            yield path, unknown(kind, key, taxonomy.keys(kind))

    for key, category in manifest.data_categories.items():
        path: Path_ = ("data_categories", key)
        if taxonomy.is_default("data category", key):
            yield path, f"{key!r} is a fideslang category already; choose a key of your own"
        yield from check("data category", category.parent, (*path, "parent"))

    recipients = list(manifest.recipients)
    consent_categories = list(manifest.consent_categories)
    for key, purpose in manifest.purposes.items():
        path = ("purposes", key)
        yield from check("data use", purpose.data_use, (*path, "data_use"))
        for i, category_key in enumerate(purpose.categories):
            yield from check("data category", category_key, (*path, "categories", i))
        for i, subject in enumerate(purpose.subjects):
            yield from check("data subject", subject, (*path, "subjects", i))
        for i, recipient in enumerate(purpose.recipients):
            if recipient not in manifest.recipients:
                yield (*path, "recipients", i), unknown("recipient", recipient, recipients)
        for i, source in enumerate(purpose.sources):
            if source.recipient and source.recipient not in manifest.recipients:
                yield (*path, "sources", i, "recipient"), unknown(
                    "recipient", source.recipient, recipients
                )
        consent = purpose.consent
        if consent and consent.category and consent.category not in manifest.consent_categories:
            index = purpose.legal_basis.index(consent)
            yield (*path, "legal_basis", index, "category"), unknown(
                "consent category", consent.category, consent_categories
            )

    for key, declared in manifest.recipients.items():
        if declared.via and declared.via not in manifest.recipients:
            yield ("recipients", key, "via"), unknown("recipient", declared.via, recipients)

    seen: dict[tuple[str, str | None], int] = {}
    for i, cookie in enumerate(manifest.cookies):
        path = ("cookies", i)
        first = seen.setdefault((cookie.name, cookie.domain), i)
        if first != i:
            yield path, f"cookie {cookie.name!r} is declared twice (first as cookies[{first}])"
        if cookie.provider != "first_party" and cookie.provider not in manifest.recipients:
            yield (*path, "provider"), unknown("recipient", cookie.provider, recipients)
        if cookie.category not in manifest.consent_categories:
            yield (*path, "category"), unknown("consent category", cookie.category,
                                               consent_categories)
        for j, purpose_key in enumerate(cookie.purposes):
            if purpose_key not in manifest.purposes:
                yield (*path, "purposes", j), unknown("purpose", purpose_key,
                                                      list(manifest.purposes))

    for store_key, store in manifest.datastores.items():
        yield from _datastore_references(store_key, store, taxonomy, check)


def _datastore_references(
    store_key: str, store: model.Datastore, taxonomy: Taxonomy, check: Any
) -> Iterator[tuple[Path_, str]]:
    base: Path_ = ("datastores", store_key)
    for i, activity in enumerate(store.activity):
        if store.field_at(activity) is None:
            yield (*base, "activity", i), f"no such collection.field {activity!r} in {store_key}"
    for name, collection in store.collections.items():
        path: Path_ = (*base, "collections", name)
        columns = list(collection.fields)

        def column(
            value: str, where: Path_, columns: list[str] = columns, name: str = name
        ) -> Iterator[tuple[Path_, str]]:
            if value not in columns:
                close = difflib.get_close_matches(value, columns, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield where, f"no field {value!r} in {store_key}.{name}{hint}"

        if "primary_key" in collection.model_fields_set:
            for key in collection.primary_key:
                yield from column(key, (*path, "primary_key"))
        for field_name, data_field in collection.fields.items():
            where: Path_ = (*path, "fields", field_name)
            for i, category in enumerate(data_field.categories):
                yield from check("data category", category, (*where, "categories", i))
            if data_field.references and store.field_at(data_field.references) is None:
                yield (*where, "references"), (
                    f"references {data_field.references!r}, which is not a declared "
                    f"collection.field of {store_key}"
                )
            for j, rule in enumerate(data_field.retention):
                yield from _anchor(rule.from_, (*where, "retention", j, "from"), column)
        for j, hold in enumerate(collection.legal_holds):
            for kept in hold.keep:
                yield from column(kept, (*path, "legal_holds", j, "keep"))
            if hold.from_:
                yield from _anchor(hold.from_, (*path, "legal_holds", j, "from"), column)
        for j, rule in enumerate(collection.retention):
            for target in rule.fields:
                yield from column(target, (*path, "retention", j, "fields"))
            yield from _anchor(rule.from_, (*path, "retention", j, "from"), column)


def _anchor(anchor: Anchor, where: Path_, column: Any) -> Iterator[tuple[Path_, str]]:
    if anchor.column:
        yield from column(anchor.column, (*where, "column"))


# --- entry point ----------------------------------------------------------------------


def load_manifest(
    path: str | Path, environ: Mapping[str, str] | None = None
) -> LoadedManifest:
    """Load and validate a manifest file or folder; raises :class:`ManifestError`."""
    document = read_manifest(Path(path), environ)
    problems: list[Problem] = []
    _expand_recipients(document.tree, problems)
    _expand_cookies(document.tree, problems)
    _expand_laws(document.tree, problems)
    _default_consent_categories(document.tree)
    _default_authority(document.tree)
    if problems:
        raise ManifestError(problems)
    manifest = _validate(document)
    taxonomy = _taxonomy(manifest)
    problems = [
        Problem(locate(document.tree, where), f"{_dotted(where)}: {message}")
        for where, message in _references(manifest, taxonomy)
    ]
    if problems:
        raise ManifestError(problems)
    return LoadedManifest(
        manifest=manifest,
        tree=document.tree,
        files=tuple(document.files),
        taxonomy=taxonomy,
        warnings=tuple(document.unset_variables),
    )
