"""ISO-8601 durations with calendar arithmetic (``P2M``, ``P5Y``, ``P95D``, ``PT12H``).

Retention periods and legal deadlines are counted in calendar units: "two months after
storage", "five years after the end of the financial year". A ``timedelta`` cannot say
that, so a duration keeps years, months and days apart and is added to a date by the
calendar, the way Regulation (EEC, Euratom) No 1182/71 counts periods (see LEGAL.md):
the same day number in the target month, or that month's last day when it has none.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_PATTERN = re.compile(
    r"^P(?!$)"
    r"(?:(?P<years>\d+)Y)?"
    r"(?:(?P<months>\d+)M)?"
    r"(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_MAX_UNITS = 10_000  # no retention period needs more than 10,000 of any unit

D = TypeVar("D", date, datetime)


def add_months(day: D, months: int) -> D:
    """``day`` plus ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar duration. Years and months are kept apart from days and clock time."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse an ISO-8601 duration such as ``P1Y6M`` or ``PT30M``."""
        match = _PATTERN.match(text.strip().upper()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                f"{text!r} is not an ISO-8601 duration (examples: P95D, P2M, P5Y, PT12H)"
            )
        parts = {name: int(value) for name, value in match.groupdict().items() if value}
        if any(value > _MAX_UNITS for value in parts.values()):
            raise ValueError(f"{text!r} is out of range (at most {_MAX_UNITS} of a unit)")
        return cls(**parts)

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    @property
    def clock(self) -> timedelta:
        """The part of the duration that is a fixed length of time."""
        return timedelta(
            weeks=self.weeks, days=self.days, hours=self.hours,
            minutes=self.minutes, seconds=self.seconds,
        )

    def after(self, start: D) -> D:
        """The instant this duration after ``start``: months by the calendar, then the rest."""
        moved = add_months(start, self.total_months)
        clock = self.clock
        if isinstance(moved, datetime) or not (clock.seconds or clock.microseconds):
            return moved + clock
        raise ValueError(f"{self} has a time part and cannot be added to a date")

    def before(self, end: D) -> D:
        """The instant this duration before ``end`` (used to find rows that are due)."""
        moved = add_months(end, -self.total_months)
        clock = self.clock
        if isinstance(moved, datetime) or not (clock.seconds or clock.microseconds):
            return moved - clock
        raise ValueError(f"{self} has a time part and cannot be subtracted from a date")

    def approximate_days(self) -> float:
        """For ordering and comparisons only (a month counted as 30.44 days)."""
        return self.total_months * 30.436875 + self.clock.total_seconds() / 86400

    def __str__(self) -> str:
        date_part = "".join(
            f"{value}{unit}"
            for value, unit in (
                (self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D"),
            )
            if value
        )
        time_part = "".join(
            f"{value}{unit}"
            for value, unit in ((self.hours, "H"), (self.minutes, "M"), (self.seconds, "S"))
            if value
        )
        if not date_part and not time_part:
            return "P0D"
        return "P" + date_part + (f"T{time_part}" if time_part else "")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Duration:
            if isinstance(value, Duration):
                return value
            if not isinstance(value, str):
                raise ValueError("a duration must be an ISO-8601 string such as P2M or P5Y")
            return cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
            json_schema_input_schema=core_schema.str_schema(),
        )
