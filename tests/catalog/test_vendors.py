"""The vendor catalog: every data file loads, is internally consistent and expands in a manifest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from personvern import catalog
from personvern.catalog import Vendor
from personvern.duration import Duration
from personvern.manifest.load import load_manifest

REQUIRED = (
    # payments
    "klarna", "vipps_mobilepay", "nets", "svea", "walley", "stripe", "adyen", "paypal",
    "dintero", "qliro",
    # carriers
    "bring", "postnord", "helthjem", "budbee", "instabox", "dhl", "ups",
    # analytics and marketing
    "google_analytics", "google_ads", "meta", "tiktok", "hotjar", "microsoft_clarity",
    "posthog", "piwik_pro", "matomo", "mailchimp", "klaviyo", "rule", "apsis", "voyado",
    "nosto", "yotpo", "trustpilot", "google_customer_reviews", "optimizely", "pinterest",
    "snapchat", "linkedin", "youtube", "onetrust",
    # support
    "zendesk", "intercom", "freshdesk",
    # hosting and platforms
    "aws", "azure", "google_cloud", "cloudflare", "shopify", "wix",
    # credit agencies
    "informa",
)
NOT_VENDORS = ("woocommerce", "magento", "bitiba")
LANGUAGES = {"en", "nb", "sv"}
KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

VENDORS = catalog.vendors()


def _all() -> list[Vendor]:
    return list(VENDORS.values())


def test_catalog_loads_with_enough_vendors() -> None:
    assert len(VENDORS) >= 40


def test_required_vendors_exist() -> None:
    missing = [key for key in REQUIRED if key not in VENDORS]
    assert not missing, missing


def test_self_hosted_software_and_shops_are_not_vendors() -> None:
    assert not set(NOT_VENDORS) & set(VENDORS)


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_key_is_snake_case(vendor: Vendor) -> None:
    assert KEY.match(vendor.key)


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_country_is_iso_alpha_2(vendor: Vendor) -> None:
    assert re.fullmatch(r"[A-Z]{2}", vendor.country), vendor.country


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_vendor_outside_the_eea_has_a_transfer_mechanism(vendor: Vendor) -> None:
    status = catalog.transfer_status(vendor.country)
    if status != "eea":
        assert vendor.transfer, f"{vendor.key}: {vendor.country} is {status}, needs a transfer"
    if status == "adequacy":
        assert vendor.transfer == "adequacy"


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_description_in_english_norwegian_and_swedish(vendor: Vendor) -> None:
    assert vendor.description is not None
    assert set(vendor.description) >= LANGUAGES, vendor.description
    assert all(vendor.description[language].strip() for language in LANGUAGES)


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_urls_are_https(vendor: Vendor) -> None:
    for url in (vendor.website, vendor.privacy_policy):
        assert url is None or url.startswith("https://"), url


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_cookies_are_well_formed(vendor: Vendor) -> None:
    categories = set(catalog.consent_categories())
    names = [cookie.name for cookie in vendor.cookies]
    assert len(names) == len(set(names)), names
    for cookie in vendor.cookies:
        assert cookie.category in categories, (cookie.name, cookie.category)
        if cookie.duration is not None and cookie.duration != "session":
            Duration.parse(cookie.duration)
        assert cookie.description is not None, cookie.name
        assert set(cookie.description) >= LANGUAGES, cookie.name


@pytest.mark.parametrize("vendor", _all(), ids=lambda v: v.key)
def test_every_vendor_expands_into_a_valid_manifest(vendor: Vendor, tmp_path: Path) -> None:
    document: dict[str, object] = {
        "organization": {"name": "X AS", "country": "NO"},
        "recipients": {vendor.key: {"catalog": vendor.key}},
    }
    if vendor.cookies:
        document["cookies"] = [{"catalog": vendor.key}]
    path = tmp_path / "personvern.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    manifest = load_manifest(path).manifest
    recipient = manifest.recipients[vendor.key]
    assert (recipient.entity, recipient.role) == (vendor.entity, vendor.role)
    assert recipient.country == vendor.country
    assert [cookie.name for cookie in manifest.cookies] == [c.name for c in vendor.cookies]


MANIFEST = """\
organization:
  name: X AS
  country: "NO"
recipients:
  meta:
    catalog: meta
  klarna:
    catalog: klarna
    role: processor
cookies:
  - catalog: meta
"""


def test_manifest_takes_catalog_defaults_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "personvern.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    manifest = load_manifest(path).manifest

    meta = manifest.recipients["meta"]
    assert meta.entity == "Meta Platforms Ireland Limited"
    assert meta.role == "joint_controller"
    assert meta.catalog == "meta"
    assert meta.transfer is not None
    assert meta.transfer.mechanism == "dpf"

    klarna = manifest.recipients["klarna"]
    assert klarna.role == "processor"
    assert klarna.entity == VENDORS["klarna"].entity

    names = {cookie.name for cookie in manifest.cookies}
    assert {"_fbp", "fr"} <= names
    assert names == {cookie.name for cookie in VENDORS["meta"].cookies}
    assert all(cookie.provider == "meta" and cookie.catalog == "meta"
               for cookie in manifest.cookies)
