"""Rules on cookies and similar technologies (ePrivacy Art. 5(3) and national laws)."""

from __future__ import annotations

from collections.abc import Iterator

from personvern import catalog
from personvern.lint.facts import consent_categories_granted
from personvern.lint.rule import Hit, rule
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Cookie
from personvern.manifest.taxonomy import within

EPRIVACY = "ePrivacy Directive Art. 5(3); ekomloven § 3-15; LEK 9 kap. 28 §"


def _needs_consent(loaded: LoadedManifest, cookie: Cookie) -> bool:
    category = loaded.manifest.consent_categories[cookie.category]
    return not category.necessary


def _consented(loaded: LoadedManifest, cookie: Cookie) -> bool:
    """Whether a consent purpose covers the cookie, by its category or by its purposes."""
    purposes = loaded.manifest.purposes
    by_purpose = any(purposes[p].has_basis("consent") for p in cookie.purposes)
    return by_purpose or cookie.category in consent_categories_granted(loaded)


@rule("PV050", "marketing-cookie-without-consent", "error", f"{EPRIVACY}; GDPR Art. 6(1)(a)",
      fix="Add a purpose on consent with consent category: marketing (legal_basis: "
          "{basis: consent, category: marketing, …}).")
def marketing_cookie_without_consent(loaded: LoadedManifest) -> Iterator[Hit]:
    """A marketing cookie is not covered by any consent purpose.

    Storing or reading information on the user's device needs prior consent unless it is
    strictly necessary (ePrivacy 5(3)). Advertising cookies never are; without a consent
    purpose for them the banner has nothing to ask and the engine nothing to enforce.
    """
    for index, cookie in enumerate(loaded.manifest.cookies):
        if cookie.category == "marketing" and not _consented(loaded, cookie):
            yield ("cookies", index), (
                f"marketing cookie {cookie.name!r} is covered by no consent purpose"
            )


@rule("PV051", "cookie-without-consent", "warning", EPRIVACY,
      fix="Cover the category with a consent purpose, or move the cookie to necessary if it "
          "truly is.")
def cookie_without_consent(loaded: LoadedManifest) -> Iterator[Hit]:
    """A non-essential, non-marketing cookie is covered by no consent purpose.

    Performance and functional cookies are not strictly necessary either; some national
    authorities exempt narrow first-party audience measurement, but a legitimate-interest
    basis under the GDPR does not replace ePrivacy consent.
    """
    for index, cookie in enumerate(loaded.manifest.cookies):
        if (cookie.category != "marketing" and _needs_consent(loaded, cookie)
                and not _consented(loaded, cookie)):
            yield ("cookies", index), (
                f"{cookie.category} cookie {cookie.name!r} is covered by no consent purpose"
            )


@rule("PV052", "tracking-cookie-declared-necessary", "warning", EPRIVACY,
      fix="Put the cookie in the category its vendor uses it for (usually marketing).")
def tracking_cookie_declared_necessary(loaded: LoadedManifest) -> Iterator[Hit]:
    """An advertising or analytics vendor's cookie is declared strictly necessary.

    Only storage strictly necessary for a service the user asked for is exempt from consent
    (ePrivacy 5(3)). Analytics and advertising cookies are not, whatever category a banner
    puts them in; a wrong category silently sets them without asking.
    """
    manifest = loaded.manifest
    for index, cookie in enumerate(manifest.cookies):
        recipient = manifest.recipients.get(cookie.provider)
        vendor = catalog.vendor(recipient.catalog) if recipient and recipient.catalog else None
        service = vendor.service if vendor else recipient.service if recipient else None
        category = manifest.consent_categories[cookie.category]
        if category.necessary and service in ("advertising", "analytics", "social"):
            yield ("cookies", index, "category"), (
                f"{service} cookie {cookie.name!r} is declared strictly necessary"
            )


@rule("PV053", "cookie-without-duration", "warning", "GDPR Art. 13(2)(a); EDPB cookie banner "
      "taskforce report (2023)", fix="Add duration: P13M (or session).")
def cookie_without_duration(loaded: LoadedManifest) -> Iterator[Hit]:
    """A cookie's lifetime is not declared.

    Consent is informed only if the user knows how long the storage lasts; the EDPB cookie
    banner taskforce and the national authorities expect the duration of each cookie in the
    banner's details, and it is the retention period of the data it holds (13(2)(a)).
    """
    for index, cookie in enumerate(loaded.manifest.cookies):
        if cookie.duration is None:
            yield ("cookies", index), f"cookie {cookie.name!r} has no duration"


@rule("PV054", "consent-cookie-too-long", "info", f"{EPRIVACY}; CNIL/Datatilsynet guidance",
      fix="Keep consent-based cookies at 13 months or less, then ask again.")
def consent_cookie_too_long(loaded: LoadedManifest) -> Iterator[Hit]:
    """A consent-based cookie lives longer than 13 months.

    Authorities recommend re-asking for consent about once a year; a 2-year cookie outlives
    the consent it rests on.
    """
    for index, cookie in enumerate(loaded.manifest.cookies):
        duration = cookie.duration
        if (_needs_consent(loaded, cookie) and duration not in (None, "session")
                and not isinstance(duration, str) and duration.total_months > 13):
            yield ("cookies", index, "duration"), (
                f"cookie {cookie.name!r} lives {duration}, longer than 13 months"
            )


@rule("PV055", "third-party-cookie-provider-unknown", "warning", "GDPR Art. 13(1)(e)",
      fix="Set provider: to the recipient that sets the cookie.")
def third_party_cookie_provider_unknown(loaded: LoadedManifest) -> Iterator[Hit]:
    """A third-party cookie does not name its provider.

    Whoever sets a third-party cookie receives what it carries: that provider is a
    recipient the notice must name (Art. 13(1)(e)), and a cookie without one cannot be
    listed under its vendor in the banner.
    """
    for index, cookie in enumerate(loaded.manifest.cookies):
        if cookie.party == "third" and cookie.provider == "first_party":
            yield ("cookies", index), f"third-party cookie {cookie.name!r} names no provider"


@rule("PV056", "device-storage-without-consent", "error", EPRIVACY,
      fix="Base the purpose on consent (legal_basis: {basis: consent, category: performance, "
          "…}), or declare why the storage is strictly necessary (data_use: essential…).")
def device_storage_without_consent(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose reads cookie identifiers from the device on a basis other than consent.

    Art. 5(3) of the ePrivacy Directive requires consent for storing or reading
    information on the user's device unless strictly necessary for a service the user asked
    for; the GDPR basis (legitimate interests, say) does not replace it (CJEU C-673/17
    Planet49; EDPB Guidelines 2/2023 on the technical scope of Art. 5(3)). Seed notices do
    this with "performance cookies" on legitimate interests.
    """
    for key, purpose in loaded.manifest.purposes.items():
        reads_device = any(within(c, "user.device.cookie_id") or c == "user.device.cookie"
                           for c in purpose.categories)
        if reads_device and not within(purpose.data_use, "essential") and purpose.legal_basis \
                and not purpose.has_basis("consent"):
            yield ("purposes", key, "legal_basis"), (
                f"purpose {key!r} reads cookie identifiers without consent"
            )
