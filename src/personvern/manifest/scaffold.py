"""A first manifest from a few answers (``personvern init``).

The result declares the processing every web shop has (orders, bookkeeping, customer
service, security logs) plus what the answers add (newsletter, statistics, advertising),
with the shop's vendors taken from the catalog. It passes ``personvern check`` without
errors; warnings that remain are decisions only the shop can make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from personvern import catalog

# Notice languages by country; English is added for international customers.
LANGUAGES = {"NO": ["nb", "en"], "SE": ["sv", "en"], "DK": ["da", "en"],
             "FI": ["fi", "sv", "en"], "DE": ["de", "en"]}
BOOKKEEPING_LAW = {"NO": "no.bokforingsloven", "SE": "se.bokforingslagen",
                   "DK": "dk.bogforingsloven", "FI": "fi.kirjanpitolaki", "DE": "de.hgb-ao"}
# How long order data is kept for complaints (LEGAL.md, consumer complaint periods):
# forbrukerkjøpsloven § 27 (5 years for durable goods), konsumentköplagen (3), købeloven (2).
COMPLAINT_PERIOD = {"NO": "P5Y", "SE": "P3Y", "DK": "P2Y", "FI": "P2Y", "DE": "P2Y"}
SERVICES = {
    "payments": ("payment",),
    "carriers": ("carrier",),
    "analytics": ("analytics",),
    "advertising": ("advertising", "social"),
    "newsletter": ("email_marketing", "crm"),
    "platform": ("platform", "hosting"),
}

Text = dict[str, str]


def _t(en: str, nb: str, sv: str, da: str) -> Text:
    return {"en": en, "nb": nb, "sv": sv, "da": da}


TEXTS: dict[str, Text] = {
    "orders": _t("Taking and delivering your orders", "Behandle og levere bestillinger",
                 "Hantera och leverera beställningar", "Behandle og levere bestillinger"),
    "orders_description": _t(
        "We use your contact and order details to deliver what you buy, take payment and "
        "handle returns and complaints.",
        "Vi bruker kontakt- og ordreopplysningene dine til å levere det du kjøper, ta betalt "
        "og behandle retur og reklamasjoner.",
        "Vi använder dina kontakt- och orderuppgifter för att leverera det du köper, ta betalt "
        "och hantera returer och reklamationer.",
        "Vi bruger dine kontakt- og ordreoplysninger til at levere det, du køber, tage betaling "
        "og behandle returneringer og reklamationer."),
    "orders_consequences": _t(
        "Without them we cannot deliver your order.",
        "Uten dem kan vi ikke levere bestillingen din.",
        "Utan dem kan vi inte leverera din beställning.",
        "Uden dem kan vi ikke levere din bestilling."),
    "bookkeeping": _t("Bookkeeping", "Bokføring", "Bokföring", "Bogføring"),
    "bookkeeping_consequences": _t(
        "The law requires it; we cannot sell to you without keeping these records.",
        "Loven krever det; vi kan ikke selge til deg uten å oppbevare disse opplysningene.",
        "Lagen kräver det; vi kan inte sälja till dig utan att spara uppgifterna.",
        "Loven kræver det; vi kan ikke sælge til dig uden at opbevare oplysningerne."),
    "service": _t("Customer service", "Kundeservice", "Kundtjänst", "Kundeservice"),
    "security": _t("Security and fraud prevention", "Sikkerhet og forebygging av svindel",
                   "Säkerhet och förebyggande av bedrägerier",
                   "Sikkerhed og forebyggelse af svindel"),
    "security_interest": _t(
        "Keeping the shop and our customers safe from attacks, abuse and fraud.",
        "Å beskytte nettbutikken og kundene mot angrep, misbruk og svindel.",
        "Att skydda butiken och kunderna mot angrepp, missbruk och bedrägerier.",
        "At beskytte butikken og kunderne mod angreb, misbrug og svindel."),
    "security_balancing": _t(
        "Only technical data (IP address, browser) is used, for a short time and only for "
        "security; you would expect a shop to protect itself, and it protects you too.",
        "Bare tekniske data (IP-adresse, nettleser) brukes, i kort tid og bare til sikkerhet; "
        "du kan vente at en butikk beskytter seg, og det beskytter også deg.",
        "Endast tekniska uppgifter (IP-adress, webbläsare) används, under kort tid och bara "
        "för säkerhet; du kan förvänta dig att en butik skyddar sig, och det skyddar även dig.",
        "Kun tekniske data (IP-adresse, browser) bruges, i kort tid og kun til sikkerhed; du "
        "kan forvente, at en butik beskytter sig, og det beskytter også dig."),
    "newsletter": _t("Newsletter", "Nyhetsbrev", "Nyhetsbrev", "Nyhedsbrev"),
    "newsletter_withdrawal": _t(
        "Use the unsubscribe link in every newsletter, or your account settings.",
        "Bruk avmeldingslenken i hvert nyhetsbrev, eller innstillingene på kontoen din.",
        "Använd avregistreringslänken i varje nyhetsbrev, eller inställningarna på ditt konto.",
        "Brug afmeldingslinket i hvert nyhedsbrev eller indstillingerne på din konto."),
    "statistics": _t("Statistics about the use of the shop", "Statistikk om bruk av butikken",
                     "Statistik om hur butiken används", "Statistik om brugen af butikken"),
    "advertising": _t("Advertising on other sites and social media",
                      "Annonsering på andre nettsteder og i sosiale medier",
                      "Annonsering på andra webbplatser och i sociala medier",
                      "Annoncering på andre websteder og sociale medier"),
    "cookie_withdrawal": _t(
        "Change your choice at any time under “Cookie settings” at the bottom of every page.",
        "Endre valget når som helst under «Innstillinger for informasjonskapsler» nederst på "
        "hver side.",
        "Ändra ditt val när som helst under ”Cookie-inställningar” längst ned på varje sida.",
        "Skift dit valg når som helst under »Cookieindstillinger« nederst på hver side."),
}


@dataclass
class ScaffoldAnswers:
    name: str
    country: str
    email: str
    org_number: str | None = None
    street: str = ""
    postal_code: str = ""
    city: str = ""
    platform: str | None = None
    payments: list[str] = field(default_factory=list)
    carriers: list[str] = field(default_factory=list)
    analytics: list[str] = field(default_factory=list)
    advertising: list[str] = field(default_factory=list)
    newsletter: str | None = None
    terms_accepted: date = field(default_factory=date.today)
    dpo_email: str | None = None


def check_vendor(key: str, kind: str) -> str | None:
    """Why ``key`` cannot be used as a ``kind`` vendor, or ``None`` when it can."""
    vendor = catalog.vendor(key)
    if vendor is None:
        return f"unknown vendor {key!r}" + catalog.suggest(key, list(catalog.vendors()))
    if vendor.service not in SERVICES[kind]:
        return f"{vendor.name} is a {vendor.service} service, not {kind}"
    return None


def vendors_for(kind: str) -> list[str]:
    return sorted(k for k, v in catalog.vendors().items() if v.service in SERVICES[kind])


def _localised(key: str, languages: list[str]) -> Text:
    texts = TEXTS[key]
    return {lang: texts.get(lang, texts["en"]) for lang in languages}


def _purpose(name: str, languages: list[str], **fields: Any) -> dict[str, Any]:
    return {"name": _localised(name, languages), **fields}


def scaffold(answers: ScaffoldAnswers) -> dict[str, Any]:
    """The manifest, as plain data, for these answers."""
    country = answers.country.upper()
    languages = LANGUAGES.get(country, ["en"])
    words = {key: _localised(key, languages) for key in TEXTS}
    recipients: dict[str, Any] = {}

    def use(keys: list[str]) -> list[str]:
        for key in keys:
            entry: dict[str, Any] = {"catalog": key}
            vendor = catalog.vendor(key)
            if vendor and vendor.role in ("processor", "sub_processor"):
                # Most vendors' DPAs are part of the terms the shop accepts on sign-up.
                entry["dpa_signed"] = answers.terms_accepted.isoformat()
            recipients[key] = entry
        return keys

    platform = use([answers.platform] if answers.platform else [])
    organization: dict[str, Any] = {
        "name": answers.name, "country": country, "email": answers.email,
        "languages": languages,
    }
    if answers.org_number:
        organization["org_number"] = answers.org_number
    if answers.street:
        organization["address"] = {"street": answers.street, "postal_code": answers.postal_code,
                                   "city": answers.city, "country": country}
    if answers.dpo_email:
        organization["dpo"] = {"email": answers.dpo_email}

    contact = ["user.name", "user.contact.email", "user.contact.phone_number",
               "user.contact.address"]
    purposes: dict[str, Any] = {
        "order_fulfilment": _purpose(
            "orders", languages, description=words["orders_description"],
            data_use="essential.service", legal_basis="contract", requirement="contractual",
            consequences=words["orders_consequences"],
            categories=[*contact, "user.behavior.purchase_history", "user.payment"],
            recipients=[*use(answers.payments), *use(answers.carriers), *platform],
            retention={"after": COMPLAINT_PERIOD.get(country, "P2Y"), "from": "contract_end"},
        ),
        "bookkeeping": _bookkeeping(country, languages, words),
        "customer_service": _purpose(
            "service", languages, data_use="essential.service.operations.support",
            legal_basis="contract", requirement="voluntary",
            categories=["user.name", "user.contact.email", "user.content.private"],
            recipients=platform, retention={"after": "P2Y", "from": "collected"},
        ),
        "security": _purpose(
            "security", languages, data_use="essential.service.security",
            legal_basis={"basis": "legitimate_interests", "interest": words["security_interest"],
                         "balancing": words["security_balancing"]},
            categories=["user.device.ip_address", "user.device.device_id"],
            recipients=platform, retention={"after": "P2M", "from": "collected"},
        ),
    }
    if answers.newsletter:
        purposes["newsletter"] = _purpose(
            "newsletter", languages, data_use="marketing.communications.email",
            legal_basis={"basis": "consent", "channels": ["checkout", "double_opt_in"],
                         "withdrawal": words["newsletter_withdrawal"]},
            categories=["user.contact.email", "user.name"],
            recipients=use([answers.newsletter]),
            retention={"after": "P0D", "from": "consent_withdrawn"},
        )
    for key, consent_category, data_use, vendors in (
        ("statistics", "performance", "analytics.reporting", answers.analytics),
        ("advertising", "marketing", "marketing.advertising.third_party.targeted",
         answers.advertising),
    ):
        if vendors:
            purposes[key] = _purpose(
                key, languages, data_use=data_use,
                legal_basis={"basis": "consent", "category": consent_category,
                             "channels": ["banner"], "withdrawal": words["cookie_withdrawal"]},
                categories=["user.device.cookie_id", "user.behavior.browsing_history"],
                recipients=use(vendors), retention={"after": "P13M", "from": "collected"},
            )
    cookies: list[dict[str, Any]] = [
        {"name": "personvern_consent", "category": "necessary", "duration": "P12M",
         "description": {"en": "Remembers your cookie choices.",
                         "nb": "Husker valgene dine for informasjonskapsler.",
                         "sv": "Kommer ihåg dina cookieval.",
                         "da": "Husker dine cookievalg."}},
    ]
    for key in [*answers.analytics, *answers.advertising, *answers.payments, *platform]:
        vendor = catalog.vendor(key)
        if vendor and vendor.cookies:
            cookies.append({"catalog": key})
    return {
        "version": 1,
        "organization": organization,
        "purposes": purposes,
        "recipients": recipients,
        "cookies": cookies,
    }


def _bookkeeping(country: str, languages: list[str], words: dict[str, Text]) -> dict[str, Any]:
    law = catalog.laws().get(BOOKKEEPING_LAW.get(country, ""), {})
    basis: dict[str, Any] = {"basis": "legal_obligation",
                             "law": law.get("law", "Bookkeeping act"),
                             "section": law.get("section")}
    return _purpose(
        "bookkeeping", languages, data_use="essential.legal_obligation",
        legal_basis={k: v for k, v in basis.items() if v},
        requirement="statutory", consequences=words["bookkeeping_consequences"],
        categories=["user.name", "user.contact.address", "user.behavior.purchase_history",
                    "user.payment"],
        retention={"after": str(law.get("after", "P5Y")),
                   "from": {"event": "collected", "end_of": "fiscal_year"}},
    )


HEADER = """\
# personvern manifest for {name}, written by `personvern init` on {today}.
# It declares what every web shop processes; read it through, adjust it to what your shop
# really does, then run `personvern check {file}`. Reference: docs/manifest.md.
"""


def to_yaml(data: dict[str, Any], *, name: str, file: str) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return HEADER.format(name=name, today=date.today().isoformat(), file=file) + body
