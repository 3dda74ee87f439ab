"""When a legal hold ends: fiscal years, year ends, leap days (Art. 17(3)(b))."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personvern.duration import Duration
from personvern.manifest.model import Anchor, LegalHold, Organization
from personvern.requests.holds import (
    HoldError,
    anchor_day,
    decide,
    hold_ends_on,
    year_end_boundary,
)

CALENDAR = Organization(name="Fjordhund AS", country="NO")
JULY = Organization(name="Fjordhund AS", country="NO", fiscal_year_start="07-01")
BOOKKEEPING = LegalHold.model_validate({
    "law": "Bokføringsloven", "section": "§ 13", "after": "P5Y",
    "from": {"column": "created_at", "end_of": "fiscal_year"},
    "keep": ["billing_name"],
})
SWEDISH = LegalHold.model_validate({
    "law": "Bokföringslagen", "section": "7 kap. 2 §", "after": "P7Y",
    "from": {"column": "created_at", "end_of": "calendar_year"},
})
COMPLAINTS = LegalHold.model_validate({
    "law": "Forbrukerkjøpsloven", "section": "§ 27", "after": "P2Y", "exception": "e",
    "from": {"column": "created_at"},
})


@pytest.mark.parametrize(("day", "boundary"), [
    (date(2024, 12, 31), date(2025, 1, 1)),
    (date(2025, 1, 1), date(2026, 1, 1)),
    (date(2024, 2, 29), date(2025, 1, 1)),
])
def test_calendar_fiscal_year(day: date, boundary: date) -> None:
    assert year_end_boundary(day, "fiscal_year") == boundary
    assert year_end_boundary(day, "calendar_year") == boundary


@pytest.mark.parametrize(("day", "boundary"), [
    (date(2024, 6, 30), date(2024, 7, 1)),  # last day of the fiscal year 2023/24
    (date(2024, 7, 1), date(2025, 7, 1)),  # first day of 2024/25
    (date(2024, 12, 31), date(2025, 7, 1)),
    (date(2025, 1, 1), date(2025, 7, 1)),
    (date(2024, 2, 29), date(2024, 7, 1)),
])
def test_fiscal_year_starting_on_1_july(day: date, boundary: date) -> None:
    assert year_end_boundary(day, "fiscal_year", (7, 1)) == boundary


def test_a_fiscal_year_starting_on_29_february_starts_on_the_28th_in_common_years() -> None:
    assert year_end_boundary(date(2023, 2, 28), "fiscal_year", (2, 29)) == date(2024, 2, 29)
    assert year_end_boundary(date(2023, 2, 27), "fiscal_year", (2, 29)) == date(2023, 2, 28)


def test_bokforingsloven_keeps_five_years_after_the_end_of_the_financial_year() -> None:
    # bokføringsloven § 13: a sale on 31 December 2024 is kept through 2029.
    decision = decide(BOOKKEEPING, date(2024, 12, 31), CALENDAR)
    assert decision.ends_on == date(2030, 1, 1)
    assert decision.last_day == date(2029, 12, 31)
    assert decision.active(date(2029, 12, 31)) and not decision.active(date(2030, 1, 1))
    assert decision.law == "Bokføringsloven § 13"
    # One day later is the next financial year: a year more.
    assert hold_ends_on(BOOKKEEPING, date(2025, 1, 1), CALENDAR) == date(2031, 1, 1)


def test_a_july_fiscal_year_moves_the_end() -> None:
    assert hold_ends_on(BOOKKEEPING, date(2024, 6, 30), JULY) == date(2029, 7, 1)
    assert hold_ends_on(BOOKKEEPING, date(2024, 7, 1), JULY) == date(2030, 7, 1)


def test_a_fiscal_year_ending_in_february_counts_from_its_last_day() -> None:
    # Fiscal year 1 March 2022 – 28 February 2023; one year later is 28 February 2024
    # (the same date, Reg. 1182/71), so the data goes on the leap day.
    march = Organization(name="Fjordhund AS", country="NO", fiscal_year_start="03-01")
    one_year = BOOKKEEPING.model_copy(update={"after": Duration.parse("P1Y")})
    assert hold_ends_on(one_year, date(2023, 1, 15), march) == date(2024, 2, 29)
    three_and_a_half = BOOKKEEPING.model_copy(update={"after": Duration.parse("P3Y6M")})
    assert hold_ends_on(three_and_a_half, date(2024, 12, 31), CALENDAR) == date(2028, 7, 1)


def test_bokforingslagen_counts_from_the_calendar_year() -> None:
    # 7 kap. 2 §: to the end of the 7th year after the calendar year.
    assert hold_ends_on(SWEDISH, date(2024, 3, 5), JULY) == date(2032, 1, 1)


def test_a_period_from_the_day_itself_includes_that_day() -> None:
    # A leap day plus two years is 28 February (Reg. 1182/71: the month's last day).
    assert hold_ends_on(COMPLAINTS, date(2024, 2, 28), CALENDAR) == date(2026, 3, 1)
    assert hold_ends_on(COMPLAINTS, date(2024, 2, 29), CALENDAR) == date(2026, 3, 1)
    assert decide(COMPLAINTS, date(2024, 2, 29), CALENDAR).last_day == date(2026, 2, 28)


def test_a_hold_without_a_period_cannot_be_decided() -> None:
    with pytest.raises(HoldError, match="no period"):
        hold_ends_on(LegalHold(law="Some law", from_=Anchor(column="created_at")),
                     date(2024, 1, 1), CALENDAR)


@pytest.mark.parametrize(("value", "day"), [
    (datetime(2024, 12, 31, 23, 59), date(2024, 12, 31)),
    (date(2025, 1, 1), date(2025, 1, 1)),
    ("2024-02-29 12:00:00", date(2024, 2, 29)),
    ("not a date", None),
    (None, None),
])
def test_anchor_values_as_the_drivers_give_them(value: object, day: date | None) -> None:
    assert anchor_day(value) == day


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
       st.sampled_from([(1, 1), (7, 1), (4, 1), (2, 29), (10, 31)]))
def test_the_boundary_is_a_fiscal_year_start_after_the_day(day: date, start: tuple[int, int]
                                                           ) -> None:
    boundary = year_end_boundary(day, "fiscal_year", start)
    assert day < boundary
    assert (boundary - day).days <= 366
    # The day before the boundary still belongs to the year that ends there; the boundary
    # itself starts the next one.
    assert year_end_boundary(boundary - timedelta(days=1), "fiscal_year", start) == boundary
    assert year_end_boundary(boundary, "fiscal_year", start) > boundary


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_every_day_of_a_year_shares_its_hold_end(day: date) -> None:
    first = hold_ends_on(BOOKKEEPING, date(day.year, 1, 1), CALENDAR)
    assert hold_ends_on(BOOKKEEPING, day, CALENDAR) == first == date(day.year + 6, 1, 1)
    assert Duration.parse("P5Y").after(date(day.year + 1, 1, 1)) == first
