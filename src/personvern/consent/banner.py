"""What the banner shows, from the manifest: categories, their cookies and vendors, texts.

The banner script holds no shop data and no texts of its own: it asks the server for this
configuration in the page's language, so the banner and the privacy notice are built
from the same manifest and cannot drift apart (Art. 13; Art. 7(2): a request for consent
must be clearly distinguishable, intelligible and in plain language).
"""

from __future__ import annotations

from typing import Any

from personvern.consent.records import gpc_refusals
from personvern.consent.version import notice_version
from personvern.manifest.model import Cookie, LocalizedText, Manifest

LANGUAGES = ("nb", "sv", "en")
CONSENT_MAX_AGE_DAYS = 365  # ask again after 12 months (EDPB, national DPA guidance)
_LANGUAGE_ALIASES = {"no": "nb", "nn": "nb", "nb": "nb", "sv": "sv", "en": "en"}

# Google Consent Mode v2 signals and the banner category that grants each. A signal
# whose category the manifest lacks stays "denied".
CONSENT_MODE = {
    "analytics_storage": "performance",
    "ad_storage": "marketing",
    "ad_user_data": "marketing",
    "ad_personalization": "marketing",
    "functionality_storage": "functional",
    "personalization_storage": "functional",
}

# Reject all sits beside accept all with the same weight (EDPB cookie banner taskforce,
# January 2023): the texts are as short as each other.
TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Informasjonskapsler",
        "intro": "Vi bruker nødvendige informasjonskapsler for at butikken skal virke. Med "
                 "ditt samtykke bruker vi også andre, til formålene under. Du kan når som "
                 "helst ombestemme deg under «Innstillinger for informasjonskapsler».",
        "accept_all": "Godta alle", "reject_all": "Avvis alle", "settings": "Innstillinger",
        "save": "Lagre valgene", "close": "Lukk", "always_on": "Alltid på",
        "cookies": "Informasjonskapsler", "vendors": "Leverandører",
        "reopen": "Innstillinger for informasjonskapsler", "privacy": "Personvernerklæring",
        "embed": "Dette innholdet setter informasjonskapsler i kategorien «{category}».",
        "embed_load": "Godta {category} og vis innholdet",
    },
    "sv": {
        "title": "Kakor",
        "intro": "Vi använder nödvändiga kakor för att butiken ska fungera. Med ditt "
                 "samtycke använder vi även andra, för ändamålen nedan. Du kan ändra dig när "
                 "som helst under ”Inställningar för kakor”.",
        "accept_all": "Godkänn alla", "reject_all": "Avvisa alla",
        "settings": "Inställningar", "save": "Spara val", "close": "Stäng",
        "always_on": "Alltid på", "cookies": "Kakor", "vendors": "Leverantörer",
        "reopen": "Inställningar för kakor", "privacy": "Integritetspolicy",
        "embed": "Det här innehållet sätter kakor i kategorin ”{category}”.",
        "embed_load": "Godkänn {category} och visa innehållet",
    },
    "en": {
        "title": "Cookies",
        "intro": "We use strictly necessary cookies to run the shop. With your consent we "
                 "also use others, for the purposes below. You can change your mind at any "
                 "time under \"Cookie settings\".",
        "accept_all": "Accept all", "reject_all": "Reject all", "settings": "Settings",
        "save": "Save choices", "close": "Close", "always_on": "Always on",
        "cookies": "Cookies", "vendors": "Vendors", "reopen": "Cookie settings",
        "privacy": "Privacy notice",
        "embed": "This content sets cookies of the category \"{category}\".",
        "embed_load": "Accept {category} and show the content",
    },
}


def banner_language(requested: str | None) -> str:
    """nb, sv or en for whatever the page says (``nb-NO``, ``no``, ``sv-SE``, ``de``)."""
    primary = (requested or "").strip().lower()[:8].replace("_", "-").split("-")[0]
    return _LANGUAGE_ALIASES.get(primary, "en")


def _text(text: LocalizedText | None, language: str) -> str | None:
    return text.best(language) if text is not None else None


def _cookie(cookie: Cookie, manifest: Manifest, language: str) -> dict[str, Any]:
    provider = manifest.recipients.get(cookie.provider)
    return {"name": cookie.name, "pattern": cookie.is_pattern, "kind": cookie.kind,
            "provider": (provider.name if provider else manifest.organization.name
                         if cookie.provider == "first_party" else cookie.provider),
            "duration": cookie.model_dump(mode="json").get("duration"),
            "description": _text(cookie.description, language)}


def _vendors(manifest: Manifest, category: str, cookies: list[Cookie]) -> list[dict[str, Any]]:
    keys = {c.provider for c in cookies if c.provider in manifest.recipients}
    for purpose in manifest.purposes.values():
        if purpose.consent is not None and purpose.consent.category == category:
            keys.update(k for k in purpose.recipients if k in manifest.recipients)
    return [{"key": key, "name": manifest.recipients[key].name,
             "country": manifest.recipients[key].country,
             "privacy_policy": manifest.recipients[key].privacy_policy}
            for key in sorted(keys)]


def banner_config(manifest: Manifest, requested_language: str | None) -> dict[str, Any]:
    """The banner's JSON configuration in nb, sv or en."""
    language = banner_language(requested_language)
    categories = []
    for key, category in manifest.consent_categories.items():
        cookies = [c for c in manifest.cookies if c.category == key]
        categories.append({
            "key": key, "necessary": category.necessary,
            "name": category.name.best(language),
            "description": _text(category.description, language),
            "cookies": [_cookie(c, manifest, language) for c in cookies],
            "vendors": _vendors(manifest, key, cookies),
        })
    return {
        "version": notice_version(manifest).id,
        "language": language,
        "texts": TEXTS[language],
        "categories": categories,
        "gpc_refuses": sorted(gpc_refusals(manifest).categories),
        "consent_mode": {signal: category for signal, category in CONSENT_MODE.items()
                         if category in manifest.consent_categories},
        "max_age_days": CONSENT_MAX_AGE_DAYS,
        "privacy_url": manifest.organization.privacy_portal,
    }
