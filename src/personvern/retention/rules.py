"""The manifest's retention rules, resolved to sweeps, and the day each row falls due.

A rule says *delete rows* or *anonymise fields* ``after`` a period counted ``from`` an
anchor. Resolving it answers the questions a sweep needs answered before it touches a
database: which collection, which fields with which masking, and where the anchor's date
comes from:

* a date column of the row itself (``from: {column: requested_at}``);
* an event, read from the column that records it by convention (:data:`EVENT_COLUMNS`:
  ``collected`` → ``created_at``…, ``account_closed`` → ``closed_at``…), in the row itself
  or, one reference up, in the row it belongs to (an address belongs to its customer);
* ``last_activity``: the newest of the datastore's ``activity:`` columns that belong to
  the person the row belongs to (the customer's last login, last order, last chat…);

optionally moved to the end of the fiscal or calendar year that contains it.

Counting (Regulation (EEC, Euratom) No 1182/71, as LEGAL.md and
:mod:`personvern.requests.holds` count): the day of the event is not counted (Art. 3(1));
a period of days, weeks, months or years ends with the expiry of its last day, for
months and years the day with the same date as the event's day, or the month's last day
when it has none (Art. 3(2)(b), (c)). "Deleted two months after storage" therefore keeps
a row stored on 10 January through 10 March, and the row is due on 11 March:
``due_on = after.after(anchor_day) + 1 day``. With ``end_of`` the anchor day is first
moved to the last day of its (fiscal) year, as bookkeeping laws count. A period with a
clock part (``PT12H``) counts whole hours, not counting the hour of the event (Art.
3(1)), and ends with the expiry of its last hour (Art. 3(2)(a)).

Art. 3(4) (a period ending on a holiday runs to the next working day) is not applied: it
gives more time to *do* something; a retention period limits how long data is *kept*,
and :mod:`personvern.requests.holds` does not apply it either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from personvern.datastores.graph import SubjectGraph
from personvern.duration import Duration
from personvern.manifest.model import (
    Anchor,
    Collection,
    DataField,
    Datastore,
    Manifest,
    Masking,
    RetentionRule,
)
from personvern.requests.holds import year_end_boundary

Action = Literal["delete", "anonymize"]
YearEnd = Literal["fiscal_year", "calendar_year"]
DEFAULT_MASKING = Masking(strategy="nullify")

# The columns that record an event, by convention, in the order they are looked for.
EVENT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "collected": ("created_at", "collected_at", "requested_at", "stored_at"),
    "account_closed": ("closed_at", "account_closed_at"),
    "contract_end": ("contract_ended_at", "contract_end", "ended_at"),
    "consent_withdrawn": ("consent_withdrawn_at", "withdrawn_at"),
    "subscription_end": ("unsubscribed_at", "subscription_ended_at", "ended_at"),
    "request_completed": ("completed_at", "request_completed_at"),
}


class RuleError(ValueError):
    """A retention rule that cannot be carried out as written (a manifest problem)."""


# --- where an anchor's date comes from -----------------------------------------------


@dataclass(frozen=True)
class OwnColumn:
    """The anchor is a date column of the row itself."""

    column: str

    def describe(self) -> str:
        return self.column


@dataclass(frozen=True)
class ParentColumn:
    """The anchor is a date column of the row this one references (``child_field`` →
    ``parent.parent_field``)."""

    child_field: str
    parent: str
    parent_field: str
    column: str

    def describe(self) -> str:
        return f"{self.parent}.{self.column} (via {self.child_field})"


@dataclass(frozen=True)
class ActivitySource:
    """One ``activity:`` column; ``link`` is its collection's column that holds the
    person's key (None: the column is in the person's own collection)."""

    collection: str
    column: str
    link: str | None


@dataclass(frozen=True)
class LastActivity:
    """The newest activity of the person a row belongs to.

    ``key`` is the row's column holding the person's key (``person_key`` itself when the
    rule is on the person's own collection).
    """

    person: str
    person_key: str
    key: str
    sources: tuple[ActivitySource, ...]

    def describe(self) -> str:
        return "last activity (" + ", ".join(
            f"{s.collection}.{s.column}" for s in self.sources) + ")"


AnchorSource = OwnColumn | ParentColumn | LastActivity


@dataclass(frozen=True)
class Sweep:
    """One retention rule, resolved: what to do to which rows of which collection."""

    id: str  # the rule's place in the manifest: shop.access_logs.ip_address.retention[0]
    datastore: str
    collection: str
    action: Action
    after: Duration
    anchor: AnchorSource
    end_of: YearEnd | None = None
    key: tuple[str, ...] = ("id",)  # the collection's primary key
    fields: Mapping[str, Masking] = field(default_factory=dict)  # anonymize: field → how
    data_fields: Mapping[str, DataField] = field(default_factory=dict)  # their declarations
    description: str | None = None

    def describe_anchor(self) -> str:
        base = self.anchor.describe()
        return f"end of the {self.end_of.replace('_', ' ')} of {base}" if self.end_of else base


# --- resolving ---------------------------------------------------------------------------


def resolve(manifest: Manifest) -> list[Sweep]:
    """Every retention rule of the manifest as a sweep; raises :class:`RuleError` naming
    every rule that cannot be carried out."""
    sweeps: list[Sweep] = []
    problems: list[str] = []
    for store_name, store in manifest.datastores.items():
        for name, collection in store.collections.items():
            for where, rule, fields in _rules_of(store_name, name, collection):
                try:
                    sweeps.append(_sweep(where, store_name, store, name, collection, rule,
                                         fields))
                except RuleError as error:
                    problems.append(f"{where}: {error}")
    if problems:
        raise RuleError("; ".join(problems))
    return sweeps


def _rules_of(store: str, name: str, collection: Collection
              ) -> list[tuple[str, RetentionRule, tuple[str, ...]]]:
    found = [(f"{store}.{name}.retention[{i}]", rule, rule.fields)
             for i, rule in enumerate(collection.retention)]
    for field_name, data_field in collection.fields.items():
        found.extend((f"{store}.{name}.{field_name}.retention[{i}]", rule, (field_name,))
                     for i, rule in enumerate(data_field.retention))
    return found


def _sweep(where: str, store_name: str, store: Datastore, name: str, collection: Collection,
           rule: RetentionRule, fields: tuple[str, ...]) -> Sweep:
    masks: dict[str, Masking] = {}
    if rule.action == "anonymize":
        if not fields:
            raise RuleError("an anonymize rule names the fields it anonymises (fields:)")
        for field_name in fields:
            data_field = collection.fields.get(field_name)
            if data_field is None:
                raise RuleError(f"no field {field_name!r} in {name}")
            if field_name in collection.primary_key:
                raise RuleError(f"{field_name!r} is the primary key: rows are found by it")
            masks[field_name] = _masking(rule, collection, data_field)
    if rule.from_.end_of is not None and has_clock(rule.after):
        # A year's end is a day; hours cannot be counted from it.
        raise RuleError(f"{rule.after} has a clock part: it cannot count from a year's end")
    return Sweep(
        id=where, datastore=store_name, collection=name, action=rule.action,
        after=rule.after, anchor=_anchor_source(store, name, rule.from_),
        end_of=rule.from_.end_of, key=tuple(collection.primary_key), fields=masks,
        data_fields={name: collection.fields[name] for name in masks},
        description=rule.description.best("en") if rule.description else None,
    )


def _masking(rule: RetentionRule, collection: Collection, data_field: DataField) -> Masking:
    """The rule's masking, else the field's erasure strategy, else nullify; deleting the
    row is not anonymising a field, so ``delete_row`` means nullify here."""
    chosen = rule.masking or data_field.erasure or collection.erasure or DEFAULT_MASKING
    return DEFAULT_MASKING if chosen.strategy == "delete_row" else chosen


def _anchor_source(store: Datastore, name: str, anchor: Anchor) -> AnchorSource:
    collection = store.collections[name]
    if anchor.column is not None:
        if anchor.column not in collection.fields:
            raise RuleError(f"no date column {anchor.column!r} in {name}")
        return OwnColumn(anchor.column)
    event = anchor.event or "collected"
    if event == "last_activity":
        return _last_activity(store, name)
    candidates = EVENT_COLUMNS[event]
    own = next((c for c in candidates if c in collection.fields), None)
    if own is not None:
        return OwnColumn(own)
    for ref in SubjectGraph.of(store).references:
        if ref.child == name and ref.parent != name:
            parent = store.collections[ref.parent]
            column = next((c for c in candidates if c in parent.fields), None)
            if column is not None:
                return ParentColumn(ref.child_field, ref.parent, ref.parent_field, column)
    raise RuleError(
        f"no column records {event!r} in {name} or the collection it references "
        f"(looked for {', '.join(candidates)}); name it: from: {{column: …}}"
    )


def _last_activity(store: Datastore, name: str) -> LastActivity:
    """The person collection is the one every ``activity:`` column is in or references."""
    if not store.activity:
        raise RuleError("last_activity needs the datastore's activity: columns")
    graph = SubjectGraph.of(store)
    entries = [tuple(path.split(".", 1)) for path in store.activity]
    holders = {collection for collection, _ in entries}
    for person in sorted(holders):
        sources = _activity_sources(graph, person, entries)
        if sources is None:
            continue
        person_key = sources[1]
        if name == person:
            return LastActivity(person, person_key, person_key, sources[0])
        link = _link(graph, name, person, person_key)
        if link is not None:
            return LastActivity(person, person_key, link, sources[0])
        raise RuleError(f"{name} does not reference {person}, whose activity counts")
    raise RuleError("the activity: columns do not all belong to one collection of persons "
                    "(each must be in it, or reference it)")


def _activity_sources(graph: SubjectGraph, person: str, entries: list[tuple[str, ...]]
                      ) -> tuple[tuple[ActivitySource, ...], str] | None:
    sources: list[ActivitySource] = []
    keys: set[str] = set()
    for collection, column in entries:
        if collection == person:
            sources.append(ActivitySource(collection, column, None))
            continue
        refs = [r for r in graph.references if r.child == collection and r.parent == person]
        if not refs:
            return None
        sources.append(ActivitySource(collection, column, refs[0].child_field))
        keys.add(refs[0].parent_field)
    primary = graph.collections[person].primary_key
    key = next(iter(keys)) if len(keys) == 1 else (primary[0] if len(primary) == 1 else None)
    if key is None or len(keys) > 1:
        return None
    return tuple(sources), key


def _link(graph: SubjectGraph, child: str, person: str, person_key: str) -> str | None:
    return next((r.child_field for r in graph.references
                 if r.child == child and r.parent == person and r.parent_field == person_key),
                None)


# --- when rows fall due ------------------------------------------------------------------


def last_kept_day(anchor: date, end_of: YearEnd | None, fiscal_year_start: tuple[int, int]
                  ) -> date:
    """The day the period counts from: the anchor's day, or its (fiscal) year's last day."""
    if end_of is None:
        return anchor
    return year_end_boundary(anchor, end_of, fiscal_year_start) - timedelta(days=1)


def due_on(sweep: Sweep, anchor: date | datetime, fiscal_year_start: tuple[int, int]
           ) -> date:
    """The first day a row with this anchor is due (its period has fully run)."""
    if has_clock(sweep.after):
        return due_at(sweep, _as_datetime(anchor)).date()
    day = anchor.date() if isinstance(anchor, datetime) else anchor
    # Reg. 1182/71 Art. 3(1): the event's day is not counted; Art. 3(2)(b), (c): the period
    # ends with the expiry of its last day; the row may go the day after.
    return sweep.after.after(last_kept_day(day, sweep.end_of, fiscal_year_start)) \
        + timedelta(days=1)


def due_at(sweep: Sweep, anchor: datetime) -> datetime:
    """For periods with a clock part: the instant a row is due (whole hours, Art. 3(1),
    3(2)(a): the hour of the event is not counted)."""
    hour = anchor.replace(minute=0, second=0, microsecond=0)
    return sweep.after.after(hour + timedelta(hours=1))


def cutoff(sweep: Sweep, now: datetime, today: date, fiscal_year_start: tuple[int, int]
           ) -> datetime | None:
    """The instant such that a row is due now exactly when its anchor is before it.

    ``now`` is the shop's (naive) time, ``today`` the controller's calendar day. None: no
    row can be due yet (the period reaches back before the calendar begins).
    """
    try:
        if has_clock(sweep.after):
            # due_at(a) <= now  ⟺  hour(a) + 1h <= now - after  ⟺  a < hour(now - after)
            moved = sweep.after.before(now)
            return moved.replace(minute=0, second=0, microsecond=0)
        last = _last_due_day(sweep, today, fiscal_year_start)
    except (ValueError, OverflowError):
        return None
    return None if last is None else datetime.combine(last + timedelta(days=1), time())


def _last_due_day(sweep: Sweep, today: date, fiscal_year_start: tuple[int, int]
                  ) -> date | None:
    """The latest anchor day whose row is due ``today``; due days form a range that ends
    there, since ``due_on`` never decreases as the anchor day grows."""
    def due(day: date) -> bool:
        return due_on(sweep, day, fiscal_year_start) <= today

    if sweep.end_of is None:
        # Months are clamped to a month's last day, so several anchor days share an end:
        # start from the plain subtraction and walk to the last day that is due.
        day = sweep.after.before(today - timedelta(days=1))
        while due(day + timedelta(days=1)):
            day += timedelta(days=1)
        while not due(day):
            day -= timedelta(days=1)
        return day
    # A whole (fiscal) year falls due at once: find the newest year that has.
    for year in range(today.year, 0, -1):
        boundary = year_end_boundary(date(year, 12, 31), sweep.end_of, fiscal_year_start)
        if due(boundary - timedelta(days=1)):
            return boundary - timedelta(days=1)
    return None


def has_clock(after: Duration) -> bool:
    """Whether the period has hours, minutes or seconds (counted by the hour)."""
    return bool(after.hours or after.minutes or after.seconds)


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())
