"""The generated notice names every fact its real notice names (seeds 000, 002, 004).

Each list below is written from the seed's text, not from the manifest: every recipient,
purpose, retention period and right the real notice names must appear in the notice
personvern generates, in the seed's own language.
"""

from __future__ import annotations

import pytest
from notice_examples import PUBLISHED, Loader, Reader

from personvern.manifest.load import LoadedManifest
from personvern.notice import build_notice
from personvern.notice.model import Notice, NoticeSection, Table

# Seed 000 (Znorky AS, Swedish translation).
ZNORKY_FACTS = [
    # "När vi samlar in personuppgifter från andra källor ... följande källor: Vipps."
    "Vipps",
    # the purposes, each a heading of the seed
    "Leverans av tjänst/kontraktsingående", "Administration av kundrelationer",
    "Analys, affärsutveckling och förbättring av tjänster", "Anpassad användarupplevelse",
    "Försäljning och marknadsföring", "Profilering", "Systemövervakning",
    "Säkerhet, upptäckt av bedrägerier och kriminella handlingar",
    "Följ rättsliga skyldigheter", "bokföringslagen",
    # "Användning av tredjepartsverktyg för analys och reklam"
    "PostHog", "Piwik PRO", "Facebook", "Google Ads", "Yotpo", "USA",
    # "Dina rättigheter"
    "Tillgång", "Rättelse", "Radering", "Begränsning", "Invändning", "Dataportabilitet",
    "Återkalla samtycke", "Datatilsynet",
    # the categories of "Vi behandlar följande kategorier av personuppgifter"
    "födelsedatum", "telefonnummer", "e-postadress", "betalningsuppgifter",
    "lojalitetsprograminformation", "produkter och avtal",
]

# Seed 002 (Extra Leker, Norwegian).
EXTRA_LEKER_FACTS = [
    "Bring", "Klarna", "Vipps", "Zendesk", "Nosto", "Google Analytics", "Hotjar",
    "Mailchimp", "Facebook", "bokføringsloven", "kundeservice@extra-leker.no",
    # "Vi samler inn e-post, IP-adresse, navn, adresse og telefonnummer"
    "e-postadresse", "IP-adresse", "navn", "adresse", "telefonnummer",
    "Nyhetsbrev", "Livechat", "Reklamasjoner og kundeservice",
    # "Dine rettigheter"
    "Innsyn", "Retting", "Sletting", "Trekke tilbake samtykke", "klage",
    "lenken nederst i nyhetsbrevet",
]

# Seed 004 (zooplus, Norwegian).
ZOOPLUS_FACTS = [
    "zooplus SE", "Sonnenstraße 15", "Dr. Philipp Herrmann", "ph@hwdata.de",
    "service@zooplus.no", "support@zooplus.com",
    # B.1 log files, deleted two months after storage
    "Loggfiler", "2 måneder",
    # D.3 back-in-stock reminders, deleted after 95 days
    "Produkttilgjengelighet", "95 dager",
    "BITIBA GmbH", "Amazon Web Services", "informa Solutions GmbH", "PayPal",
    "Optivo", "Episerver AB", "OneTrust", "zooplus France SARL", "zooplus Polska",
    "Pinterest", "YouTube", "Twitter", "Google Customer Reviews",
    "zooPoeng", "Custom Audience", "Sanksjonslisteprøving", "Kredittvurdering",
    "Forebyggelse av svindel", "3DS2", "Ønskeliste", "Mitt kjæledyr", "Nyhetsbrev",
    "Kjøpsadferd og profildannelse", "Markedsføring (post)",
    "standardkontraktsklausuler",
    # E. "Dine rettigheter" and F. objection
    "Innsyn", "Retting", "Sletting", "Begrensning", "Protest", "Dataportabilitet",
    "Trekke tilbake samtykke", "klage",
    # Art. 22: the credit scoring is an automated decision
    "automatisert avgjørelse",
]

CASES = [("000", "sv", ZNORKY_FACTS), ("002", "nb", EXTRA_LEKER_FACTS),
         ("004", "nb", ZOOPLUS_FACTS)]


def _notice(examples: dict[str, LoadedManifest], name: str, language: str) -> Notice:
    return build_notice(examples[name], language, published=PUBLISHED)


def _section(notice: Notice, key: str) -> NoticeSection:
    section = notice.section(key)
    assert section is not None, f"no section {key!r}"
    return section


def _subsection(section: NoticeSection, key: str) -> NoticeSection:
    found = next((s for s in section.subsections if s.key == key), None)
    assert found is not None, f"no subsection {key!r} in {section.key}"
    return found


@pytest.mark.parametrize(("name", "language", "facts"), CASES, ids=[c[0] for c in CASES])
def test_the_notice_names_every_fact_of_its_seed(
    examples: dict[str, LoadedManifest], name: str, language: str, facts: list[str]
) -> None:
    text = _notice(examples, name, language).text.casefold()
    missing = [fact for fact in facts if fact.casefold() not in text]
    assert not missing, f"the {name} notice does not name: {missing}"


def test_znorky_names_vipps_as_the_source_with_its_categories(
    examples: dict[str, LoadedManifest],
) -> None:
    # Art. 14(1)(d) and 14(2)(f): the categories obtained from Vipps, and Vipps as source.
    sources = " ".join(_section(_notice(examples, "000", "sv"), "sources").texts())
    assert "Vi får uppgifter om dig från Vipps: namn, födelsedatum" in sources
    assert "”Leverans av tjänst/kontraktsingående”" in sources


def test_znorky_names_the_us_transfers_without_inventing_a_safeguard(
    examples: dict[str, LoadedManifest],
) -> None:
    transfers = _section(_notice(examples, "000", "sv"), "transfers")
    table = next(b for b in transfers.blocks if isinstance(b, Table))
    assert ("Facebook", "USA", "Ingen angiven.") in table.rows
    assert ("Google Ads", "USA", "Ingen angiven.") in table.rows


def test_zooplus_log_files_are_kept_two_months(examples: dict[str, LoadedManifest]) -> None:
    purposes = _section(_notice(examples, "004", "nb"), "purposes")
    log_files = " ".join(_subsection(purposes, "purpose.log_files").texts())
    assert "2 måneder etter at de ble lagret." in log_files
    reminders = " ".join(_subsection(purposes, "purpose.back_in_stock").texts())
    assert "95 dager etter at de ble lagret." in reminders


def test_zooplus_credit_check_offers_human_review(examples: dict[str, LoadedManifest]) -> None:
    automated = _section(_notice(examples, "004", "nb"), "automated")
    credit = " ".join(_subsection(automated, "automated.credit_check").texts())
    assert "intern scoring" in credit.casefold()
    assert "automatisert avgjørelse som kan påvirke deg i betydelig grad" in credit
    assert "et menneske vurderer avgjørelsen på nytt" in credit
    assert "Du kan når som helst protestere" in credit  # 6(1)(f): Art. 21(1)


def test_zooplus_joint_controller_and_dpo(examples: dict[str, LoadedManifest]) -> None:
    notice = _notice(examples, "004", "nb")
    controller = " ".join(_section(notice, "controller").texts())
    assert "Vi er felles behandlingsansvarlige med BITIBA GmbH" in controller  # Art. 26(2)
    dpo = " ".join(_section(notice, "dpo").texts())
    assert "Dr. Philipp Herrmann, på ph@hwdata.de" in dpo


def test_zooplus_transfers_under_standard_clauses(examples: dict[str, LoadedManifest]) -> None:
    transfers = " ".join(_section(_notice(examples, "004", "nb"), "transfers").texts())
    assert "Amazon Web Services (Amazon Web Services EMEA SARL)" in transfers
    assert "standardkontraktsklausuler (personvernforordningen art. 46 nr. 2 bokstav c)" in (
        transfers)


def test_extra_leker_bookkeeping_hold_in_words(examples: dict[str, LoadedManifest]) -> None:
    retention = " ".join(_section(_notice(examples, "002", "nb"), "retention").texts())
    assert "Bokføringsloven § 13: 5 år etter utgangen av regnskapsåret." in retention
    rights = " ".join(_section(_notice(examples, "002", "nb"), "rights").texts())
    assert "oppbevare etter bokføringsloven § 13" in rights  # Art. 17(3)(b)


def test_extra_leker_rights_go_to_the_contact_email(examples: dict[str, LoadedManifest]) -> None:
    rights = " ".join(_section(_notice(examples, "002", "nb"), "rights").texts())
    assert "Send oss en e-post til kundeservice@extra-leker.no" in rights


def test_a_privacy_portal_is_where_rights_are_used(
    example_data: Reader, write_and_load: Loader
) -> None:
    data = example_data("002")
    data["organization"]["privacy_portal"] = "https://extra-leker.no/portal"
    loaded = write_and_load(data)
    notice = build_notice(loaded, "en", published=PUBLISHED)
    rights = " ".join(_section(notice, "rights").texts())
    assert "Use your rights in our privacy portal: https://extra-leker.no/portal" in rights


def test_the_authority_named_without_contact_details_gets_them_from_the_catalog(
    examples: dict[str, LoadedManifest],
) -> None:
    # Znorky names "den norska datatilsynet" only; the notice gives how to reach it.
    complaint = " ".join(_section(_notice(examples, "000", "sv"), "complaint").texts())
    assert "postkasse@datatilsynet.no" in complaint
    assert "+47 22 39 69 00" in complaint


def test_the_version_is_a_stable_hash_of_the_content(
    examples: dict[str, LoadedManifest], example_data: Reader, write_and_load: Loader
) -> None:
    first = _notice(examples, "002", "nb")
    again = build_notice(write_and_load(example_data("002")), "nb",
                         published=PUBLISHED)
    assert first.version == again.version
    assert len(first.version) == 12
    changed = example_data("002")
    changed["purposes"]["newsletter"]["retention"] = {"after": "P2Y", "from": "collected"}
    other = build_notice(write_and_load(changed), "nb",
                         published=PUBLISHED)
    assert other.version != first.version
    assert "25. november 2026" in first.updated and first.version in first.updated


def test_each_safeguard_in_words(example_data: Reader, write_and_load: Loader) -> None:
    # Chapter V: adequacy (Art. 45), the DPF, SCCs (46(2)(c)), BCRs (47), derogations (49).
    data = example_data("002")
    data["recipients"].update({
        "swiss_host": {"name": "Alpenhost", "role": "processor", "country": "CH"},
        "paypal": {"catalog": "paypal"},
        "us_support": {"name": "HelpDesk Inc.", "role": "processor", "country": "US",
                       "transfer": {"mechanism": "derogation", "derogation": "b"}},
        "eu_cloud": {"name": "Cloudy", "role": "processor", "country": "IE",
                     "transfer": "scc"},
    })
    data["purposes"]["customer_service"]["recipients"] = ["swiss_host", "paypal", "us_support",
                                                          "eu_cloud"]
    notice = build_notice(write_and_load(data), "en", published=PUBLISHED)
    table = next(b for b in _section(notice, "transfers").blocks if isinstance(b, Table))
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Alpenhost"] == (
        "Switzerland", "An adequacy decision of the European Commission (Article 45 GDPR).")
    assert rows["PayPal (PayPal (Europe) S.à r.l. et Cie, S.C.A.)"] == (
        "countries outside the EU/EEA", "Binding corporate rules (Article 47 GDPR).")
    assert rows["HelpDesk Inc."] == ("USA", "An exception in Article 49(1)(b) GDPR.")
    assert rows["Cloudy"][1].startswith("The European Commission's standard contractual")
    assert rows["Google Analytics (Google Ireland Limited)"][1].startswith(
        "The EU-US Data Privacy Framework")
    assert "Bring" not in " ".join(rows)  # within the EEA: no transfer


def test_a_swedish_shop(example_data: Reader, write_and_load: Loader) -> None:
    data = example_data("002")
    data["organization"].update(country="SE", languages=["sv"])
    data["datastores"]["shop"]["collections"]["orders"]["legal_holds"] = [
        {"law": "se.bokforingslagen", "keep": ["order_number"]}]
    notice = build_notice(write_and_load(data), "sv", published=PUBLISHED)
    text = notice.text
    assert "Integritetsskyddsmyndigheten (IMY)" in text and "imy@imy.se" in text
    assert "Bokföringslagen 7 kap. 2 §: 7 år efter utgången av kalenderåret." in text
