"""What retention would do now, without doing it: rows due per rule, and when the next fall due.

Read-only (the datastore is opened read-only). For rules the database can evaluate
completely (deletes, and anonymisations it can compute) one aggregate query per rule
counts the rows; anonymisations computed in Python (pseudonyms) are counted by reading the
due rows in keyset batches and masking them in memory, so rows already anonymised are
not counted again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from personvern.datastores.connect import connect
from personvern.keys import derive_key
from personvern.manifest.model import Manifest
from personvern.requests.erasure import masked_value
from personvern.retention.predicates import Bound, column_facts
from personvern.retention.rules import Sweep, cutoff, due_on, resolve
from personvern.retention.sweep import PYTHON_BATCH, Moment, after, bind, ordered

SCAN_BATCH = PYTHON_BATCH


@dataclass(frozen=True)
class Outstanding:
    """Due rows a rule has not dealt with yet, and the oldest anchor among them."""

    rows: int
    oldest: datetime | None


@dataclass(frozen=True)
class RulePlan:
    """One rule as of now: what is due, and when the next rows fall due."""

    sweep: Sweep
    cutoff: datetime | None
    due: Outstanding
    next_anchor: datetime | None  # the oldest anchor of rows not yet due
    next_due_on: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.sweep.id, "datastore": self.sweep.datastore,
            "collection": self.sweep.collection, "action": self.sweep.action,
            "fields": sorted(self.sweep.fields), "after": str(self.sweep.after),
            "from": self.sweep.describe_anchor(),
            "cutoff": _iso(self.cutoff), "due_rows": self.due.rows,
            "oldest_due_anchor": _iso(self.due.oldest),
            "next_due_on": _iso(self.next_due_on),
        }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def as_datetime(value: Any) -> datetime | None:
    """An anchor as the driver returns it (datetime, date, or ISO text from SQLite)."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def plan(manifest: Manifest, moment: Moment) -> list[RulePlan]:
    """Every rule's plan; opens each datastore read-only, writes nothing."""
    sweeps = ordered(resolve(manifest))
    fiscal = manifest.organization.fiscal_year_start_month_day
    plans: list[RulePlan] = []
    for name in dict.fromkeys(s.datastore for s in sweeps):
        engine = connect(manifest.datastores[name], name=name)
        try:
            with engine.connect() as connection:
                plans.extend(plan_rule(connection, bind(connection, sweep), moment, fiscal)
                             for sweep in sweeps if sweep.datastore == name)
        finally:
            engine.dispose()
    return plans


def plan_rule(connection: Connection, bound: Bound, moment: Moment,
              fiscal_year_start: tuple[int, int]) -> RulePlan:
    sweep = bound.sweep
    at = cutoff(sweep, moment.shop_now, moment.today, fiscal_year_start)
    due = outstanding(connection, bound, at) if at is not None else Outstanding(0, None)
    anchor = bound.anchor_value()
    waiting = sa.select(sa.func.min(anchor)).select_from(bound.table)
    if at is not None:
        waiting = waiting.where(sa.not_(bound.due(at)))
    next_anchor = as_datetime(connection.execute(waiting).scalar())
    return RulePlan(sweep, at, due, next_anchor,
                    due_on(sweep, next_anchor, fiscal_year_start) if next_anchor else None)


def outstanding(connection: Connection, bound: Bound, at: datetime) -> Outstanding:
    """Due rows still to delete or anonymise at cutoff ``at``, and the oldest anchor."""
    masks = bound.sql_masks() if bound.sweep.action == "anonymize" else {}
    if masks is None:
        return _outstanding_in_python(connection, bound, at)
    where = bound.due(at)
    if bound.sweep.action == "anonymize":
        if not masks:
            return Outstanding(0, None)
        where = sa.and_(where, bound.unmasked(masks))
    count, oldest = connection.execute(
        sa.select(sa.func.count(), sa.func.min(bound.anchor_value())).select_from(
            bound.table).where(where)).one()
    return Outstanding(int(count or 0), as_datetime(oldest))


def _outstanding_in_python(connection: Connection, bound: Bound, at: datetime
                           ) -> Outstanding:
    sweep, table = bound.sweep, bound.table
    pk = bound.primary_key
    fields = [name for name, s in sweep.fields.items() if s.strategy != "keep"]
    facts = column_facts(table)
    key = derive_key("pseudonym")
    rows, oldest = 0, None
    cursor: tuple[Any, ...] | None = None
    while True:
        batch = connection.execute(
            sa.select(*pk, bound.anchor_value(), *(table.c[n] for n in fields))
            .where(bound.due(at), *after(pk, cursor)).order_by(*pk).limit(SCAN_BATCH)).all()
        for row in batch:
            values = tuple(row)
            row_key, anchor = values[:len(pk)], as_datetime(values[len(pk)])
            seed = f"{sweep.collection}:{json.dumps(row_key, default=str)}"
            if _changes_any(bound, fields, values[len(pk) + 1:], facts, key, seed):
                rows += 1
                if anchor is not None and (oldest is None or anchor < oldest):
                    oldest = anchor
        if len(batch) < SCAN_BATCH:
            return Outstanding(rows, oldest)
        cursor = tuple(batch[-1])[:len(pk)]


def _changes_any(bound: Bound, fields: Sequence[str], values: Sequence[Any],
                 facts: dict[str, Any], key: bytes, seed: str) -> bool:
    sweep = bound.sweep
    return any(
        masked_value(sweep.fields[name], value, facts[name], key=key, seed=f"{seed}.{name}",
                     data_field=sweep.data_fields[name]) != value
        for name, value in zip(fields, values, strict=True))
