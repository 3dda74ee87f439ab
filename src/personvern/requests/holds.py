"""When a legal hold ends: the day fields kept from an erasure may finally be erased.

Art. 17(3)(b) GDPR lets a controller keep what a legal obligation requires, and Art.
17(3)(e) what legal claims need, only as long as they need it. Bookkeeping laws count
their periods from the end of the financial year in which the document was made:

* Norway, bokføringsloven § 13: 5 years after the end of the financial year;
* Sweden, bokföringslagen 7 kap. 2 §: to the end of the 7th year after the end of the
  calendar year in which the financial year ended;
* Denmark, bogføringsloven: 5 years from the end of the financial year;
* Finland, kirjanpitolaki 2:10: 6 years after the end of the year.

So a hold's end is: the anchor column's value → the end of the fiscal year (starting on
``organization.fiscal_year_start``) or calendar year that contains it → plus ``after``,
counted by the calendar (:meth:`personvern.duration.Duration.after`) as Regulation (EEC,
Euratom) No 1182/71 counts: "5 years after a year ending 31 December 2024" ends with
31 December 2029, the last day the data is kept; 1 January 2030 is the first day on which
it may be erased (``ends_on``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from personvern.manifest.model import LegalHold, Organization

__all__ = ["HoldDecision", "HoldError", "anchor_day", "decide", "hold_ends_on", "law_name",
           "year_end_boundary"]


class HoldError(ValueError):
    """A hold that cannot be decided: no period, or no anchor (a manifest problem)."""


@dataclass(frozen=True)
class HoldDecision:
    """Whether a legal hold keeps a row's fields today, and until when."""

    hold: LegalHold
    anchor: date  # the day the period counts from, before moving it to the year's end
    ends_on: date  # the first day the kept fields may be erased

    @property
    def last_day(self) -> date:
        """The last day the fields are kept (what the subject is told)."""
        return self.ends_on - timedelta(days=1)

    def active(self, today: date) -> bool:
        return today < self.ends_on

    @property
    def law(self) -> str:
        return law_name(self.hold)


def law_name(hold: LegalHold) -> str:
    """The law and its section (``Bokføringsloven (Norway) § 13``), as a deferred erasure
    records it and the subject's answer names it."""
    return " ".join(part for part in (hold.law, hold.section) if part)


def _fiscal_start(year: int, month: int, day: int) -> date:
    # A fiscal year written to start on 29 February (or 31 April) starts on the month's
    # last day in the years that lack that day.
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def year_end_boundary(day: date, end_of: str, fiscal_year_start: tuple[int, int] = (1, 1)
                      ) -> date:
    """The first day after the (fiscal or calendar) year that contains ``day``.

    With a fiscal year starting 1 July, 30 June 2024 belongs to the year ending that day
    (boundary 1 July 2024), and 1 July 2024 to the next (boundary 1 July 2025).
    """
    if end_of == "calendar_year":
        return date(day.year + 1, 1, 1)
    month, first = fiscal_year_start
    start_this_year = _fiscal_start(day.year, month, first)
    next_year = day.year + 1 if day >= start_this_year else day.year
    return _fiscal_start(next_year, month, first)


def anchor_day(value: Any) -> date | None:
    """A date column's value as a calendar day (drivers give datetime, date or ISO text)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        return None


def hold_ends_on(hold: LegalHold, anchor: date, organization: Organization) -> date:
    """The first day ``hold`` no longer keeps a row whose anchor day is ``anchor``."""
    if hold.after is None:
        raise HoldError(f"the legal hold {hold.law!r} has no period (after:)")
    last = anchor
    end_of = hold.from_.end_of if hold.from_ is not None else None
    if end_of is not None:
        # The bookkeeping laws count from the end of the financial (or calendar) year.
        last = year_end_boundary(anchor, end_of, organization.fiscal_year_start_month_day) \
            - timedelta(days=1)
    # Reg. 1182/71 art. 3(2)(c): a period of years or months ends with the expiry of the
    # same date in the last month (or its last day, when it has none); the data may be
    # erased the day after.
    return hold.after.after(last) + timedelta(days=1)


def decide(hold: LegalHold, anchor: date, organization: Organization) -> HoldDecision:
    return HoldDecision(hold, anchor, hold_ends_on(hold, anchor, organization))
