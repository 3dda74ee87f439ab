"""The manifest's facts in plain words: categories, bases, periods, roles, transfers.

Shared by the notice, the diff and the record of processing, so the three always say the
same thing the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from personvern import catalog
from personvern.duration import Duration
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import (
    Anchor,
    ConsentBasis,
    ContractBasis,
    LegalBasis,
    LegalHold,
    LegalObligationBasis,
    LegitimateInterestsBasis,
    LocalizedText,
    Manifest,
    Organization,
    Purpose,
    Recipient,
    Retention,
    TransferMechanism,
)
from personvern.notice.phrases import Language, capitalize

# --- identity of a version -------------------------------------------------------------


def manifest_version(manifest: Manifest) -> str:
    """A stable hash of the manifest's content: the same declarations, the same version.

    Secrets (datastore URLs) are masked by the dump, so the version does not depend on the
    environment the manifest was loaded in.
    """
    content = manifest.model_dump(mode="json", by_alias=True)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def manifest_date(loaded: LoadedManifest) -> date:
    """When the declarations last changed: the newest of the manifest's files."""
    stamps = [path.stat().st_mtime for path in loaded.files if path.exists()]
    if not stamps:
        return datetime.now(UTC).date()
    return datetime.fromtimestamp(max(stamps), UTC).date()


# --- texts of the manifest -------------------------------------------------------------


def text(value: LocalizedText | None, lang: Language) -> str:
    return value.best(lang.code).strip() if value is not None else ""


def sentence(value: str) -> str:
    """Ending in a full stop, so joined parts read as sentences. The shop's own text keeps
    its case: brand names such as «zooPoeng» start in lower case."""
    value = value.strip()
    return value if not value or value[-1] in ".!?:" else value + "."


# --- vocabulary ------------------------------------------------------------------------


def category_name(loaded: LoadedManifest, key: str, lang: Language) -> str:
    """A data category in plain words: the shop's own name, our label, or an ancestor's."""
    custom = loaded.manifest.data_categories.get(key)
    if custom is not None and custom.name is not None:
        # A shop names its category as a title («Produkter och avtal»); in a list of
        # categories it reads as a common noun. Acronyms («IP-adresse») keep their case.
        name = custom.name.best(lang.code)
        return name[:1].lower() + name[1:] if name[1:2].islower() else name
    for ancestor in loaded.taxonomy.ancestors("data category", key):
        if ancestor in lang.categories:
            return lang.categories[ancestor]
    term = loaded.taxonomy.term("data category", key)
    return term.name if term else key


def category_names(loaded: LoadedManifest, keys: tuple[str, ...], lang: Language) -> list[str]:
    names: list[str] = []
    for key in keys:
        name = category_name(loaded, key, lang)
        if name not in names:
            names.append(name)
    return names


def subject_name(loaded: LoadedManifest, key: str, lang: Language) -> str:
    custom = loaded.manifest.data_subjects.get(key)
    if custom is not None and custom.name is not None:
        return custom.name.best(lang.code)
    if key in lang.subjects:
        return lang.subjects[key]
    term = loaded.taxonomy.term("data subject", key)
    return term.name if term else key


def purpose_name(purpose: Purpose, lang: Language) -> str:
    return purpose.name.best(lang.code)


def quoted_purposes(purposes: list[Purpose], lang: Language) -> str:
    return lang.join([lang.quote(purpose_name(p, lang)) for p in purposes])


# --- legal bases (Art. 6(1)) -----------------------------------------------------------


def law_name(law: str) -> str:
    """``Bokføringsloven (Norway)`` → ``bokføringsloven``: Nordic law names are written in
    lower case in running text, and the catalog's country note is English."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", law.strip())
    if re.match(r"^[A-ZÆØÅÄÖ][a-zæøåäö]+(loven|lagen|lov|lag)\b", name):
        name = name[0].lower() + name[1:]
    return name


def basis_text(basis: LegalBasis, lang: Language) -> str:
    """The legal basis in plain words with its article, and what the manifest adds."""
    if isinstance(basis, LegalObligationBasis) and basis.law:
        law = law_name(basis.law) + (f" {basis.section}" if basis.section else "")
        words = lang("basis.legal_obligation_law", law=law)
    elif isinstance(basis, LegitimateInterestsBasis) and basis.interest:
        interest = text(basis.interest, lang).rstrip(".")
        words = lang("basis.legitimate_interests_with", interest=interest)
    else:
        words = lang(f"basis.{basis.basis}")
    words = sentence(capitalize(words))
    if isinstance(basis, ContractBasis) and basis.contract:
        words += " " + sentence(text(basis.contract, lang))
    return words


def bases_text(purpose: Purpose, lang: Language) -> str:
    if not purpose.legal_basis:
        return sentence(capitalize(lang("basis.none")))
    return " ".join(basis_text(basis, lang) for basis in purpose.legal_basis)


def basis_short(purpose: Purpose, lang: Language) -> str:
    if not purpose.legal_basis:
        return lang("basis_short.none")
    return lang.join([lang(f"basis_short.{b.basis}") for b in purpose.legal_basis])


def withdrawal_text(purpose: Purpose, lang: Language) -> str:
    consent = purpose.consent
    return text(consent.withdrawal, lang) if isinstance(consent, ConsentBasis) else ""


# --- retention (Art. 13(2)(a), 30(1)(f)) -------------------------------------------------


def period_text(after: Duration, anchor: Anchor, lang: Language) -> str:
    """``5 år etter utgangen av regnskapsåret``, ``2 måneder etter at de ble lagret``."""
    period = lang.duration(after)
    if anchor.end_of:
        return lang(f"retention.end_of.{anchor.end_of}", period=period)
    event = lang(f"event.{anchor.event}") if anchor.event else lang("event.column")
    if after.approximate_days() == 0:
        return lang("retention.until", event=event)
    return lang("retention.after", period=period, event=event)


def retention_text(retention: Retention | None, lang: Language) -> str:
    """The period and the criteria of a purpose, as sentences; empty when none is given."""
    if retention is None:
        return ""
    parts = []
    if retention.after is not None and retention.from_ is not None:
        parts.append(sentence(period_text(retention.after, retention.from_, lang)))
    if retention.criteria is not None:
        parts.append(sentence(text(retention.criteria, lang)))
    return " ".join(parts)


def legal_holds(manifest: Manifest) -> list[LegalHold]:
    """The laws that keep data from erasure (Art. 17(3)(b), (e)), each once."""
    seen: set[tuple[str, str | None]] = set()
    holds = []
    for _store, _name, collection in manifest.collections():
        for hold in collection.legal_holds:
            if (hold.law, hold.section) not in seen:
                seen.add((hold.law, hold.section))
                holds.append(hold)
    return holds


def hold_law(hold: LegalHold) -> str:
    return law_name(hold.law) + (f" {hold.section}" if hold.section else "")


def hold_text(hold: LegalHold, lang: Language) -> str:
    parts = [capitalize(hold_law(hold))]
    if hold.after is not None and hold.from_ is not None:
        parts[0] += ": " + period_text(hold.after, hold.from_, lang)
    reason = text(hold.reason, lang)
    return sentence(parts[0]) + (" " + sentence(reason) if reason else "")


def retention_laws(manifest: Manifest) -> list[str]:
    """The laws that oblige the shop to keep data: legal holds, else 6(1)(c) laws."""
    laws = [hold_law(hold) for hold in legal_holds(manifest)]
    if not laws:
        for purpose in manifest.purposes.values():
            for basis in purpose.legal_basis:
                if isinstance(basis, LegalObligationBasis) and basis.law:
                    law = law_name(basis.law) + (f" {basis.section}" if basis.section else "")
                    if law not in laws:
                        laws.append(law)
    return laws


# --- recipients and transfers (Art. 13(1)(e), (f); Chapter V) ----------------------------


def recipient_name(recipient: Recipient) -> str:
    """The recipient's name; a catalog name's note in brackets (``Meta (Facebook and
    Instagram)``) is English and left out."""
    if recipient.catalog:
        return re.sub(r"\s*\([^)]*\)\s*$", "", recipient.name) or recipient.name
    return recipient.name


def recipient_label(recipient: Recipient) -> str:
    """``Optivo (Episerver AB)``: the name a reader knows, and the legal entity."""
    name = recipient_name(recipient)
    entity = recipient.entity
    if entity and entity.casefold() != name.casefold():
        return f"{name} ({entity})"
    return name


def recipient_places(recipient: Recipient, lang: Language) -> str:
    codes = [c for c in (recipient.country, *recipient.data_locations) if c]
    names = []
    for code in codes:
        name = lang.country(code)
        if name not in names:
            names.append(name)
    return ", ".join(names) if names else lang("value.not_stated")


@dataclass(frozen=True)
class TransferRoute:
    """Where a recipient takes data outside the EEA, and under which safeguard."""

    destinations: tuple[str, ...]  # country codes; empty: "outside the EEA", unspecified
    mechanism: TransferMechanism  # "none" when the manifest states no safeguard
    derogation: str | None
    description: LocalizedText | None


def transfer_route(recipient: Recipient) -> TransferRoute | None:
    """The third-country transfer of a recipient, if it has one.

    A recipient transfers when its country or a data location is outside the EEA, or when
    it declares a safeguard (an EEA entity whose group stores data in the USA under the
    DPF). An adequate country needs no declared safeguard: the adequacy decision is it.
    """
    places = [c for c in (recipient.country, *recipient.data_locations) if c]
    outside = tuple(dict.fromkeys(c for c in places if catalog.transfer_status(c) != "eea"))
    declared = recipient.transfer
    mechanism: TransferMechanism = declared.mechanism if declared else "none"
    if not outside and mechanism == "none":
        return None
    if not outside and mechanism == "dpf":
        outside = ("US",)
    if mechanism == "none" and outside and all(
        catalog.transfer_status(c) == "adequacy" for c in outside
    ):
        mechanism = "adequacy"
    return TransferRoute(
        destinations=outside,
        mechanism=mechanism,
        derogation=declared.derogation if declared else None,
        description=declared.description if declared else None,
    )


def safeguard_text(route: TransferRoute, lang: Language, *, short: bool = False) -> str:
    key = f"safeguard_short.{route.mechanism}" if short else f"safeguard.{route.mechanism}"
    return lang(key, letter=route.derogation or "?")


def destinations_text(route: TransferRoute, lang: Language) -> str:
    if not route.destinations:
        return lang("country.outside_eea")
    return ", ".join(lang.country(code) for code in route.destinations)


# --- how to reach the shop -------------------------------------------------------------


def contact_point(organization: Organization) -> str:
    """The shop's privacy contact: its e-mail, else the DPO's, phone, portal or website."""
    dpo_email = organization.dpo.email if organization.dpo else None
    for value in (
        organization.email, dpo_email, organization.phone, organization.privacy_portal,
        organization.website,
    ):
        if value:
            return value
    return ""


def rights_how(organization: Organization, lang: Language) -> str:
    """How to use the rights: the privacy portal (personvern serves it at ``/portal``) if
    the shop has one, else the contact e-mail (Art. 12(2): facilitate the exercise)."""
    if organization.privacy_portal:
        return lang("rights.how_portal", portal=organization.privacy_portal)
    email = organization.email or (organization.dpo.email if organization.dpo else None)
    if email:
        return lang("rights.how_email", email=email)
    return lang("rights.how_none")


def address_text(organization: Organization, lang: Language) -> str:
    address = organization.address
    if address is None:
        return ""
    return (
        f"{address.street}, {address.postal_code} {address.city}, "
        f"{lang.country(address.country)}"
    )
