"""What changed between two manifests, in sentences, in nb, sv and en."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from notice_examples import Loader, Reader

from personvern.manifest.load import LoadedManifest
from personvern.notice import NoticeChange, diff_manifests


def _without_hotjar(data: dict[str, Any]) -> dict[str, Any]:
    del data["recipients"]["hotjar"]
    data["purposes"]["web_statistics"]["recipients"].remove("hotjar")
    data["cookies"] = [c for c in data["cookies"] if c.get("catalog") != "hotjar"]
    return data


def _texts(changes: list[NoticeChange]) -> list[str]:
    return [change.text for change in changes]


@pytest.fixture
def base(example_data: Reader) -> dict[str, Any]:
    data = example_data("002")
    data["purposes"]["newsletter"]["name"] = {"nb": "Nyhetsbrev", "sv": "Nyhetsbrev",
                                              "en": "Newsletter"}
    data["purposes"]["newsletter"]["retention"] = {"after": "P3Y", "from": "consent_withdrawn"}
    return data


def _pair(
    write_and_load: Loader, old: dict[str, Any], new: dict[str, Any]
) -> tuple[LoadedManifest, LoadedManifest]:
    return write_and_load(old, "old.yaml"), write_and_load(new, "new.yaml")


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Hotjar was added as a processor in Malta."),
    ("nb", "Hotjar er lagt til som databehandler på Malta."),
    ("sv", "Hotjar har lagts till som personuppgiftsbiträde på Malta."),
])
def test_a_recipient_added(
    base: dict[str, Any], write_and_load: Loader, language: str, expected: str
) -> None:
    old, new = _pair(write_and_load, _without_hotjar(copy.deepcopy(base)), base)
    changes = diff_manifests(old, new, language)
    assert expected in _texts(changes)
    assert any(c.kind == "cookie_added" and c.subject == "_hjTLDTest" for c in changes)
    removed = diff_manifests(new, old, language)
    assert any(c.kind == "recipient_removed" and c.subject == "hotjar" for c in removed)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "The retention period for “Newsletter” was shortened from 3 years to 2 years."),
    ("nb", "Lagringstiden for «Nyhetsbrev» er forkortet fra 3 år til 2 år."),
    ("sv", "Lagringstiden för ”Nyhetsbrev” har förkortats från 3 år till 2 år."),
])
def test_retention_shortened(
    base: dict[str, Any], example_data: Reader, write_and_load: Loader, language: str,
    expected: str,
) -> None:
    new = {**base, "purposes": {**base["purposes"]}}
    new["purposes"]["newsletter"] = {**base["purposes"]["newsletter"],
                                     "retention": {"after": "P2Y", "from": "consent_withdrawn"}}
    old, changed = _pair(write_and_load, base, new)
    assert _texts(diff_manifests(old, changed, language)) == [expected]
    longer = diff_manifests(changed, old, "en")
    assert [c.kind for c in longer] == ["retention_lengthened"]


def test_retention_compared_by_length_not_by_unit(
    base: dict[str, Any], write_and_load: Loader
) -> None:
    new = {**base, "purposes": {**base["purposes"]}}
    new["purposes"]["newsletter"] = {**base["purposes"]["newsletter"],
                                     "retention": {"after": "P30M", "from": "consent_withdrawn"}}
    old, changed = _pair(write_and_load, base, new)
    assert _texts(diff_manifests(old, changed, "en")) == [
        "The retention period for “Newsletter” was shortened from 3 years to 30 months."
    ]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "The legal basis for “Newsletter” changed from consent to legitimate interests."),
    ("nb", "Behandlingsgrunnlaget for «Nyhetsbrev» er endret fra samtykke til berettiget "
           "interesse."),
    ("sv", "Den rättsliga grunden för ”Nyhetsbrev” har ändrats från samtycke till berättigat "
           "intresse."),
])
def test_legal_basis_changed(
    base: dict[str, Any], write_and_load: Loader, language: str, expected: str
) -> None:
    new = {**base, "purposes": {**base["purposes"]}}
    new["purposes"]["newsletter"] = {**base["purposes"]["newsletter"],
                                     "legal_basis": "legitimate_interests"}
    old, changed = _pair(write_and_load, base, new)
    assert _texts(diff_manifests(old, changed, language)) == [expected]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Mailchimp now transfers under the EU-US Data Privacy Framework."),
    ("nb", "Mailchimp overfører nå opplysninger med grunnlag i EU-US Data Privacy Framework."),
    ("sv", "Mailchimp för nu över uppgifter med stöd av EU-US Data Privacy Framework."),
])
def test_transfer_safeguard_changed(
    base: dict[str, Any], write_and_load: Loader, language: str, expected: str
) -> None:
    new = {**base, "recipients": {**base["recipients"]}}
    new["recipients"]["mailchimp"] = {"catalog": "mailchimp", "transfer": "dpf"}
    old, changed = _pair(write_and_load, base, new)
    assert _texts(diff_manifests(old, changed, language)) == [expected]


def test_role_and_country_changed(base: dict[str, Any], write_and_load: Loader) -> None:
    new = {**base, "recipients": {**base["recipients"]}}
    new["recipients"]["nosto"] = {"catalog": "nosto", "role": "independent_controller",
                                  "country": "SE"}
    old, changed = _pair(write_and_load, base, new)
    assert _texts(diff_manifests(old, changed, "en")) == [
        "Nosto is now an independent controller (previously a processor).",
        "Nosto now processes data in Sweden (previously Finland).",
    ]


def test_purposes_and_categories(base: dict[str, Any], write_and_load: Loader) -> None:
    new = {**base, "purposes": {**base["purposes"]}}
    del new["purposes"]["live_chat"]
    new["purposes"]["newsletter"] = {**base["purposes"]["newsletter"],
                                     "categories": ["user.contact.email", "user.name"]}
    new["purposes"]["loyalty"] = {
        "name": {"nb": "Kundeklubb", "en": "Loyalty club"},
        "data_use": "marketing.communications", "legal_basis": "contract",
        "categories": ["user.contact.email"],
    }
    new["cookies"] = [c for c in base["cookies"] if c.get("catalog") != "zendesk"]
    old, changed = _pair(write_and_load, base, new)
    texts = _texts(diff_manifests(old, changed, "en"))
    assert "New purpose: “Loyalty club”." in texts
    assert "The purpose “Livechat” was removed." in texts
    assert "“Newsletter” now also uses: name." in texts
    assert "The cookie __zlcmid (Zendesk) was removed." in texts


def test_dpo_and_contact(base: dict[str, Any], write_and_load: Loader) -> None:
    new = {**base, "organization": {**base["organization"]}}
    new["organization"]["dpo"] = {"name": "Kari Nordmann", "email": "dpo@extra-leker.no"}
    new["organization"]["email"] = "personvern@extra-leker.no"
    old, changed = _pair(write_and_load, base, new)
    assert _texts(diff_manifests(old, changed, "nb")) == [
        "Personvernombudet vårt er nå Kari Nordmann (dpo@extra-leker.no).",
        "Kontaktopplysningene våre er endret: e-post er nå personvern@extra-leker.no "
        "(tidligere kundeservice@extra-leker.no).",
    ]


def test_no_change(examples: dict[str, LoadedManifest]) -> None:
    assert diff_manifests(examples["004"], examples["004"], "sv") == []
