"""When a data-subject request must be answered. Pure functions of dates: no clock, no I/O.

Counting follows Art. 12(3) GDPR as the EDPB reads it (Guidelines 01/2022 on the right of
access, following Regulation (EEC, Euratom) No 1182/71, see LEGAL.md):

* the month runs from the day of receipt to the **same date** of the next month
  (received 5 May → due 5 June), or to that month's **last day** when it has no such date
  (received 31 January → 28/29 February) — :func:`personvern.duration.add_months`;
* when that day is a Saturday, Sunday or public holiday of the controller's country,
  the period ends at the end of the **next working day** (1182/71 Art. 3(4)).

Pauses while the subject proves who they are (Art. 12(6)). The choice made here: the days
between asking the subject for proof of identity and receiving it **do not count**. The
period's unadjusted end moves later by exactly those days, and only then is it rolled
forward to a working day. When identity is doubted at receipt, this is the same as the
clock starting at verification, which is how the EDPB reads it (Guidelines 01/2022,
section 3.3 on proportionate identification and section 5.3 on timing; paragraph numbers
to be checked against the adopted text, LEGAL.md "(check)"). It never gives the
controller more time than restarting the month at verification would, because only the
days actually spent waiting are added. The same shift applies to the first month within
which an extension must be announced. Asking for identity is only allowed with
*reasonable doubts* and only for what is needed (Art. 12(6), EDPB 01/2022 §3.3), so a
pause is recorded with its reason on the request's timeline.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from personvern.duration import add_months

ONE_MONTH = 1  # Art. 12(3), first sentence
EXTENDED_MONTHS = 3  # Art. 12(3), second sentence: "two further months", three in total
SATURDAY = 5

# Days besides public holidays that end no period, by country. Sweden: lag (1930:173) om
# beräkning av lagstadgad tid, 2 §, treats midsommarafton, julafton and nyårsafton like
# holidays for time limits (check); the holidays package files them as "de facto".
_EXTRA_CATEGORIES: dict[str, tuple[str, ...]] = {"SE": ("de_facto",)}

# The controller's clock decides on which calendar day a request was received.
_TIME_ZONES = {
    "NO": "Europe/Oslo", "SE": "Europe/Stockholm", "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki", "DE": "Europe/Berlin", "IS": "Atlantic/Reykjavik",
    "NL": "Europe/Amsterdam", "FR": "Europe/Paris", "GB": "Europe/London",
    "IE": "Europe/Dublin", "AT": "Europe/Vienna", "BE": "Europe/Brussels",
    "ES": "Europe/Madrid", "IT": "Europe/Rome", "PL": "Europe/Warsaw",
    "EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius",
}


class UnknownCountryError(ValueError):
    """No public-holiday calendar is known for the controller's country."""


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays  # imported here: the CLI's --help should not pay for it

    categories: tuple[str, ...] = ("public", *_EXTRA_CATEGORIES.get(country, ()))
    try:
        calendar = holidays.country_holidays(country, years=year, categories=categories)
    except NotImplementedError:
        raise UnknownCountryError(
            f"no public-holiday calendar for country {country!r}: deadlines cannot be rolled "
            "past its holidays"
        ) from None
    return frozenset(calendar.keys())


def is_working_day(day: date, country: str) -> bool:
    """Not a Saturday, Sunday or public holiday of ``country`` (1182/71 Art. 3(4))."""
    return day.weekday() < SATURDAY and day not in _holidays(country.upper(), day.year)


def next_working_day(day: date, country: str) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def _period_end(received: date, months: int, country: str | None, paused_days: int) -> date:
    if paused_days < 0:
        raise ValueError("paused_days cannot be negative")
    # Art. 12(3) with 1182/71: same date N months on, or that month's last day.
    end = add_months(received, months) + timedelta(days=paused_days)
    # 1182/71 Art. 3(4): a period does not end on a Saturday, Sunday or public holiday.
    return end if country is None else next_working_day(end, country)


def due_date(received: date, country: str, paused_days: int = 0) -> date:
    """The last day to answer: one month after receipt (Art. 12(3)), on a working day.

    ``paused_days``: days spent waiting for proof of identity, which do not count
    (Art. 12(6); see the module docstring for the choice made).
    """
    return _period_end(received, ONE_MONTH, country, paused_days)


def extended_due_date(received: date, country: str, paused_days: int = 0) -> date:
    """The last day to answer after an extension: three months after receipt (Art. 12(3)).

    Counted from receipt as one period of three months, not as two months added to the
    end of the first (which may have been rolled past a weekend): the GDPR extends the
    period "by two further months", and EDPB 01/2022 speaks of three months in total.
    """
    return _period_end(received, EXTENDED_MONTHS, country, paused_days)


def extension_allowed(
    received: date, today: date, country: str | None = None, paused_days: int = 0
) -> bool:
    """Whether an extension can still be announced ``today``.

    Art. 12(3): the subject must be told of an extension, with its reasons, "within one
    month of receipt of the request". With ``country`` the last day of that month rolls to
    a working day like any other period (1182/71 Art. 3(4)); without it, the strict
    calendar month is used.
    """
    return received <= today <= _period_end(received, ONE_MONTH, country, paused_days)


def days_left(deadline: date, today: date) -> int:
    """Whole days until ``deadline``: 0 on the day itself, negative when overdue."""
    return (deadline - today).days


def receipt_day(moment: datetime, country: str) -> date:
    """The calendar day of ``moment`` in the controller's country (UTC when not known).

    A request that arrives at 00:30 in Oslo on 1 March was received on 1 March, even though
    it is still 28 February in UTC; its month counts from 1 March.
    """
    zone = _TIME_ZONES.get(country.upper())
    if moment.tzinfo is None or zone is None:
        return moment.date()
    return moment.astimezone(ZoneInfo(zone)).date()


def supported(country: str, known: Collection[str] = ()) -> bool:
    """Whether deadlines can be computed for ``country`` (a holiday calendar exists)."""
    if country.upper() in known:
        return True
    try:
        _holidays(country.upper(), 2000)
    except UnknownCountryError:
        return False
    return True
