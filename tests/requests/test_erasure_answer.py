"""The subject's answer says what is kept, why (the law, Art. 17(3)) and until when, in
the subject's language."""

from __future__ import annotations

from datetime import date

import pytest
from test_erasure_shop import demo_manifest

from personvern.requests.erasure import KeptItem, erasure_answer, format_day

ORDERS = KeptItem("shop", "orders", ("billing_address", "billing_name"),
                  "Bokføringsloven (Norway) § 13", date(2029, 12, 31), 3)
TOTALS = {"deleted": 8, "masked": 15, "held": 3}


@pytest.mark.parametrize(("language", "expected"), [
    ("nb", ["slettet", "Ordre (3): billing_address, billing_name",
            "Bokføringsloven (Norway) § 13", "regnskapsdokumentasjon",
            "art. 17 nr. 3 bokstav b", "til og med 31. desember 2029"]),
    ("sv", ["raderat", "Ordrar (3): billing_address, billing_name",
            "Bokføringsloven (Norway) § 13", "räkenskapsinformation",
            "artikel 17.3 b", "till och med 31 december 2029"]),
    ("en", ["erased", "Orders (3): billing_address, billing_name",
            "Bokføringsloven (Norway) § 13", "accounting documentation",
            "Art. 17(3)(b)", "until 31 December 2029"]),
])
def test_the_answer_says_what_why_and_until_when(language: str, expected: list[str]) -> None:
    answer = erasure_answer([ORDERS], language, demo_manifest("sqlite://"), TOTALS)
    for part in expected:
        assert part in answer, (language, part)


def test_nothing_kept_is_said_too() -> None:
    answer = erasure_answer([], "en", demo_manifest("sqlite://"), TOTALS)
    assert "8 records deleted and 15 anonymised" in answer
    assert "We keep nothing about you." in answer


def test_an_unknown_language_is_answered_in_english() -> None:
    answer = erasure_answer([ORDERS], "de", demo_manifest("sqlite://"), TOTALS)
    assert "until 31 December 2029" in answer


@pytest.mark.parametrize(("language", "text"), [
    ("nb", "1. januar 2030"), ("sv", "1 januari 2030"), ("en", "1 January 2030"),
])
def test_dates_are_written_in_the_language(language: str, text: str) -> None:
    assert format_day(date(2030, 1, 1), language) == text
