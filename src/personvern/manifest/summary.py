"""A readable overview of a loaded manifest, for the terminal."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from personvern import catalog
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import (
    ConsentBasis,
    LegalBasis,
    LegalObligationBasis,
    Purpose,
    Recipient,
)

BASIS_ARTICLE = {
    "consent": "6(1)(a)",
    "contract": "6(1)(b)",
    "legal_obligation": "6(1)(c)",
    "vital_interests": "6(1)(d)",
    "public_task": "6(1)(e)",
    "legitimate_interests": "6(1)(f)",
}


def describe_basis(basis: LegalBasis) -> str:
    text = f"{basis.basis.replace('_', ' ')} ({BASIS_ARTICLE[basis.basis]})"
    if isinstance(basis, LegalObligationBasis) and basis.law:
        text += f": {basis.law}" + (f" {basis.section}" if basis.section else "")
    if isinstance(basis, ConsentBasis) and basis.category:
        text += f" [{basis.category}]"
    return text


def describe_retention(purpose: Purpose, language: str) -> str:
    retention = purpose.retention
    if retention is None:
        return "—"
    if retention.after is not None and retention.from_ is not None:
        anchor = retention.from_
        start = anchor.event or anchor.column or ""
        if anchor.end_of:
            start = f"end of {anchor.end_of.replace('_', ' ')} of {start}"
        return f"{retention.after} from {start.replace('_', ' ')}"
    return retention.criteria.best(language) if retention.criteria else "—"


def describe_transfer(recipient: Recipient) -> str:
    country = recipient.country
    if country is None:
        return "—"
    status = catalog.transfer_status(country)
    if status == "eea":
        return f"{country} (EEA)"
    mechanism = recipient.transfer.mechanism if recipient.transfer else "none"
    return f"{country}: {mechanism}"


def render_summary(loaded: LoadedManifest, console: Console, language: str | None = None) -> None:
    manifest = loaded.manifest
    organization = manifest.organization
    lang = language or organization.languages[0]
    authority = organization.supervisory_authority
    authority_name = authority.name if authority else "—"
    console.print(
        f"[bold]{organization.name}[/] ({organization.country}"
        f"{', ' + organization.org_number if organization.org_number else ''}) — "
        f"notice in {', '.join(organization.languages)}; supervisory authority: {authority_name}"
    )

    purposes = Table(title=f"Purposes ({len(manifest.purposes)})", title_justify="left")
    for column in ("purpose", "legal basis", "retention", "recipients"):
        purposes.add_column(column, overflow="fold")
    for key, purpose in manifest.purposes.items():
        purposes.add_row(
            f"{purpose.name.best(lang)}\n[dim]{key} · {purpose.data_use}[/]",
            "\n".join(describe_basis(b) for b in purpose.legal_basis) or "[red]none[/]",
            describe_retention(purpose, lang),
            ", ".join(purpose.recipients) or "—",
        )
    console.print(purposes)

    recipients = Table(title=f"Recipients ({len(manifest.recipients)})", title_justify="left")
    for column in ("recipient", "entity", "role", "country / transfer"):
        recipients.add_column(column, overflow="fold")
    for key, recipient in manifest.recipients.items():
        recipients.add_row(
            f"{recipient.name}\n[dim]{key}[/]", recipient.entity or "—",
            recipient.role.replace("_", " "), describe_transfer(recipient),
        )
    console.print(recipients)

    by_category = Counter(cookie.category for cookie in manifest.cookies)
    cookies = ", ".join(f"{category}: {count}" for category, count in by_category.items())
    console.print(f"[bold]Cookies ({len(manifest.cookies)})[/]: {cookies or 'none'}")

    for store_key, store in manifest.datastores.items():
        fields = sum(len(c.fields) for c in store.collections.values())
        personal = sum(1 for c in store.collections.values() if c.personal)
        holds = sum(len(c.legal_holds) for c in store.collections.values())
        rules = sum(
            len(c.retention) + sum(len(f.retention) for f in c.fields.values())
            for c in store.collections.values()
        )
        console.print(
            f"[bold]Datastore {store_key}[/]: {len(store.collections)} collections "
            f"({personal} with personal data), {fields} fields, {holds} legal holds, "
            f"{rules} retention rules"
        )
