"""``personvern audience export`` (its Typer app, as ``personvern.cli`` mounts it): exactly
the consenting customers of the demo shop, on SQLite and PostgreSQL (the shop's tables and
the engine store in one database each)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import phonenumbers
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from personvern.consent import audience, records
from personvern.consent.audience import Platform
from personvern.consent.audience_cli import app
from personvern.demo.generate import generate
from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.requests import limits
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import transaction
from personvern.store.models import AuditEntry

SECRET = "audience-tests-secret-0123456789abcdef"
VISITOR = "Vb7Qm3xZk9PpL2sT4uWy6A"
GIVEN = datetime(2026, 1, 10, 9, tzinfo=UTC)
SINCE = "2026-03-01"
CUSTOM_AUDIENCE = """\
purposes:
  custom_audience:
    name:
      nb: Facebook og Google Custom Audience
      sv: Facebook och Google Custom Audience
      en: Facebook and Google Custom Audience
    data_use: marketing.advertising.third_party.targeted
    legal_basis:
      - basis: consent
        channels: [account, form]
    categories: [user.contact.email, user.contact.phone_number]
    requirement: voluntary
"""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture
def manifest_path(engine: sa.Engine, store_url: str, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo shop with a custom-audience purpose, its tables in the store's database."""
    generate(store_url, 40, seed=11, reference=date(2025, 6, 30))
    text = resources.files("personvern.demo").joinpath("manifest.yaml").read_text("utf-8")
    path = tmp_path / "shop.yaml"
    path.write_text(text.replace("purposes:\n", CUSTOM_AUDIENCE, 1), encoding="utf-8")
    monkeypatch.setenv("PERSONVERN_DEMO_DB", store_url)
    return path


@pytest.fixture
def manifest(manifest_path: Path) -> Manifest:
    return load_manifest(manifest_path).manifest


def shop_rows(store_url: str) -> dict[str, tuple[str, str | None]]:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as connection:
            return {number: (email, phone) for number, email, phone in connection.execute(
                sa.text("SELECT customer_number, email, phone FROM customers"))}
    finally:
        engine.dispose()


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def audience_choice(granted: bool, purpose: str = "custom_audience") -> records.Choices:
    return records.Choices(purposes={purpose: granted})


@pytest.fixture
def story(engine: sa.Engine, manifest: Manifest, store_url: str) -> dict[str, str]:
    """Consent histories of ten customers, in time order; returns the customer number of
    each role. The expected answers are in the tests, not computed here."""
    rows = shop_rows(store_url)
    numbers = sorted(rows)[:12]
    phoned = next(n for n in numbers if rows[n][1])  # restricted by phone number only
    roles = ["by customer number", "by e-mail (double opt-in)", "withdrew", "objected",
             "linked visitor", "withdrew before since", "consented after since", "refused",
             "other purpose only"]
    by_role = dict(zip(roles, [n for n in numbers if n != phoned], strict=False))
    by_role["restricted by phone"] = phoned
    with transaction(engine) as session:
        def give(who: records.ConsentSubject, granted: bool, when: datetime,
                 purpose: str = "custom_audience") -> None:
            records.record(session, manifest, who, audience_choice(granted, purpose),
                           source=records.ConsentSource.portal, language="nb", now=when)

        for role in ("by customer number", "withdrew", "objected", "restricted by phone",
                     "withdrew before since"):
            give(records.customer(by_role[role]), True, GIVEN)
        give(records.email(rows[by_role["by e-mail (double opt-in)"]][0].upper()), True, GIVEN)
        give(records.visitor(VISITOR), True, GIVEN)
        records.link_visitor(session, VISITOR, by_role["linked visitor"], now=at(1, 11))
        give(records.customer(by_role["refused"]), False, GIVEN)
        give(records.customer(by_role["other purpose only"]), True, GIVEN, "newsletter")
        give(records.customer(by_role["withdrew before since"]), False, at(2, 1))
        give(records.customer(by_role["withdrew"]), False, at(4, 1))
        limits.object_to(session, identity=SubjectIdentity(email=rows[by_role["objected"]][0]),
                         manifest=manifest, purpose="custom_audience", now=at(4, 2))
        phone = rows[by_role["restricted by phone"]][1]
        assert phone is not None
        e164 = phonenumbers.format_number(phonenumbers.parse(phone, "NO"),
                                          phonenumbers.PhoneNumberFormat.E164)
        limits.restrict(session, identity=SubjectIdentity(phone=e164), manifest=manifest,
                        ground=limits.RestrictionGround.accuracy_contested, now=at(4, 3))
        give(records.customer(by_role["consented after since"]), True, at(5, 1))
    return by_role


def _exported(manifest: Manifest, engine: sa.Engine, platform: Platform,
              since: str | None = None) -> audience.Audience:
    with transaction(engine) as session:
        return audience.export(session, manifest, "custom_audience", platform,
                               since=audience.since_moment(since) if since else None)


def _meta_email(rows: dict[str, tuple[str, str | None]], number: str) -> str:
    return sha(rows[number][0].strip().lower())


def test_exactly_the_consenting_customers_are_exported(
    engine: sa.Engine, manifest: Manifest, story: dict[str, str], store_url: str,
) -> None:
    rows = shop_rows(store_url)
    found = _exported(manifest, engine, Platform.meta)
    wanted = ["by customer number", "by e-mail (double opt-in)", "linked visitor",
              "consented after since"]
    assert sorted(emails for emails, _ in found.rows) == sorted(
        (_meta_email(rows, story[role]),) for role in wanted)
    table = list(csv.reader(io.StringIO(found.csv())))
    assert table[0] == ["email", "phone"] and len(table) == 1 + len(wanted)
    for role in wanted:
        _, phone = rows[story[role]]
        parsed = phonenumbers.parse(phone, "NO") if phone else None
        # Numbers that are not valid in the shop's country (a Swedish number written
        # without +46 in a Norwegian shop) are left out, not guessed.
        expected_phone = (sha(phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.E164)[1:])
            if parsed is not None and phonenumbers.is_valid_number(parsed) else "")
        assert [_meta_email(rows, story[role]), expected_phone] in table[1:]


def test_since_lists_exactly_the_removals(
    engine: sa.Engine, manifest: Manifest, story: dict[str, str], store_url: str,
) -> None:
    rows = shop_rows(store_url)
    removals = _exported(manifest, engine, Platform.google, SINCE)
    assert removals.removals
    table = list(csv.reader(io.StringIO(removals.csv())))
    assert table[0] == ["Email", "Phone"]
    wanted = {"withdrew", "objected", "restricted by phone"}
    # None of these e-mails is a gmail.com address that Google's rule would change.
    expected = {sha(rows[story[role]][0].strip().lower()) for role in wanted
                if not rows[story[role]][0].endswith(("@gmail.com", "@googlemail.com"))}
    assert expected <= {row[0] for row in table[1:]}
    assert len(table) == 1 + len(wanted)
    # A moment before anyone consented: nobody to remove.
    assert _exported(manifest, engine, Platform.google, "2025-12-31").rows == ()


def test_the_export_is_audited_with_counts_only(
    engine: sa.Engine, manifest: Manifest, story: dict[str, str],
) -> None:
    _exported(manifest, engine, Platform.meta)
    with transaction(engine) as session:
        entry = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "audience.export")).one()
        assert entry.detail == {"purpose": "custom_audience", "platform": "meta",
                                "customers": 4, "removals_since": None}


def test_the_command_writes_the_platforms_file(
    engine: sa.Engine, manifest_path: Path, story: dict[str, str], store_url: str,
    tmp_path: Path,
) -> None:
    output = tmp_path / "audience.csv"
    base = ["export", "--purpose", "custom_audience", "--manifest",
            str(manifest_path), "--database", store_url]
    done = CliRunner().invoke(app, [*base, "--format", "google", "-o", str(output)])
    assert done.exit_code == 0, done.output
    lines = output.read_text().splitlines()
    assert lines[0] == "Email,Phone" and len(lines) == 5
    assert output.stat().st_mode & 0o777 == 0o600
    from personvern.cli import app as personvern  # as a user runs it: personvern audience …

    removals = CliRunner().invoke(personvern, ["audience", *base, "--format", "meta",
                                               "--since", SINCE])
    assert removals.exit_code == 0, removals.output
    assert removals.stdout.splitlines()[0] == "email,phone"
    assert len(removals.stdout.splitlines()) == 4


@pytest.mark.parametrize(("arguments", "message"), [
    (["--purpose", "no_such_purpose", "--format", "meta"], "no purpose"),
    (["--purpose", "order_fulfilment", "--format", "meta"], "does not rest on consent"),
    (["--purpose", "custom_audience", "--format", "tiktok"], "tiktok"),
    (["--purpose", "custom_audience", "--format", "meta", "--since", "yesterday"],
     "--since"),
    (["--purpose", "custom_audience", "--format", "meta", "--since", "2999-01-01"],
     "past"),
])
def test_the_command_refuses_bad_input_and_writes_nothing(
    engine: sa.Engine, manifest_path: Path, store_url: str, tmp_path: Path,
    arguments: list[str], message: str,
) -> None:
    output = tmp_path / "audience.csv"
    done = CliRunner().invoke(app, ["export", *arguments, "--manifest",
                                    str(manifest_path), "--database", store_url,
                                    "-o", str(output)])
    assert done.exit_code == 2
    assert message in done.output
    assert not output.exists()
    with transaction(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "audience.export")) == 0


# --- normalisation, with the platforms' own examples -------------------------------------------


@pytest.mark.parametrize(("raw", "meta", "google"), [
    # Meta: trim and lower-case; Google: the same, and no dots before @ on gmail.com.
    ("  John.Smith@Gmail.com ", "john.smith@gmail.com", "johnsmith@gmail.com"),
    ("Jane.Doe@GoogleMail.com", "jane.doe@googlemail.com", "janedoe@googlemail.com"),
    ("kari.nordmann@example.no", "kari.nordmann@example.no", "kari.nordmann@example.no"),
    ("Test+Promo@gmail.com", "test+promo@gmail.com", "test+promo@gmail.com"),
])
def test_email_normalisation(raw: str, meta: str, google: str) -> None:
    assert audience.meta_email(raw) == meta
    assert audience.google_email(raw) == google


@pytest.mark.parametrize(("raw", "region", "meta", "google"), [
    # Meta's examples (customer list formatting): with or without punctuation, always
    # with the country code; Meta wants digits only, Google E.164 with "+".
    ("1-650-555-1234", "US", "16505551234", "+16505551234"),
    ("+44 844 412 4653", "NO", "448444124653", "+448444124653"),
    # Nordic numbers as shops store them: no country code means the shop's country.
    ("912 34 567", "NO", "4791234567", "+4791234567"),
    ("0046 70-123 45 67", "NO", "46701234567", "+46701234567"),
    ("070-123 45 67", "SE", "46701234567", "+46701234567"),  # the trunk 0 goes
    ("12", "NO", None, None),
    ("not a number", "NO", None, None),
])
def test_phone_normalisation(raw: str, region: str, meta: str | None,
                             google: str | None) -> None:
    assert audience.meta_phone(raw, region) == meta
    assert audience.google_phone(raw, region) == google


def test_hashes_are_lower_case_sha256_hex() -> None:
    # SHA-256 of "test@example.com" (any SHA-256 implementation gives it).
    assert audience.sha256_hex("test@example.com") == (
        "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b")
    customer = audience.Customer("K-1", {" Test@Example.com"}, {"not a number", ""})
    assert audience.hashed_row(customer, Platform.meta, "NO") == (
        ("973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b",), ())
