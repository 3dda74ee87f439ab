"""Art. 12(3) deadlines: one month (same date or the month's last day), rolled past
weekends and the controller's public holidays; three months when extended; paused days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personvern.duration import add_months
from personvern.requests.deadlines import (
    UnknownCountryError,
    days_left,
    due_date,
    extended_due_date,
    extension_allowed,
    is_working_day,
    receipt_day,
    supported,
)

D = date.fromisoformat


@pytest.mark.parametrize(("received", "due", "why"), [
    ("2026-05-05", "2026-06-05", "same date next month"),
    ("2025-01-31", "2025-02-28", "31 January → last day of February (Friday)"),
    ("2024-01-31", "2024-02-29", "leap year: 29 February (Thursday)"),
    ("2028-01-31", "2028-02-29", "leap year: 29 February (Tuesday)"),
    ("2026-01-31", "2026-03-02", "28 February 2026 is a Saturday → Monday 2 March"),
    ("2026-03-31", "2026-04-30", "30 days in April: its last day"),
    ("2026-04-30", "2026-06-01", "30 May 2026 is a Saturday → Monday 1 June"),
    ("2027-04-17", "2027-05-18", "17 May (Constitution Day, a Monday) → Tuesday"),
    ("2026-11-25", "2026-12-28", "Christmas Day (Fri), 2nd day (Sat), Sunday → Monday"),
    ("2025-11-24", "2025-12-24", "Christmas Eve is a working day in Norway"),
    ("2026-12-01", "2027-01-04", "New Year's Day (Fri) and the weekend, across the year"),
    ("2026-05-19", "2026-06-19", "Midsummer Eve is a working day in Norway"),
])
def test_due_date_in_norway(received: str, due: str, why: str) -> None:
    assert due_date(D(received), "NO") == D(due), why


@pytest.mark.parametrize(("received", "country", "due", "why"), [
    ("2026-05-19", "SE", "2026-06-22", "Midsummer Eve (Fri), Midsummer Day (Sat), Sunday"),
    ("2026-05-19", "FI", "2026-06-22", "Finland keeps Midsummer Eve as a holiday too"),
    ("2025-11-24", "SE", "2025-12-29", "Christmas Eve, Christmas, 2nd day, weekend"),
    ("2027-04-17", "SE", "2027-05-17", "17 May is an ordinary Monday in Sweden"),
    ("2026-05-06", "SE", "2026-06-08", "National Day 6 June (Saturday) and Sunday"),
    ("2026-04-14", "DK", "2026-05-15", "Ascension Day (Thursday) → Friday"),
])
def test_due_date_follows_the_controllers_country(
    received: str, country: str, due: str, why: str
) -> None:
    assert due_date(D(received), country) == D(due), why


def test_country_code_case_does_not_matter() -> None:
    assert due_date(D("2027-04-17"), "no") == due_date(D("2027-04-17"), "NO")


@pytest.mark.parametrize(("received", "due"), [
    ("2026-01-31", "2026-04-30"),  # three months from receipt, not 2 March + 2 months
    ("2025-11-30", "2026-03-02"),  # 28 February 2026 is a Saturday
    ("2027-11-30", "2028-02-29"),  # leap year
    ("2028-02-29", "2028-05-29"),
])
def test_extended_due_date_is_three_months_from_receipt(received: str, due: str) -> None:
    assert extended_due_date(D(received), "NO") == D(due)


@pytest.mark.parametrize(("today", "country", "allowed"), [
    ("2026-03-01", None, True),  # the day of receipt
    ("2026-04-01", None, True),  # day 31: the last day of the first month
    ("2026-04-02", None, False),  # day 32
    ("2026-04-01", "NO", True),
    ("2026-04-02", "NO", False),  # Maundy Thursday: not a working day, yet already too late
    ("2026-02-28", None, False),  # before receipt
])
def test_extension_only_within_the_first_month(
    today: str, country: str | None, allowed: bool
) -> None:
    assert extension_allowed(D("2026-03-01"), D(today), country) is allowed


def test_extension_window_rolls_past_a_weekend_with_a_country() -> None:
    received = D("2026-01-31")  # the month ends Saturday 28 February
    assert not extension_allowed(received, D("2026-03-02"))
    assert extension_allowed(received, D("2026-03-02"), "NO")
    assert not extension_allowed(received, D("2026-03-03"), "NO")


def test_paused_days_move_the_end_before_it_is_rolled() -> None:
    # 1 April + 10 days = Saturday 11 April → Monday 13 April.
    assert due_date(D("2026-03-01"), "NO", paused_days=10) == D("2026-04-13")
    assert extended_due_date(D("2026-03-01"), "NO", paused_days=10) == D("2026-06-11")


def test_a_pause_from_receipt_equals_the_clock_starting_at_verification() -> None:
    received, verified = D("2026-03-02"), D("2026-03-12")
    paused = (verified - received).days
    assert due_date(received, "NO", paused) == due_date(verified, "NO") == D("2026-04-13")


def test_the_extension_window_moves_with_a_pause() -> None:
    assert not extension_allowed(D("2026-03-01"), D("2026-04-06"), "NO")
    assert extension_allowed(D("2026-03-01"), D("2026-04-06"), "NO", paused_days=5)


def test_negative_pause_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        due_date(D("2026-03-01"), "NO", paused_days=-1)


def test_unknown_country_is_an_error_not_a_guess() -> None:
    with pytest.raises(UnknownCountryError, match="XX"):
        due_date(D("2026-03-01"), "XX")
    assert not supported("XX")
    assert supported("no")


def test_receipt_day_is_the_controllers_calendar_day() -> None:
    late_evening_utc = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)  # 00:30 in Oslo
    assert receipt_day(late_evening_utc, "NO") == D("2026-03-01")
    assert receipt_day(late_evening_utc, "XX") == D("2026-02-28")
    summer = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 in Oslo (summer time)
    assert receipt_day(summer, "NO") == D("2026-07-01")


def test_days_left() -> None:
    assert days_left(D("2026-04-01"), D("2026-04-01")) == 0
    assert days_left(D("2026-04-01"), D("2026-04-03")) == -2


COUNTRIES = st.sampled_from(["NO", "SE", "DK", "FI", "DE"])
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=300, deadline=None)
@given(received=DAYS, country=COUNTRIES, paused=st.integers(0, 60))
def test_due_is_the_first_working_day_on_or_after_the_calendar_end(
    received: date, country: str, paused: int
) -> None:
    end = add_months(received, 1) + timedelta(days=paused)
    due = due_date(received, country, paused)
    assert due >= end
    assert is_working_day(due, country)
    day = end
    while day < due:
        assert not is_working_day(day, country)
        day += timedelta(days=1)
    assert extended_due_date(received, country, paused) > due
    assert extension_allowed(received, due, country, paused)
    assert not extension_allowed(received, due + timedelta(days=1), country, paused)
