"""ISO-8601 durations counted by the calendar (Regulation 1182/71, as LEGAL.md says)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personvern.duration import Duration, add_months


@pytest.mark.parametrize(("text", "canonical"), [
    ("P95D", "P95D"), ("P2M", "P2M"), ("P5Y", "P5Y"), ("p1y6m", "P1Y6M"), ("PT12H", "PT12H"),
    ("P1W", "P1W"), ("P0D", "P0D"), ("P1DT30M", "P1DT30M"),
])
def test_parse_and_print(text: str, canonical: str) -> None:
    assert str(Duration.parse(text)) == canonical


@pytest.mark.parametrize("text", ["", "P", "PT", "5Y", "P5", "P-1D", "P1.5Y", "two years",
                                  "P99999Y", "P1Y" * 100])
def test_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO-8601|out of range"):
        Duration.parse(text)


def test_month_counts_to_the_same_date() -> None:
    # EDPB Guidelines 01/2022: received 5 May → due 5 June.
    assert Duration.parse("P1M").after(date(2026, 5, 5)) == date(2026, 6, 5)


@pytest.mark.parametrize(("start", "due"), [
    (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the last day of the month
    (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 15), date(2027, 1, 15)),  # across New Year
])
def test_month_end_is_clamped(start: date, due: date) -> None:
    assert Duration.parse("P1M").after(start) == due


def test_years_from_29_february() -> None:
    assert Duration.parse("P1Y").after(date(2024, 2, 29)) == date(2025, 2, 28)
    assert Duration.parse("P4Y").after(date(2024, 2, 29)) == date(2028, 2, 29)


def test_time_part_needs_a_datetime() -> None:
    assert Duration.parse("PT12H").after(datetime(2026, 1, 1, 6)) == datetime(2026, 1, 1, 18)
    with pytest.raises(ValueError, match="time part"):
        Duration.parse("PT12H").after(date(2026, 1, 1))


def test_before_finds_the_cutoff() -> None:
    # Rows stored on or before this instant are two months old at 2026-03-31.
    assert Duration.parse("P2M").before(date(2026, 4, 30)) == date(2026, 2, 28)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)),
       st.integers(min_value=-600, max_value=600))
def test_add_months_never_overflows_the_month(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or moved.day < day.day
