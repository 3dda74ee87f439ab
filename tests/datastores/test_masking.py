"""The masking strategies as pure functions: examples, and properties with hypothesis."""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personvern.datastores import masking
from personvern.keys import derive_key

KEY = derive_key("pseudonym", b"masking-tests-secret-0123456789abcdef")
OTHER_KEY = derive_key("pseudonym", b"another-installation-secret-0123456789")


# --- nullify, redact, keep --------------------------------------------------------------


def test_nullify_and_keep() -> None:
    assert masking.nullify("Kari") is None
    assert masking.keep("Kari") == "Kari"


def test_redact_uses_the_configured_text_cut_to_the_column() -> None:
    assert masking.redact("Kari Nordmann") == "[erased]"
    assert masking.redact("Kari Nordmann", "[slettet]") == "[slettet]"
    assert masking.redact("Kari", "[slettet]", length=4) == "[sle"


@pytest.mark.parametrize(("family", "neutral"), [
    ("integer", 0), ("decimal", Decimal(0)), ("boolean", False), ("date", date(1970, 1, 1)),
    ("datetime", datetime(1970, 1, 1)), ("json", {}), ("string", "[erased]"),
])
def test_redact_gives_non_text_columns_a_neutral_value(family: str, neutral: object) -> None:
    assert masking.redact("whatever", family=family) == neutral
    assert masking.neutral(family) == neutral


# --- pseudonymize -----------------------------------------------------------------------


def test_pseudonym_is_hex_of_the_hmac_and_fits_the_column() -> None:
    pseudonym = masking.pseudonymize("kari@example.no", KEY)
    assert pseudonym is not None and re.fullmatch(r"[0-9a-f]{64}", pseudonym)
    truncated = masking.pseudonymize("kari@example.no", KEY, 20)
    # The same HMAC, cut: the first digits agree; the last 8 are the pseudonym's tag.
    assert truncated is not None and len(truncated) == 20 and truncated[:12] == pseudonym[:12]
    assert masking.pseudonymize(None, KEY) is None


@given(st.text(min_size=1, max_size=80))
def test_pseudonymize_is_deterministic_keyed_and_stable(value: str) -> None:
    once = masking.pseudonymize(value, KEY)
    assert once == masking.pseudonymize(value, KEY)  # joins across tables line up
    assert masking.pseudonymize(once, KEY) == once  # a pseudonym is not pseudonymised again
    assert masking.is_pseudonym(once, KEY)
    assert once != masking.pseudonymize(value, OTHER_KEY)


@given(st.text(min_size=1, max_size=80), st.integers(min_value=2, max_value=100))
def test_truncated_pseudonyms_are_stable_too(value: str, length: int) -> None:
    once = masking.pseudonymize(value, KEY, length)
    assert once is not None and len(once) == min(length, 64)
    assert masking.pseudonymize(once, KEY, length) == once


def test_an_ordinary_hex_value_is_not_taken_for_a_pseudonym() -> None:
    token = "0123456789abcdef" * 4
    assert not masking.is_pseudonym(token, KEY)
    assert masking.pseudonymize(token, KEY) != token


# --- randomize --------------------------------------------------------------------------


def _shape(text: str) -> str:
    return "".join("9" if c.isdigit() else "A" if c.isupper() else "a" if c.isalpha() else c
                   for c in text)


def test_randomize_keeps_the_format() -> None:
    phone = masking.randomize("+47 912 34 567", KEY, "customers:[1].phone")
    assert re.fullmatch(r"\+\d\d \d{3} \d\d \d{3}", phone)
    assert phone != "+47 912 34 567"
    assert _shape(masking.randomize("AB-123cd", KEY, "x")) == "AA-999aa"
    assert 100 <= masking.randomize(123, KEY, "n") <= 999


def test_randomize_makes_an_email_an_invalid_address_of_the_same_length() -> None:
    email = masking.randomize("kari.nordmann@example.no", KEY, "orders:[7].email")
    assert re.fullmatch(r"x[a-z0-9]{12}@example\.invalid", email)
    assert masking.randomize("kari.nordmann@example.no", KEY, "orders:[8].email") != email
    short = masking.randomize("kari.nordmann@example.no", KEY, "s", length=20)
    assert len(short) <= 20 and short.endswith("@example.invalid")


@given(st.text(max_size=40), st.text(min_size=1, max_size=20))
def test_randomize_is_stable_and_keeps_the_shape(value: str, seed: str) -> None:
    once = masking.randomize(value, KEY, seed)
    assert masking.randomize(once, KEY, seed) == once  # a re-run leaves it as it is
    assert masking.randomize(value, KEY, seed) == once  # chosen by key and row, not luck
    if "@" not in value:
        assert len(once) == len(value)
        assert [c.isdigit() for c in once] == [c.isdigit() for c in value]
        assert [c.isalpha() for c in once] == [c.isalpha() for c in value]


@given(st.emails())
def test_randomized_emails_stay_email_shaped(email: str) -> None:
    once = masking.randomize(email, KEY, "row")
    assert once.startswith("x") and once.endswith(masking.INVALID_DOMAIN)
    assert masking.randomize(once, KEY, "row") == once


# --- generalize_date ----------------------------------------------------------------------


def test_generalize_date_keeps_the_type() -> None:
    assert masking.generalize_date(datetime(2024, 5, 17, 13, 5)) == datetime(2024, 1, 1)
    assert masking.generalize_date(date(2024, 5, 17), "month") == date(2024, 5, 1)
    assert masking.generalize_date("2024-05-17") == "2024-01-01"
    assert masking.generalize_date("2024-05-17 13:05:00", "month") == "2024-05-01 00:00:00"
    assert masking.generalize_date("17.05.2024") is None
    assert masking.generalize_date(None) is None


@given(st.datetimes(), st.sampled_from(["year", "month"]))
def test_generalize_date_is_idempotent(moment: datetime, precision: str) -> None:
    once = masking.generalize_date(moment, precision)  # type: ignore[arg-type]
    assert isinstance(once, datetime) and once <= moment
    assert masking.generalize_date(once, precision) == once  # type: ignore[arg-type]
    assert once.day == 1 and (precision == "month" or once.month == 1)


# --- truncate_ip --------------------------------------------------------------------------


def test_truncate_ip_keeps_the_network() -> None:
    assert masking.truncate_ip("192.0.2.117") == "192.0.2.0"
    assert masking.truncate_ip("2001:db8:85a3:8d3:1319:8a2e:370:7348") == "2001:db8:85a3::"
    assert masking.truncate_ip("::ffff:192.0.2.7") == "192.0.2.0"
    assert masking.truncate_ip("not an address") is None
    assert masking.truncate_ip("300.1.1.1") is None
    assert masking.truncate_ip(None) is None


@given(st.ip_addresses())
def test_truncate_ip_is_idempotent_and_zeroes_the_host(
        address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    once = masking.truncate_ip(str(address))
    assert once is not None
    assert masking.truncate_ip(once) == once
    truncated = ipaddress.ip_address(once)
    if truncated.version == 4:
        assert int(truncated) & 0xFF == 0
    else:
        assert int(truncated) & ((1 << 80) - 1) == 0


# --- generalize_user_agent ------------------------------------------------------------------

AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0":
        "Firefox",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36": "Chrome",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15": "Safari",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68": "Edge",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0": "Opera",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1": "Chrome",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": "bot",
    "curl/8.5.0": "other",
}


@pytest.mark.parametrize(("agent", "family"), AGENTS.items())
def test_user_agents_become_their_browser_family(agent: str, family: str) -> None:
    assert masking.generalize_user_agent(agent) == family
    assert masking.generalize_user_agent(family) == family  # idempotent


@given(st.text(max_size=200))
def test_generalize_user_agent_is_idempotent(agent: str) -> None:
    once = masking.generalize_user_agent(agent)
    assert masking.generalize_user_agent(once) == once
