"""Writing the privacy notice from a manifest: one function per element of Art. 13 and 14.

The notice says what the manifest declares, no more: where the manifest has a gap (no
legal basis, no retention), the notice says "not stated" and the linter reports the gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from personvern import catalog
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import (
    ConsentBasis,
    Cookie,
    LegitimateInterestsBasis,
    Manifest,
    Purpose,
    SupervisoryAuthority,
)
from personvern.manifest.summary import BASIS_ARTICLE
from personvern.notice.model import (
    Block,
    BulletList,
    Fact,
    Facts,
    Notice,
    NoticeSection,
    Paragraph,
    Table,
)
from personvern.notice.phrases import Language, capitalize
from personvern.notice.words import (
    address_text,
    bases_text,
    category_names,
    contact_point,
    destinations_text,
    hold_text,
    legal_holds,
    manifest_date,
    manifest_version,
    purpose_name,
    quoted_purposes,
    recipient_label,
    recipient_name,
    recipient_places,
    retention_laws,
    retention_text,
    rights_how,
    safeguard_text,
    sentence,
    text,
    transfer_route,
    withdrawal_text,
)

# The sections every notice has, with the provision each fulfils. A section is never left
# out when the manifest has nothing to say: it then says so (e.g. "no transfers").
ELEMENTS: dict[str, tuple[str, ...]] = {
    "controller": ("13(1)(a)", "14(1)(a)", "26(2)", "27"),
    "dpo": ("13(1)(b)", "14(1)(b)"),
    "purposes": ("13(1)(c)", "13(1)(d)", "14(1)(c)", "14(1)(d)", "14(2)(b)"),
    "sources": ("14(1)(d)", "14(2)(f)"),
    "recipients": ("13(1)(e)", "14(1)(e)"),
    "transfers": ("13(1)(f)", "14(1)(f)", "44-49"),
    "retention": ("13(2)(a)", "14(2)(a)", "17(3)"),
    "automated": ("13(2)(f)", "14(2)(g)", "22"),
    "requirement": ("13(2)(e)",),
    "rights": ("13(2)(b)", "13(2)(c)", "14(2)(c)", "14(2)(d)", "7(3)", "12", "15-21"),
    "complaint": ("13(2)(d)", "14(2)(e)", "77"),
    "cookies": ("ePrivacy 5(3)",),
    "version": ("12(1)",),
}

MAX_SUMMARY_NAMES = 5


def build_notice(
    loaded: LoadedManifest, language: str, *, published: date | None = None
) -> Notice:
    """The privacy notice of ``loaded`` in ``language`` (``nb``, ``sv`` or ``en``)."""
    lang = Language(language)
    manifest = loaded.manifest
    org = manifest.organization.name
    version = manifest_version(manifest)
    day = published or manifest_date(loaded)
    builders = {
        "controller": _controller,
        "dpo": _dpo,
        "purposes": _purposes,
        "sources": _sources,
        "recipients": _recipients,
        "transfers": _transfers,
        "retention": _retention,
        "automated": _automated,
        "requirement": _requirement,
        "rights": _rights,
        "complaint": _complaint,
        "cookies": _cookies,
    }
    sections = []
    for key, build in builders.items():
        content = build(loaded, lang)
        sections.append(NoticeSection(
            key=key, heading=lang(f"{key}.heading"), articles=ELEMENTS[key],
            blocks=content.blocks, subsections=content.subsections,
        ))
    sections.append(NoticeSection(
        key="version", heading=lang("version.heading"), articles=ELEMENTS["version"],
        blocks=(Paragraph(text=lang("version.text", version=version, date=lang.date(day))),),
    ))
    return Notice(
        language=lang.code,
        title=lang("title", org=org),
        controller=org,
        version=version,
        date=day,
        updated=lang("updated", date=lang.date(day), version=version),
        intro=lang("intro", org=org),
        summary=_summary(loaded, lang),
        sections=tuple(sections),
    )


@dataclass(frozen=True)
class Content:
    """What a section holds below its heading."""

    blocks: tuple[Block, ...] = ()
    subsections: tuple[NoticeSection, ...] = ()


# --- the first layer -----------------------------------------------------------------


def _summary(loaded: LoadedManifest, lang: Language) -> NoticeSection:
    """A short first layer: who, why, on what basis, with whom, where, and the rights."""
    manifest = loaded.manifest
    organization = manifest.organization
    items = [lang("summary.controller", org=organization.name)]
    uses = _unique(p.data_use.split(".")[0] for p in manifest.purposes.values())
    if uses:
        items.append(lang("summary.purposes", uses=lang.join(lang(f"use.{u}") for u in uses)))
    bases = [b for b in BASIS_ARTICLE if any(p.has_basis(b) for p in manifest.purposes.values())]
    if bases:
        items.append(lang("summary.bases", bases=lang.join(lang(f"basis_short.{b}")
                                                           for b in bases)))
    items.append(_summary_sharing(manifest, lang))
    items.append(_summary_transfers(manifest, lang))
    items.append(lang("summary.retention"))
    items.append(lang("summary.rights", how=rights_how(organization, lang)))
    authority = _authority(manifest)
    items.append(lang("summary.complaint", authority=authority.name) if authority
                 else lang("summary.complaint_any"))
    count = len(manifest.cookies)
    items.append(lang("summary.cookies", count=count) if count else lang("summary.cookies_none"))
    return NoticeSection(
        key="summary", heading=lang("summary.heading"), articles=("12(1)",),
        blocks=(BulletList(items=tuple(items)),),
    )


def _summary_sharing(manifest: Manifest, lang: Language) -> str:
    # Well-known services (from the catalog) first: they tell a reader most.
    ordered = sorted(manifest.recipients.values(), key=lambda r: r.catalog is None)
    names = _unique(recipient_name(r) for r in ordered)
    if not names:
        return lang("summary.sharing_none")
    return lang("summary.sharing", count=len(names),
                names=lang.join(names[:MAX_SUMMARY_NAMES]))


def _summary_transfers(manifest: Manifest, lang: Language) -> str:
    routes = [route for r in manifest.recipients.values() if (route := transfer_route(r))]
    if not routes:
        return lang("summary.transfers_none")
    countries = _unique(lang.country(c) for route in routes for c in route.destinations)
    if not countries:
        return lang("summary.transfers_unspecified")
    return lang("summary.transfers", countries=", ".join(countries))


# --- Art. 13(1)(a), (b) --------------------------------------------------------------


def _controller(loaded: LoadedManifest, lang: Language) -> Content:
    manifest = loaded.manifest
    organization = manifest.organization
    facts = [
        (lang("label.org_number"), organization.org_number),
        (lang("label.address"), address_text(organization, lang)),
        (lang("label.email"), organization.email),
        (lang("label.phone"), organization.phone),
        (lang("label.website"), organization.website),
        (lang("label.portal"), organization.privacy_portal),
    ]
    blocks: list[Block] = [
        Paragraph(text=lang("controller.text", org=organization.name)),
        Facts(items=tuple(Fact(label=k, value=v) for k, v in facts if v)),
    ]
    representative = organization.representative
    if representative and representative.name:
        contact = representative.email or representative.phone or representative.address or ""
        blocks.append(Paragraph(text=lang("controller.representative",
                                          name=representative.name, contact=contact)))
    # Art. 26(2): the essence of a joint arrangement is made available to the subject.
    for key, recipient in manifest.recipients.items():
        if recipient.role != "joint_controller":
            continue
        purposes = [p for p in manifest.purposes.values() if key in p.recipients]
        joint = lang("controller.joint", name=recipient_name(recipient),
                     purposes=quoted_purposes(purposes, lang) or lang("value.not_stated"))
        arrangement = text(recipient.arrangement, lang)
        blocks.append(Paragraph(text=joint + (" " + sentence(arrangement) if arrangement
                                              else "")))
    return Content(blocks=tuple(blocks))


def _dpo(loaded: LoadedManifest, lang: Language) -> Content:
    organization = loaded.manifest.organization
    dpo = organization.dpo
    contact = (dpo.email or dpo.phone or dpo.address or dpo.url) if dpo else None
    if dpo and contact:
        line = (lang("dpo.text", name=dpo.name, contact=contact) if dpo.name
                else lang("dpo.text_unnamed", contact=contact))
    elif contact_point(organization):
        line = lang("dpo.none", contact=contact_point(organization))
    else:
        line = lang("dpo.none_no_contact")
    return Content(blocks=(Paragraph(text=line),))


# --- Art. 13(1)(c)–(e), 14(1)(d) ------------------------------------------------------


def _purposes(loaded: LoadedManifest, lang: Language) -> Content:
    subsections = tuple(
        _purpose(loaded, key, purpose, lang)
        for key, purpose in loaded.manifest.purposes.items()
    )
    return Content(blocks=(Paragraph(text=lang("purposes.intro")),), subsections=subsections)


def _purpose(loaded: LoadedManifest, key: str, purpose: Purpose, lang: Language) -> NoticeSection:
    manifest = loaded.manifest
    facts: list[Fact] = []
    if purpose.categories:
        facts.append(Fact(label=lang("label.categories"), value=capitalize(
            ", ".join(category_names(loaded, purpose.categories, lang)))))
    facts.append(Fact(label=lang("label.legal_basis"), value=bases_text(purpose, lang)))
    withdrawal = withdrawal_text(purpose, lang)
    if withdrawal:
        facts.append(Fact(label=lang("label.withdraw"), value=sentence(withdrawal)))
    facts.append(Fact(label=lang("label.retention"),
                      value=retention_text(purpose.retention, lang)
                      or sentence(capitalize(lang("value.not_stated")))))
    recipients = [recipient_name(manifest.recipients[r]) for r in purpose.recipients
                  if r in manifest.recipients]
    if recipients:
        facts.append(Fact(label=lang("label.recipients"), value=", ".join(recipients)))
    sources = _purpose_sources(purpose, lang)
    if sources:
        facts.append(Fact(label=lang("label.sources"), value=sources))
    blocks: list[Paragraph | Facts] = []
    description = text(purpose.description, lang)
    if description:
        blocks.append(Paragraph(text=sentence(description)))
    blocks.append(Facts(items=tuple(facts)))
    return NoticeSection(key=f"purpose.{key}", heading=purpose_name(purpose, lang),
                         blocks=tuple(blocks))


def _purpose_sources(purpose: Purpose, lang: Language) -> str:
    if all(source.kind == "subject" for source in purpose.sources):
        return ""
    words = []
    for source in purpose.sources:
        if source.kind == "third_party":
            name = source.name or source.recipient
            words.append(lang("source.third_party", source=name) if name
                         else lang("source.third_party_unnamed"))
        else:
            words.append(lang(f"source.{source.kind}"))
    return capitalize(", ".join(_unique(words)))


def _sources(loaded: LoadedManifest, lang: Language) -> Content:
    """Art. 14: data not obtained from the subject — its categories and its source."""
    manifest = loaded.manifest
    purposes = list(manifest.purposes.values())

    def having(kind: str) -> list[Purpose]:
        return [p for p in purposes if any(s.kind == kind for s in p.sources)]

    blocks: list[Paragraph] = []
    if having("subject") or not purposes:
        blocks.append(Paragraph(text=lang("sources.subject")))
    for kind in ("observed", "generated", "public"):
        found = having(kind)
        if found:
            blocks.append(Paragraph(text=lang(f"sources.{kind}",
                                              purposes=quoted_purposes(found, lang))))
    by_source: dict[str, list[Purpose]] = {}
    for purpose in purposes:
        for source in purpose.sources:
            if source.kind == "third_party":
                known = manifest.recipients.get(source.recipient or "")
                name = source.name or (recipient_name(known) if known else "") or lang(
                    "source.third_party_unnamed")
                by_source.setdefault(name, []).append(purpose)
    for name, found in by_source.items():
        keys = tuple(k for p in found for k in p.categories)
        categories = ", ".join(category_names(loaded, keys, lang)) or lang("value.not_stated")
        blocks.append(Paragraph(text=lang("sources.third_party", source=name,
                                          categories=categories,
                                          purposes=quoted_purposes(found, lang))))
    return Content(blocks=tuple(blocks))


def _recipients(loaded: LoadedManifest, lang: Language) -> Content:
    manifest = loaded.manifest
    if not manifest.recipients:
        return Content(blocks=(Paragraph(text=lang("recipients.none")),))
    rows = []
    for key, recipient in manifest.recipients.items():
        purposes = [purpose_name(p, lang) for p in manifest.purposes.values()
                    if key in p.recipients]
        rows.append((
            recipient_label(recipient),
            lang(f"role.{recipient.role}"),
            recipient_places(recipient, lang),
            ", ".join(purposes) or "–",
        ))
    table = Table(
        caption=lang("recipients.heading"),
        columns=(lang("label.recipient"), lang("label.role"), lang("label.country"),
                 lang("label.purposes")),
        rows=tuple(rows),
    )
    return Content(blocks=(Paragraph(text=lang("recipients.intro")), table))


def _transfers(loaded: LoadedManifest, lang: Language) -> Content:
    rows = []
    for recipient in loaded.manifest.recipients.values():
        route = transfer_route(recipient)
        if route is None:
            continue
        safeguard = capitalize(safeguard_text(route, lang))
        description = text(route.description, lang)
        rows.append((
            recipient_label(recipient),
            destinations_text(route, lang),
            sentence(safeguard) + (" " + sentence(description) if description else ""),
        ))
    if not rows:
        return Content(blocks=(Paragraph(text=lang("transfers.none")),))
    table = Table(
        caption=lang("transfers.heading"),
        columns=(lang("label.recipient"), lang("label.country"), lang("label.safeguard")),
        rows=tuple(rows),
    )
    return Content(blocks=(Paragraph(text=lang("transfers.intro")), table))


# --- Art. 13(2) ------------------------------------------------------------------------


def _retention(loaded: LoadedManifest, lang: Language) -> Content:
    manifest = loaded.manifest
    rows = tuple(
        (purpose_name(p, lang), retention_text(p.retention, lang)
         or sentence(capitalize(lang("value.not_stated"))))
        for p in manifest.purposes.values()
    )
    blocks: list[Block] = [Paragraph(text=lang("retention.intro"))]
    if rows:
        blocks.append(Table(
            caption=lang("retention.heading"),
            columns=(lang("label.purpose"), lang("label.retention")),
            rows=rows,
        ))
    holds = legal_holds(manifest)
    if holds:
        blocks.append(Paragraph(text=lang("retention.holds")))
        blocks.append(BulletList(items=tuple(hold_text(h, lang) for h in holds)))
    return Content(blocks=tuple(blocks))


def _automated(loaded: LoadedManifest, lang: Language) -> Content:
    """Art. 13(2)(f): logic, significance and consequences; Art. 22(3): human review."""
    manifest = loaded.manifest
    subsections = []
    for key, purpose in manifest.purposes.items():
        profiling = purpose.profiling
        if profiling is None:
            continue
        facts = []
        logic = text(profiling.logic, lang)
        if logic:
            facts.append(Fact(label=lang("label.logic"), value=sentence(logic)))
        decision = profiling.automated_decision and profiling.legal_effect
        significance = text(profiling.significance, lang)
        facts.append(Fact(
            label=lang("label.significance"),
            value=" ".join(filter(None, (
                lang("automated.decision") if decision else lang("automated.profiling_only"),
                sentence(significance) if significance else "",
            ))),
        ))
        if profiling.automated_decision:
            review = text(profiling.human_review, lang) or lang(
                "automated.human_review", how=rights_how(manifest.organization, lang))
            facts.append(Fact(label=lang("label.human_review"), value=sentence(review)))
        paragraphs = []
        if any(isinstance(b, LegitimateInterestsBasis) for b in purpose.legal_basis):
            paragraphs.append(Paragraph(text=lang("automated.object")))
        if purpose.consent is not None:
            paragraphs.append(Paragraph(text=lang("automated.withdraw")))
        subsections.append(NoticeSection(
            key=f"automated.{key}", heading=purpose_name(purpose, lang),
            blocks=(Facts(items=tuple(facts)), *paragraphs),
        ))
    if not subsections:
        return Content(blocks=(Paragraph(text=lang("automated.none")),))
    return Content(subsections=tuple(subsections))


def _requirement_of(purpose: Purpose) -> str | None:
    """Art. 13(2)(e), declared or read from the basis of data the subject gives."""
    if purpose.requirement:
        return purpose.requirement
    if not any(source.kind == "subject" for source in purpose.sources):
        return None
    if purpose.has_basis("legal_obligation"):
        return "statutory"
    if purpose.has_basis("contract"):
        return "contractual"
    if purpose.legal_basis and all(isinstance(b, ConsentBasis) for b in purpose.legal_basis):
        return "voluntary"
    return None


def _requirement(loaded: LoadedManifest, lang: Language) -> Content:
    rows = []
    for purpose in loaded.manifest.purposes.values():
        requirement = _requirement_of(purpose)
        if requirement is None:
            continue
        consequence = sentence(text(purpose.consequences, lang)) or lang(
            f"consequence.{requirement}")
        rows.append((purpose_name(purpose, lang), capitalize(lang(f"requirement.{requirement}")),
                     consequence))
    blocks: list[Block] = [Paragraph(text=lang("requirement.intro"))]
    if rows:
        blocks.append(Table(
            caption=lang("requirement.heading"),
            columns=(lang("label.purpose"), lang("label.required"),
                     lang("label.consequences")),
            rows=tuple(rows),
        ))
    blocks.append(Paragraph(text=lang("requirement.general")))
    return Content(blocks=tuple(blocks))


def _rights(loaded: LoadedManifest, lang: Language) -> Content:
    manifest = loaded.manifest
    erasure = lang("right.erasure.text")
    laws = retention_laws(manifest)
    if laws:
        erasure += " " + lang("right.erasure.laws", laws=lang.join(laws))
    rights = [
        Fact(label=lang("right.access"), value=lang("right.access.text")),
        Fact(label=lang("right.rectification"), value=lang("right.rectification.text")),
        Fact(label=lang("right.erasure"), value=erasure),
        Fact(label=lang("right.restriction"), value=lang("right.restriction.text")),
        Fact(label=lang("right.objection"), value=lang("right.objection.text")),
        Fact(label=lang("right.portability"), value=lang("right.portability.text")),
        Fact(label=lang("right.withdraw"), value=lang("right.withdraw.text")),
    ]
    blocks: list[Block] = [
        Paragraph(text=lang("rights.intro")),
        Facts(items=tuple(rights)),
    ]
    withdrawals = [
        f"{purpose_name(p, lang)}: {sentence(withdrawal_text(p, lang))}"
        for p in manifest.purposes.values() if withdrawal_text(p, lang)
    ]
    if withdrawals:
        blocks.append(Paragraph(text=lang("right.withdraw.how")))
        blocks.append(BulletList(items=tuple(withdrawals)))
    blocks.append(Paragraph(text=rights_how(manifest.organization, lang)))
    blocks.append(Paragraph(text=lang("rights.identity")))
    return Content(blocks=tuple(blocks))


def _authority(manifest: Manifest) -> SupervisoryAuthority | None:
    """The declared authority, completed from the catalog when only its name is given."""
    declared = manifest.organization.supervisory_authority
    known = catalog.authorities().get(manifest.organization.country)
    if declared is None:
        return SupervisoryAuthority.model_validate(known) if known else None
    if known and known.get("name") == declared.name:
        filled = {**known, **declared.model_dump(exclude_none=True)}
        return SupervisoryAuthority.model_validate(filled)
    return declared


def _complaint(loaded: LoadedManifest, lang: Language) -> Content:
    authority = _authority(loaded.manifest)
    if authority is None:
        return Content(blocks=(Paragraph(text=lang("complaint.none")),))
    facts = [
        (lang("label.address"), authority.address),
        (lang("label.email"), authority.email),
        (lang("label.phone"), authority.phone),
        (lang("label.website"), authority.url),
    ]
    return Content(blocks=(
        Paragraph(text=lang("complaint.text", authority=authority.name)),
        Facts(items=tuple(Fact(label=k, value=v) for k, v in facts if v)),
        Paragraph(text=lang("complaint.any")),
    ))


# --- cookies (ePrivacy Directive Art. 5(3)) ----------------------------------------------


def _cookies(loaded: LoadedManifest, lang: Language) -> Content:
    manifest = loaded.manifest
    subsections = []
    for key, category in manifest.consent_categories.items():
        cookies = [c for c in manifest.cookies if c.category == key]
        if manifest.cookies and not cookies:
            continue
        blocks: list[Block] = []
        description = text(category.description, lang)
        if description:
            blocks.append(Paragraph(text=sentence(description)))
        # Strictly necessary storage needs no consent (ePrivacy Art. 5(3)); for the other
        # categories the notice says "consent" only where a purpose declares it.
        if category.necessary:
            blocks.append(Paragraph(text=lang("cookies.necessary")))
        elif any(isinstance(b, ConsentBasis) and b.category == key
                 for p in manifest.purposes.values() for b in p.legal_basis):
            blocks.append(Paragraph(text=lang("cookies.consent")))
        if cookies:
            blocks.append(Table(
                caption=category.name.best(lang.code),
                columns=(lang("label.cookie"), lang("label.provider"),
                         lang("label.cookie_purpose"), lang("label.duration")),
                rows=tuple(_cookie_row(loaded, c, lang) for c in cookies),
            ))
        subsections.append(NoticeSection(key=f"cookies.{key}",
                                         heading=category.name.best(lang.code),
                                         blocks=tuple(blocks)))
    intro = lang("cookies.intro") if manifest.cookies else lang("cookies.none")
    return Content(blocks=(Paragraph(text=intro),), subsections=tuple(subsections))


def _cookie_row(loaded: LoadedManifest, cookie: Cookie, lang: Language) -> tuple[str, ...]:
    manifest = loaded.manifest
    if cookie.provider in manifest.recipients:
        provider = recipient_name(manifest.recipients[cookie.provider])
    else:
        provider = lang("cookies.first_party", org=manifest.organization.name)
    purpose = text(cookie.description, lang) or ", ".join(
        purpose_name(manifest.purposes[p], lang) for p in cookie.purposes
        if p in manifest.purposes
    )
    if cookie.duration == "session":
        duration = lang("cookies.session")
    elif cookie.duration is None:
        duration = lang("value.not_stated")
    else:
        duration = lang.duration(cookie.duration)
    return (cookie.name, provider, sentence(purpose) if purpose else "–", duration)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
