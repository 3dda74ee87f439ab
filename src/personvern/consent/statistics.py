"""Consent in figures: how many recorded choices per consent category granted it, week by
week (the admin console draws them as a chart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.store.models import ConsentEvent

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WeekFigure:
    week: date  # the Monday the week starts on
    choices: int  # events that made a choice for the category that week
    granted: int

    @property
    def rate(self) -> float | None:
        return self.granted / self.choices if self.choices else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _bucket(dialect: str, start: datetime) -> sa.ColumnElement[Any] | None:
    """The week index (0, 1, …) of an event's time, in SQL; None where not written."""
    if dialect == "sqlite":
        # Times are stored as UTC text; julianday() reads it.
        return sa.cast((sa.func.julianday(ConsentEvent.at)
                        - sa.func.julianday(start.strftime("%Y-%m-%d %H:%M:%S"))) / 7,
                       sa.Integer)
    if dialect == "postgresql":
        return sa.cast(sa.func.floor(
            sa.extract("epoch", ConsentEvent.at - sa.literal(start)) / WEEK.total_seconds()),
            sa.Integer)
    return None


def weekly_optin(session: Session, categories: Sequence[str], *, weeks: int, today: date
                 ) -> dict[str, list[WeekFigure]]:
    """For each category, each of the last ``weeks`` weeks (this one last): how many
    recorded choices named the category and how many of those granted it. Every event
    counts (a banner click, a withdrawal in the portal, a GPC refusal), so the rate is
    the share of the week's decisions that were "yes"."""
    first = week_start(today) - WEEK * (weeks - 1)
    start = datetime.combine(first, time(), tzinfo=UTC)
    counts: dict[tuple[str, int], tuple[int, int]] = {}
    bucket = _bucket(session.get_bind().dialect.name, start)
    if categories and bucket is not None:
        columns: list[sa.ColumnElement[Any]] = [bucket.label("week")]
        for key in categories:
            value = ConsentEvent.choices[("categories", key)].as_boolean()
            columns += [sa.func.count(value), sa.func.sum(sa.case((value == sa.true(), 1),
                                                                  else_=0))]
        rows = session.execute(sa.select(*columns).where(ConsentEvent.at >= start)
                               .group_by(bucket)).all()
        for row in rows:
            for position, key in enumerate(categories):
                counts[(key, int(row[0]))] = (int(row[1 + 2 * position] or 0),
                                              int(row[2 + 2 * position] or 0))
    elif categories:
        for at, choices in session.execute(sa.select(ConsentEvent.at, ConsentEvent.choices)
                                           .where(ConsentEvent.at >= start)):
            index = (week_start(at.date()) - first).days // 7
            for key, granted in ((choices or {}).get("categories") or {}).items():
                made, yes = counts.get((key, index), (0, 0))
                counts[(key, index)] = (made + 1, yes + (1 if granted is True else 0))
    return {key: [WeekFigure(first + WEEK * index, *counts.get((key, index), (0, 0)))
                  for index in range(weeks)] for key in categories}
