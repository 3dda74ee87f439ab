"""The example manifests: three real notices, declared as manifests, load and keep their facts.

Each example is written from one real privacy notice (``/work/shared/seeds``) and keeps that
notice's gaps, so these tests check both what the notice says (it must survive loading) and
what it leaves out (it must not be filled in by the manifest or the catalog).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from personvern import catalog
from personvern.duration import Duration
from personvern.manifest.load import LoadedManifest, load_manifest
from personvern.manifest.model import (
    ConsentBasis,
    LegalObligationBasis,
    LegitimateInterestsBasis,
    Manifest,
    RetentionRule,
)

EXAMPLES = Path(__file__).parents[2] / "examples"
ZNORKY = EXAMPLES / "000-znorky.yaml"
EXTRA_LEKER = EXAMPLES / "002-extra-leker.yaml"
ZOOPLUS = EXAMPLES / "004-zooplus.yaml"
ALL = [ZNORKY, EXTRA_LEKER, ZOOPLUS]


def _load(path: Path) -> LoadedManifest:
    return load_manifest(path, environ={})


@pytest.fixture(scope="module")
def znorky() -> Manifest:
    return _load(ZNORKY).manifest


@pytest.fixture(scope="module")
def extra_leker() -> Manifest:
    return _load(EXTRA_LEKER).manifest


@pytest.fixture(scope="module")
def zooplus() -> Manifest:
    return _load(ZOOPLUS).manifest


def _consent(manifest: Manifest, purpose: str) -> ConsentBasis:
    consent = manifest.purposes[purpose].consent
    assert consent is not None, f"{purpose} should rest on consent"
    return consent


def _basis(manifest: Manifest, purpose: str, kind: type) -> object:
    found = [b for b in manifest.purposes[purpose].legal_basis if isinstance(b, kind)]
    assert len(found) == 1, f"{purpose}: expected one {kind.__name__}"
    return found[0]


def _declared_organization(path: Path) -> dict[str, object]:
    """The organization as the file writes it, before the loader adds defaults."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    organization = data["organization"]
    assert isinstance(organization, dict)
    return organization


def _text(manifest: Manifest, purpose: str, field: str = "description") -> str:
    value = getattr(manifest.purposes[purpose], field)
    assert value is not None, f"{purpose}.{field} is missing"
    return str(value.best(manifest.organization.languages[0]))


# --- every example ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_example_loads_without_warnings(path: Path) -> None:
    loaded = _load(path)
    assert loaded.manifest.purposes
    assert loaded.warnings == ()
    assert loaded.files == (path,)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_purpose_quotes_the_notice_in_a_comment(path: Path) -> None:
    """Each purpose key has, directly above it, a comment quoting the notice."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("purposes:")
    end = next(i for i in range(start + 1, len(lines)) if re.match(r"^[a-z_]+:", lines[i]))
    keys = [i for i in range(start + 1, end) if re.match(r"^  [a-z][a-z0-9_]*:$", lines[i])]
    assert len(keys) == len(_load(path).manifest.purposes)
    for index in keys:
        above = lines[index - 1].strip()
        assert above.startswith("#"), f"{path.name}:{index + 1}: no comment above the purpose"
        comment = " ".join(
            line.strip() for line in lines[max(start, index - 8) : index] if line.strip()
        )
        assert '"' in comment, f"{path.name}:{index + 1}: the comment quotes nothing"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_examples_write_in_the_notice_language(path: Path) -> None:
    manifest = _load(path).manifest
    (language,) = manifest.organization.languages
    for key, purpose in manifest.purposes.items():
        assert purpose.name.languages == {language}, key


# --- 000: Znorky AS (Norwegian shop, Swedish notice) ------------------------------------


def test_znorky_organization(znorky: Manifest) -> None:
    org = znorky.organization
    assert org.name == "Znorky AS"
    assert org.country == "NO"
    assert org.languages == ("sv",)
    # The notice refers to "the e-mail address above" but gives none.
    assert org.email is None
    assert org.supervisory_authority is not None
    assert org.supervisory_authority.name == "Datatilsynet"
    # "Detta gör du till den norska datatilsynet" — named, with no contact details.
    assert _declared_organization(ZNORKY)["supervisory_authority"] == {"name": "Datatilsynet"}


def test_znorky_vipps_is_a_third_party_source(znorky: Manifest) -> None:
    sources = znorky.purposes["contract"].sources
    assert [(s.kind, s.name) for s in sources if s.kind == "third_party"] == [
        ("third_party", "Vipps")
    ]
    assert {s.kind for s in sources} >= {"subject", "third_party"}


@pytest.mark.parametrize(
    ("purpose", "basis"),
    [
        ("contract", "contract"),
        ("customer_relationship", "contract"),
        ("analytics", "legitimate_interests"),
        ("personalisation", "legitimate_interests"),
        ("marketing", "legitimate_interests"),
        ("marketing_profiling", "consent"),
        ("system_monitoring", "legitimate_interests"),
        ("fraud_prevention", "legitimate_interests"),
        ("legal_obligation", "legal_obligation"),
        ("product_reviews", "consent"),
    ],
)
def test_znorky_purposes_keep_their_basis(znorky: Manifest, purpose: str, basis: str) -> None:
    assert [b.basis for b in znorky.purposes[purpose].legal_basis] == [basis]


def test_znorky_purpose_data_uses(znorky: Manifest) -> None:
    uses = {key: p.data_use for key, p in znorky.purposes.items()}
    assert uses["contract"] == "essential.service"
    assert uses["customer_relationship"] == "essential.service.operations.support"
    assert uses["fraud_prevention"] == "essential.fraud_detection"
    assert uses["legal_obligation"] == "essential.legal_obligation"
    assert uses["marketing_profiling"] == "marketing.advertising.profiling"


def test_znorky_marketing_on_interest_but_profiling_on_consent(znorky: Manifest) -> None:
    marketing = _basis(znorky, "marketing", LegitimateInterestsBasis)
    assert isinstance(marketing, LegitimateInterestsBasis)
    assert marketing.objection is True
    # The notice names the purpose, never the interest (Art. 13(1)(d) gap kept).
    assert marketing.interest is None
    profiling = znorky.purposes["marketing_profiling"]
    assert profiling.consent is not None
    assert profiling.profiling is not None
    assert "intressen och behov" in str(profiling.profiling.logic.best("sv"))


def test_znorky_bookkeeping_law(znorky: Manifest) -> None:
    law = _basis(znorky, "legal_obligation", LegalObligationBasis)
    assert isinstance(law, LegalObligationBasis)
    assert law.law == "bokföringslagen"
    assert law.section is None  # the notice names no section


def test_znorky_gives_no_retention(znorky: Manifest) -> None:
    assert [key for key, p in znorky.purposes.items() if p.retention] == []


def test_znorky_tools_section_gives_no_basis(znorky: Manifest) -> None:
    assert znorky.purposes["website_analytics"].legal_basis == ()
    assert znorky.purposes["targeted_advertising"].legal_basis == ()
    assert set(znorky.purposes["targeted_advertising"].recipients) == {"meta", "google_ads"}
    assert set(znorky.purposes["website_analytics"].recipients) == {"posthog", "piwik_pro"}


def test_znorky_analytics_in_eu_ads_in_usa(znorky: Manifest) -> None:
    assert znorky.recipients["posthog"].data_locations == ("EU",)
    assert catalog.transfer_status("EU") == "eea"
    country = znorky.recipients["piwik_pro"].country
    assert country is not None
    assert catalog.is_eea(country)
    for key in ("meta", "google_ads"):
        recipient = znorky.recipients[key]
        assert recipient.country == "US"
        # "Facebook lagrar dessa uppgifter i USA" — and no safeguard (Art. 44–46 gap kept).
        assert recipient.transfer is None
        assert catalog.transfer_status("US") != "eea"


def test_znorky_cookies_come_from_the_catalog(znorky: Manifest) -> None:
    providers = {cookie.provider for cookie in znorky.cookies}
    assert providers == {"posthog", "piwik_pro", "meta", "google_ads"}
    fbp = next(c for c in znorky.cookies if c.name == "_fbp")
    assert fbp.category == "marketing"
    assert fbp.purposes == ("targeted_advertising",)


# --- 002: Extra Leker (Norwegian toy shop) ---------------------------------------------


def test_extra_leker_organization(extra_leker: Manifest) -> None:
    org = extra_leker.organization
    assert org.country == "NO"
    assert org.email == "kundeservice@extra-leker.no"
    assert org.languages == ("nb",)
    # Gaps kept: no DPO, no named supervisory authority ("tilsynsmyndighetene"). The
    # loader may fill in the authority of the country; the file itself names none.
    assert org.dpo is None
    assert "supervisory_authority" not in _declared_organization(EXTRA_LEKER)
    assert org.security_measures is not None
    assert "HTTPS" in org.security_measures.best("nb")


def test_extra_leker_recipients(extra_leker: Manifest) -> None:
    assert set(extra_leker.recipients) == {
        "bring",
        "klarna",
        "vipps",
        "zendesk",
        "nosto",
        "google_analytics",
        "hotjar",
        "mailchimp",
        "meta",
    }
    assert extra_leker.recipients["klarna"].catalog == "klarna"
    assert extra_leker.recipients["klarna"].entity is not None  # filled in by the catalog
    assert extra_leker.recipients["vipps"].catalog == "vipps_mobilepay"
    assert extra_leker.recipients["bring"].service == "carrier"
    assert set(extra_leker.purposes["order_delivery"].recipients) == {"bring"}
    assert set(extra_leker.purposes["payment"].recipients) == {"klarna", "vipps"}


def test_extra_leker_newsletter_consent(extra_leker: Manifest) -> None:
    consent = _consent(extra_leker, "newsletter")
    assert consent.withdrawal is not None
    withdrawal = consent.withdrawal.best("nb")
    assert "lenken nederst i nyhetsbrevet" in withdrawal
    assert "kundeservice@extra-leker.no" in withdrawal
    assert extra_leker.purposes["newsletter"].recipients == ("mailchimp",)


def test_extra_leker_names_no_other_legal_basis(extra_leker: Manifest) -> None:
    with_basis = [key for key, p in extra_leker.purposes.items() if p.legal_basis]
    assert with_basis == ["newsletter"]
    assert len(extra_leker.purposes) >= 7


def test_extra_leker_retention_only_bookkeeping(extra_leker: Manifest) -> None:
    kept = {key: p.retention for key, p in extra_leker.purposes.items() if p.retention}
    assert set(kept) == {"order_delivery"}
    retention = kept["order_delivery"]
    assert retention is not None
    assert retention.after is None
    assert retention.criteria is not None
    assert "bokføringsloven" in retention.criteria.best("nb")


def test_extra_leker_bookkeeping_hold_from_catalog(extra_leker: Manifest) -> None:
    orders = extra_leker.datastores["shop"].collections["orders"]
    (hold,) = orders.legal_holds
    assert hold.law == "Bokføringsloven (Norway)"
    assert hold.section == "§ 13"
    assert hold.after == Duration.parse("P5Y")
    assert hold.from_ is not None
    assert hold.from_.column == "created_at"
    assert hold.from_.end_of == "fiscal_year"
    assert "order_number" in hold.keep


def test_extra_leker_keeps_the_untraceable_claim(extra_leker: Manifest) -> None:
    assert "ikke kan spores tilbake til deg" in _text(extra_leker, "facebook_ads")
    assert extra_leker.purposes["facebook_ads"].recipients == ("meta",)
    assert any(c.name == "_fbp" and c.provider == "meta" for c in extra_leker.cookies)


def test_extra_leker_names_no_transfer_safeguard(extra_leker: Manifest) -> None:
    mailchimp = extra_leker.recipients["mailchimp"]
    assert mailchimp.catalog == "mailchimp"
    assert mailchimp.transfer is not None
    assert mailchimp.transfer.mechanism == "none"


def test_extra_leker_live_chat_is_voluntary(extra_leker: Manifest) -> None:
    chat = extra_leker.purposes["live_chat"]
    assert chat.requirement == "voluntary"
    assert chat.recipients == ("zendesk",)


def test_extra_leker_cookies(extra_leker: Manifest) -> None:
    ga = next(c for c in extra_leker.cookies if c.name == "_ga")
    assert ga.provider == "google_analytics"
    assert ga.purposes == ("web_statistics",)
    assert {c.provider for c in extra_leker.cookies} == {
        "zendesk",
        "google_analytics",
        "hotjar",
        "nosto",
        "meta",
    }


# --- 004: zooplus SE (German shop, Norwegian notice) -----------------------------------


def test_zooplus_organization(zooplus: Manifest) -> None:
    org = zooplus.organization
    assert org.name == "zooplus SE"
    assert org.country == "DE"
    assert org.address is not None
    assert (org.address.street, org.address.postal_code, org.address.city) == (
        "Sonnenstraße 15",
        "80331",
        "München",
    )
    assert org.email == "service@zooplus.no"
    assert org.dpo is not None
    assert org.dpo.name == "Dr. Philipp Herrmann"
    assert org.dpo.email == "ph@hwdata.de"
    assert org.languages == ("nb",)
    # "en tilsynsmyndighet": none named in the file (the loader may add the country's).
    assert "supervisory_authority" not in _declared_organization(ZOOPLUS)


def _rules(rules: tuple[RetentionRule, ...], action: str) -> list[RetentionRule]:
    return [rule for rule in rules if rule.action == action]


def test_zooplus_log_files_deleted_after_two_months(zooplus: Manifest) -> None:
    logs = zooplus.datastores["shop"].collections["access_logs"]
    (delete,) = _rules(logs.retention, "delete")
    assert delete.after == Duration.parse("P2M")
    assert delete.from_.column == "requested_at"
    assert delete.from_.event is None


def test_zooplus_log_ip_anonymised_before_deletion(zooplus: Manifest) -> None:
    logs = zooplus.datastores["shop"].collections["access_logs"]
    ip = logs.fields["ip_address"]
    assert "user.device.ip_address" in ip.categories
    (anonymize,) = _rules(ip.retention, "anonymize")
    assert anonymize.masking is not None
    assert anonymize.masking.strategy == "truncate_ip"
    assert anonymize.from_.column == "requested_at"
    (delete,) = _rules(logs.retention, "delete")
    assert anonymize.after.total_months < delete.after.total_months


def test_zooplus_log_files_purpose(zooplus: Manifest) -> None:
    purpose = zooplus.purposes["log_files"]
    assert purpose.has_basis("legitimate_interests")
    assert purpose.retention is not None
    assert purpose.retention.after == Duration.parse("P2M")
    assert purpose.retention.from_ is not None
    assert purpose.retention.from_.event == "collected"
    assert purpose.recipients == ()  # "Vi gir ikke disse opplysningene videre til tredjepart"


def test_zooplus_back_in_stock_after_95_days(zooplus: Manifest) -> None:
    with_95_days = [
        key
        for key, p in zooplus.purposes.items()
        if p.retention and p.retention.after == Duration.parse("P95D")
    ]
    assert with_95_days == ["back_in_stock"]
    assert zooplus.purposes["back_in_stock"].consent is not None
    reminders = zooplus.datastores["shop"].collections["stock_reminders"]
    (delete,) = _rules(reminders.retention, "delete")
    assert delete.after == Duration.parse("P95D")
    assert delete.from_.column == "created_at"
    assert reminders.fields["email"].identity == "email"


def test_zooplus_custom_audience(zooplus: Manifest) -> None:
    purpose = zooplus.purposes["custom_audience"]
    assert [b.basis for b in purpose.legal_basis] == ["consent"]
    assert "hash" in _text(zooplus, "custom_audience").lower()
    assert "separat samtykke" in _text(zooplus, "custom_audience")
    assert purpose.categories == ("user.contact.email",)
    consent = _consent(zooplus, "custom_audience")
    assert consent.withdrawal is not None
    # Withdrawn only by e-mail to support@zooplus.com (Art. 7(3) gap kept).
    assert "support@zooplus.com" in consent.withdrawal.best("nb")
    assert set(purpose.recipients) == {"meta", "google_ads"}
    for key in purpose.recipients:
        assert zooplus.recipients[key].role == "independent_controller", key


def test_zooplus_joint_controller_bitiba(zooplus: Manifest) -> None:
    bitiba = zooplus.recipients["bitiba"]
    assert bitiba.name == "BITIBA GmbH"
    assert bitiba.role == "joint_controller"
    assert bitiba.country == "DE"
    assert bitiba.arrangement is not None
    assert "Art. 26" in bitiba.arrangement.best("nb")


def test_zooplus_aws_on_scc(zooplus: Manifest) -> None:
    aws = zooplus.recipients["aws"]
    assert aws.entity == "Amazon Web Services EMEA SARL"
    assert aws.country == "LU"
    assert aws.role == "processor"
    assert aws.transfer is not None
    assert aws.transfer.mechanism == "scc"
    assert aws.transfer.description is not None
    # "standardkontraktklausul eller ... på bakgrunn av en vurdering" is kept in words.
    assert "vurdering" in aws.transfer.description.best("nb")
    assert "aws" in zooplus.purposes["hosting"].recipients


def test_zooplus_credit_check(zooplus: Manifest) -> None:
    purpose = zooplus.purposes["credit_check"]
    assert purpose.has_basis("legitimate_interests")
    assert purpose.profiling is not None
    assert purpose.profiling.logic is not None
    logic = purpose.profiling.logic.best("nb")
    for factor in (
        "Adressedata",
        "alder",
        "betalingskondisjoner",
        "bestillingsmåte",
        "sortimentsgrupper",
    ):
        assert factor.lower() in logic.lower(), factor
    assert purpose.profiling.automated_decision is True
    assert purpose.profiling.legal_effect is True
    # The notice never offers human intervention (Art. 22(3) gap kept).
    assert purpose.profiling.human_review is None
    assert "informa" in purpose.recipients
    informa = zooplus.recipients["informa"]
    assert informa.role == "independent_controller"
    assert informa.entity == "informa Solutions GmbH"


def test_zooplus_sanctions_screening(zooplus: Manifest) -> None:
    basis = _basis(zooplus, "sanctions_screening", LegalObligationBasis)
    assert isinstance(basis, LegalObligationBasis)
    assert basis.law == "EU sanctions regulations"
    assert basis.section is None
    assert set(zooplus.purposes["sanctions_screening"].categories) == {
        "user.name",
        "user.contact.address",
    }


def test_zooplus_fraud_prevention_and_3ds2(zooplus: Manifest) -> None:
    fraud = zooplus.purposes["fraud_prevention"]
    assert fraud.has_basis("legitimate_interests")
    assert fraud.data_use == "essential.fraud_detection"
    assert fraud.recipients == ("paypal",)
    assert zooplus.recipients["paypal"].entity == "PayPal (Europe) S.à r.l. et Cie"
    sca = _basis(zooplus, "strong_customer_authentication", LegalObligationBasis)
    assert isinstance(sca, LegalObligationBasis)
    assert sca.law is None  # "juridisk forpliktet", no law named


def test_zooplus_newsletter(zooplus: Manifest) -> None:
    newsletter = zooplus.purposes["newsletter"]
    assert newsletter.consent is not None
    assert newsletter.recipients == ("optivo",)
    optivo = zooplus.recipients["optivo"]
    assert (optivo.name, optivo.entity, optivo.role) == ("Optivo", "Episerver AB", "processor")
    tracking = zooplus.purposes["newsletter_tracking"]
    assert tracking.consent is not None
    assert tracking.profiling is not None
    assert "sporingspixler" in _text(zooplus, "newsletter_tracking").lower()


@pytest.mark.parametrize(
    ("purpose", "basis"),
    [
        ("customer_account", "contract"),
        ("order_delivery", "contract"),
        ("payment", "contract"),
        ("loyalty_points", "contract"),
        ("wishlist", "contract"),
        ("pet_profile", "consent"),
        ("customer_reviews", "consent"),
        ("newsletter", "consent"),
        ("back_in_stock", "consent"),
        ("functional_cookies", "consent"),
        ("marketing_cookies", "consent"),
        ("shipping_notifications", "legitimate_interests"),
        ("product_preferences", "legitimate_interests"),
        ("purchase_profiling", "legitimate_interests"),
        ("data_subject_requests", "legal_obligation"),
        ("sanctions_screening", "legal_obligation"),
        ("strong_customer_authentication", "legal_obligation"),
    ],
)
def test_zooplus_purposes_keep_their_basis(zooplus: Manifest, purpose: str, basis: str) -> None:
    assert [b.basis for b in zooplus.purposes[purpose].legal_basis] == [basis]


def test_zooplus_loyalty_and_pet_profile(zooplus: Manifest) -> None:
    assert "zooPoeng" in str(zooplus.purposes["loyalty_points"].name.best("nb"))
    pet = _consent(zooplus, "pet_profile")
    assert pet.withdrawal is not None
    assert "kjæledyrprofilen" in pet.withdrawal.best("nb")
    assert zooplus.purposes["pet_profile"].categories == ("pet_profile",)
    assert zooplus.data_categories["pet_profile"].parent == "user.content.private"


def test_zooplus_google_customer_reviews(zooplus: Manifest) -> None:
    assert zooplus.purposes["customer_reviews"].recipients == ("google_customer_reviews",)
    assert zooplus.recipients["google_customer_reviews"].catalog == "google_customer_reviews"


def test_zooplus_carriers_on_legitimate_interests(zooplus: Manifest) -> None:
    basis = _basis(zooplus, "shipping_notifications", LegitimateInterestsBasis)
    assert isinstance(basis, LegitimateInterestsBasis)
    assert basis.balancing is not None
    assert "balansert" in basis.balancing.best("nb")
    assert zooplus.purposes["shipping_notifications"].recipients == ("carriers",)


def test_zooplus_four_cookie_categories(zooplus: Manifest) -> None:
    categories = zooplus.consent_categories
    assert set(categories) == {"necessary", "performance", "functional", "marketing"}
    assert categories["necessary"].necessary is True
    assert not categories["performance"].necessary
    # Performance cookies on legitimate interests, as the notice has it (ePrivacy 5(3) gap).
    performance = zooplus.purposes["performance_cookies"]
    assert performance.consent is None
    assert performance.has_basis("legitimate_interests")
    assert _consent(zooplus, "functional_cookies").category == "functional"
    assert _consent(zooplus, "marketing_cookies").category == "marketing"


def test_zooplus_gaps_kept(zooplus: Manifest) -> None:
    # Transfers to the police: "du ingen mulighet til å protestere".
    interest = _basis(zooplus, "law_enforcement", LegitimateInterestsBasis)
    assert isinstance(interest, LegitimateInterestsBasis)
    assert interest.objection is False
    # E-mail and postal marketing name no GDPR basis.
    assert zooplus.purposes["email_marketing"].legal_basis == ()
    assert zooplus.purposes["postal_marketing"].legal_basis == ()
    # Hosting and group processing name a processor contract, not a legal basis.
    assert zooplus.purposes["hosting"].legal_basis == ()
    # Many purposes are kept "as long as the account exists", in words only.
    account = zooplus.purposes["customer_account"].retention
    assert account is not None
    assert account.after is None
    assert account.criteria is not None
    assert "kundekontoen" in account.criteria.best("nb")
