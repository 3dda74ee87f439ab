"""Carrying out retention rules on large tables: batches, bounded transactions, resumable.

A *pass* of a rule works through the rows due at a cutoff frozen when the pass starts,
in primary-key order (keyset pagination, never ``OFFSET``). Each batch is ONE short
transaction on the shop's database:

1. select the keys of the next due rows after the cursor (``LIMIT batch``);
2. delete them, or anonymise them: in SQL with one ``UPDATE`` where the database can
   compute every field's new value (:func:`personvern.retention.predicates.sql_mask`),
   else by reading the rows, masking in Python exactly as an erasure does
   (:func:`personvern.requests.erasure.masked_value`) and writing only changed values.

The write re-checks the due predicate over the key range, so a row that stopped being
due between the two statements is left alone. After the batch commits, the cursor and
the counts are committed in the engine's store (``retention_sweeps``). A pass killed at
any point resumes from the stored cursor with the stored cutoff; the batch that was
running is done again, and finds nothing left to do (its rows are gone, or already
anonymised: masking is stable), so nothing is done or counted twice. (A batch killed
between the two commits is done but not counted: the counts never exceed what was done,
and ``retention verify`` judges the rows themselves.)

The batch size adapts so that each transaction stays near :data:`TARGET_SECONDS` (well
under a second), never above the size asked for. A rule with nothing due costs one
``SELECT``. Anonymise rules anchored on a column of their own start where the last
finished pass stopped (its cutoff); ``full=True`` looks at every due row again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from personvern.audit import chain as audit
from personvern.datastores.connect import connect
from personvern.keys import derive_key
from personvern.manifest.model import Manifest
from personvern.requests import deadlines
from personvern.requests.erasure import (
    complete_deferred,
    json_keys,
    masked_value,
    reflect_tables,
)
from personvern.retention.blocks import (
    MIN_PAGES,
    NOTHING_DUE,
    PagePosition,
    current_file,
    page_range,
    rewound,
    route,
)
from personvern.retention.predicates import Bound, column_facts, tables_of
from personvern.retention.rules import (
    LastActivity,
    OwnColumn,
    ParentColumn,
    Sweep,
    cutoff,
    resolve,
)
from personvern.store.models import RetentionSweep

log = logging.getLogger(__name__)

RUNNING, DONE = "running", "done"
SYSTEM = "system"
DEFAULT_BATCH = 250_000  # rows per transaction at most (fewer when they take long)
PYTHON_BATCH = 500  # rows read and rewritten in Python per transaction (a CASE per column)
MIN_BATCH = 100
TARGET_SECONDS = 0.2  # a batch's transaction aims at this, far under one second
# What a batch's write may take at most (PostgreSQL: SET LOCAL statement_timeout). A
# write stopped there is rolled back and done again four times smaller, so a stall of the
# machine (a checkpoint, a busy disk) cannot hold locks on the shop's table for long.
WRITE_CAP_SECONDS = 0.75
PROBE_WINDOW = 4  # a probe for the next due key looks this many batches' worth ahead
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by its timeout
Key = tuple[Any, ...]
BatchReport = Callable[[Sweep, int, int], None]  # sweep, rows looked at, rows changed


@dataclass(frozen=True)
class Moment:
    """The frozen clock of a run: the instant, the controller's calendar day (periods of
    days, months and years end at its midnight), and the instant as a naive UTC time, which
    periods with hours compare the shop's (naive) timestamps with."""

    now: datetime
    today: date
    shop_now: datetime

    @classmethod
    def at(cls, now: datetime, country: str) -> Moment:
        instant = audit.utc(now)
        return cls(instant, deadlines.receipt_day(instant, country),
                   instant.replace(tzinfo=None))


@dataclass(frozen=True)
class Settings:
    batch_size: int = DEFAULT_BATCH
    pause: float = 0.0  # seconds between two batches
    full: bool = False
    actor: str = SYSTEM
    page_min: int = MIN_PAGES  # a delete pass goes by pages from this table size on


@dataclass
class SweepResult:
    """What one rule's sweep did in this run."""

    rule: str
    action: str
    collection: str
    rows: int = 0
    batches: int = 0
    cutoff: datetime | None = None
    resumed: bool = False
    longest_seconds: float = 0.0  # the longest single transaction on the shop database

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "action": self.action, "collection": self.collection,
                "rows": self.rows, "batches": self.batches,
                "cutoff": self.cutoff.isoformat() if self.cutoff else None,
                "resumed": self.resumed, "longest_seconds": round(self.longest_seconds, 4)}


@dataclass
class RunReport:
    sweeps: list[SweepResult] = field(default_factory=list)
    deferred_completed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"sweeps": [s.to_json() for s in self.sweeps],
                "deferred_completed": self.deferred_completed}


# --- the run -----------------------------------------------------------------------------


def ordered(sweeps: Sequence[Sweep]) -> list[Sweep]:
    """Deletes before anonymisations (a row about to go need not be anonymised first),
    in the manifest's order otherwise."""
    return sorted(sweeps, key=lambda s: (s.datastore, s.action != "delete"))


@contextmanager
def shop_engine(manifest: Manifest, name: str) -> Iterator[Engine]:
    engine = connect(manifest.datastores[name], name=name, read_only=False)
    try:
        yield engine
    finally:
        engine.dispose()


def run(session: Session, manifest: Manifest, moment: Moment, settings: Settings = Settings(),
        *, rules: Sequence[str] = (), on_batch: BatchReport | None = None) -> RunReport:
    """Sweep every rule (or those named in ``rules``), then complete the erasures whose
    legal hold has ended (Art. 17(3): kept only as long as the law requires)."""
    report = RunReport()
    sweeps = [s for s in ordered(resolve(manifest)) if not rules or s.id in rules]
    fiscal = manifest.organization.fiscal_year_start_month_day
    for name in dict.fromkeys(s.datastore for s in sweeps):
        with shop_engine(manifest, name) as engine:
            for sweep in (s for s in sweeps if s.datastore == name):
                report.sweeps.append(sweep_rule(session, engine, sweep, moment, fiscal,
                                                settings, on_batch))
    if not rules:
        report.deferred_completed = complete_deferred(session, manifest, moment.today,
                                                      moment.now)
    return report


def sweep_rule(session: Session, engine: Engine, sweep: Sweep, moment: Moment,
               fiscal_year_start: tuple[int, int], settings: Settings = Settings(),
               on_batch: BatchReport | None = None) -> SweepResult:
    """Finish an interrupted pass of ``sweep`` if there is one, then make today's."""
    result = SweepResult(sweep.id, sweep.action, sweep.collection)
    state = session.get(RetentionSweep, sweep.id)
    if state is not None and state.status == RUNNING:
        result.resumed = True
        _pass(session, engine, sweep, state, None, moment, settings, result, on_batch)
    current = cutoff(sweep, moment.shop_now, moment.today, fiscal_year_start)
    if current is None:
        return result
    since = None
    if (state is not None and state.status == DONE and not settings.full
            and sweep.action == "anonymize" and isinstance(sweep.anchor, OwnColumn)
            and state.cutoff <= current):
        since = state.cutoff  # rows due before it were anonymised by that pass
    if state is None:
        state = RetentionSweep(rule=sweep.id, started_at=moment.now)
        session.add(state)
    state.status, state.cutoff, state.cursor = RUNNING, current, None
    state.started_at = state.updated_at = moment.now
    state.finished_at, state.rows, state.batches = None, 0, 0
    session.commit()
    _pass(session, engine, sweep, state, since, moment, settings, result, on_batch)
    return result


def _pass(session: Session, engine: Engine, sweep: Sweep, state: RetentionSweep,
          since: datetime | None, moment: Moment, settings: Settings, result: SweepResult,
          on_batch: BatchReport | None) -> None:
    limit = max(MIN_BATCH, settings.batch_size)
    size = min(limit, 10_000)  # grows (or shrinks) with the time each batch takes
    stored = state.cursor
    position = PagePosition.from_json(stored)
    cursor: Key | None = tuple(stored) if isinstance(stored, list) else None
    undecided, resumed_by_pages = stored is None, position is not None
    result.cutoff = state.cutoff
    while True:
        started = time.perf_counter()
        try:
            with engine.begin() as connection:
                bound = bind(connection, sweep)
                if undecided:  # how this pass goes: by key, or by pages of a large table
                    chosen = route(connection, bound, bound.due(state.cutoff, since),
                                   settings.page_min)
                    undecided = False
                    if chosen == NOTHING_DUE:
                        break
                    position = chosen if isinstance(chosen, PagePosition) else None
                elif position is not None and resumed_by_pages:
                    position = rewound(position, *current_file(connection, bound))
                    resumed_by_pages = False
                if position is not None:
                    batch = page_batch(connection, bound, state.cutoff, position,
                                       position.pages_for(size))
                else:
                    batch = next_batch(connection, bound, state.cutoff, since, cursor, size)
        except sa.exc.OperationalError as error:
            # The write ran into the transaction cap: nothing of it stays; again, smaller.
            result.longest_seconds = max(result.longest_seconds,
                                         time.perf_counter() - started)
            if not _stopped_by_cap(error) or size <= MIN_BATCH:
                raise
            size = max(MIN_BATCH, size // 4)
            continue
        elapsed = time.perf_counter() - started
        result.longest_seconds = max(result.longest_seconds, elapsed)
        if batch.last is None:
            break
        cursor, position = batch.last, batch.position
        state.cursor = (position.to_json() if position is not None
                        else json_keys([cursor])[0])
        state.rows += batch.changed
        state.batches += 1
        state.updated_at = datetime.now(UTC)
        session.commit()
        result.rows += batch.changed
        result.batches += 1
        if on_batch is not None:
            on_batch(sweep, batch.seen, batch.changed)
        if batch.final:
            break
        size = _adapt(size, elapsed, limit if not batch.python else min(limit, PYTHON_BATCH))
        if settings.pause > 0:
            time.sleep(settings.pause)
    _finish(session, sweep, state, moment, settings, result)


def _adapt(size: int, elapsed: float, limit: int) -> int:
    if elapsed > TARGET_SECONDS:
        return max(MIN_BATCH, int(size * TARGET_SECONDS / elapsed))
    if elapsed < TARGET_SECONDS / 2:
        return min(limit, size * 2)
    return min(limit, size)


def _finish(session: Session, sweep: Sweep, state: RetentionSweep, moment: Moment,
            settings: Settings, result: SweepResult) -> None:
    state.status, state.finished_at, state.updated_at = DONE, moment.now, datetime.now(UTC)
    # Counts per rule, never a value (the audit log is kept long and copied widely).
    audit.append(session, actor=settings.actor, action=f"retention.{sweep.action}",
                 subject=sweep.id, at=moment.now, detail={
                     "datastore": sweep.datastore, "collection": sweep.collection,
                     "rows": state.rows, "batches": state.batches,
                     "cutoff": state.cutoff.isoformat(), "resumed": result.resumed,
                     "fields": sorted(sweep.fields)})
    session.commit()
    log.info("retention %s: %d rows (%s) in %d batches", sweep.id, state.rows, sweep.action,
             state.batches)


# --- one batch -----------------------------------------------------------------------------


def bind(connection: Connection, sweep: Sweep) -> Bound:
    """The sweep over this database's tables (reflected once per database and process)."""
    return Bound(sweep, reflect_tables(connection, tables_of(sweep)), connection.dialect.name)


@dataclass(frozen=True)
class Batch:
    size: int  # how many rows were asked for
    seen: int  # due rows selected
    changed: int  # rows deleted or anonymised
    last: Key | None  # the cursor after this batch; None: nothing was due
    python: bool = False
    final: bool = False  # nothing is due after ``last``
    position: PagePosition | None = None  # a pass by pages: where the next batch starts


def after(columns: Sequence[sa.Column[Any]], cursor: Key | None) -> list[sa.ColumnElement[bool]]:
    """Keyset pagination: rows whose key comes after ``cursor``."""
    if cursor is None:
        return []
    if len(columns) == 1:
        return [columns[0] > sa.literal(cursor[0], columns[0].type)]
    return [sa.tuple_(*columns) > sa.tuple_(*(sa.literal(v) for v in cursor))]


def up_to(columns: Sequence[sa.Column[Any]], last: Key) -> sa.ColumnElement[bool]:
    if len(columns) == 1:
        return columns[0] <= sa.literal(last[0], columns[0].type)
    return sa.tuple_(*columns) <= sa.tuple_(*(sa.literal(v) for v in last))


def in_keys(columns: Sequence[sa.Column[Any]], keys: Sequence[Key]) -> sa.ColumnElement[bool]:
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return sa.tuple_(*columns).in_([tuple(k) for k in keys])


def next_batch(connection: Connection, bound: Bound, cutoff_at: datetime,
               since: datetime | None, cursor: Key | None, size: int) -> Batch:
    """Do one batch in the caller's transaction."""
    masks = bound.sql_masks() if bound.sweep.action == "anonymize" else {}
    if masks is None:
        return _python_batch(connection, bound, cutoff_at, since, cursor,
                             min(size, PYTHON_BATCH))
    pk = bound.primary_key
    due = bound.due(cutoff_at, since)
    if bound.sweep.action == "anonymize" and not masks:
        return Batch(size, 0, 0, None)  # every field is kept as it is: nothing to do
    itself = _reads_itself(bound)
    if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and not itself:
        return _range_batch(connection, bound, masks, due, cursor, size)
    # Other keys: a page of keys, then the write over the page's key range, re-checked.
    # Where the predicate reads the table itself, the page is locked and written by key
    # list alone (MySQL refuses a subquery on the table an UPDATE or DELETE changes).
    page = sa.select(*pk).where(due, *after(pk, cursor)).order_by(*pk).limit(size)
    if itself and connection.dialect.name != "sqlite":
        page = page.with_for_update()
    keys = [tuple(row) for row in connection.execute(page)]
    if not keys:
        return Batch(size, 0, 0, None)
    where = [in_keys(pk, keys)] if itself else [*after(pk, cursor), up_to(pk, keys[-1]), due]
    cap_write(connection)
    changed = connection.execute(_write(bound, masks, where)).rowcount or 0
    return Batch(size, len(keys), changed, keys[-1], final=len(keys) < size)


def page_batch(connection: Connection, bound: Bound, cutoff_at: datetime,
               position: PagePosition, pages: int) -> Batch:
    """Delete the due rows on the next ``pages`` pages (see :mod:`.blocks`)."""
    stop = min(position.page + pages, position.end)
    cap_write(connection)
    changed = connection.execute(_write(bound, {}, [page_range(position.page, stop),
                                                    bound.due(cutoff_at)])).rowcount or 0
    return Batch(pages, changed, changed, (stop,), final=stop >= position.end,
                 position=PagePosition(stop, position.end, position.file,
                                       position.rows_per_page))


def cap_write(connection: Connection) -> None:
    """Stop the batch's next statement at :data:`WRITE_CAP_SECONDS` (PostgreSQL; for this
    transaction only). MariaDB's limit is per session and SQLite has no other writer to
    hold up; there the batch size alone bounds the transaction."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            f"SET LOCAL statement_timeout = {int(WRITE_CAP_SECONDS * 1000)}")


def _stopped_by_cap(error: sa.exc.OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) == QUERY_CANCELED


def _range_batch(connection: Connection, bound: Bound,
                 masks: Mapping[str, sa.ColumnElement[Any]], due: sa.ColumnElement[bool],
                 cursor: Key | None, size: int) -> Batch:
    """An integer key: the first due key after the cursor (one index probe, which is all a
    rule with nothing due costs), then the write over the next ``size`` key values. A
    range of ``size`` integers holds at most ``size`` rows, so the transaction is bounded
    without reading the page twice.

    After the first batch a probe looks at most :data:`PROBE_WINDOW` batches' worth of
    keys ahead: past the last due row, an open probe would read the rest of the table in
    one statement (the planner walks the key's index expecting a due row soon)."""
    key = bound.primary_key[0]
    ahead = after((key,), cursor)
    window_end = None
    if cursor is not None:
        window_end = int(cursor[0]) + size * PROBE_WINDOW
        ahead.append(key <= sa.literal(window_end, key.type))
    first = connection.execute(sa.select(sa.func.min(key)).where(due, *ahead)).scalar()
    if first is None:
        if window_end is None:
            return Batch(size, 0, 0, None, final=True)
        highest = connection.execute(sa.select(sa.func.max(key))).scalar()
        if highest is None or window_end >= int(highest):
            return Batch(size, 0, 0, None, final=True)
        return Batch(size, 0, 0, (window_end,))  # nothing due in this window: the next
    last = int(first) + size - 1
    where = [key >= sa.literal(first, key.type), key <= sa.literal(last, key.type)]
    cap_write(connection)
    changed = connection.execute(_write(bound, masks, [*where, due])).rowcount or 0
    return Batch(size, changed, changed, (last,))


def _write(bound: Bound, masks: Mapping[str, sa.ColumnElement[Any]],
           where: Sequence[sa.ColumnElement[bool] | sa.TextClause]) -> sa.Delete | sa.Update:
    """Delete the due rows of the batch, or set their fields to the anonymised values
    where they differ."""
    table = bound.table
    if bound.sweep.action == "delete":
        return sa.delete(table).where(*where)
    if (bound.dialect != "postgresql" or len(bound.primary_key) != 1
            or bound.cheaply_checked(masks)):
        return sa.update(table).where(*where, bound.unmasked(masks)).values(masks)
    # PostgreSQL computes addresses and dates: each new value once, in a subquery, then
    # written where it differs (UPDATE … FROM), instead of once to compare and again to set.
    key = bound.primary_key[0]
    new = sa.select(key, *(expression.label(f"new_{name}") for name, expression
                           in masks.items())).where(*where).subquery("anonymised")
    return sa.update(table).where(
        key == new.c[key.name],
        sa.or_(*(table.c[name].is_distinct_from(new.c[f"new_{name}"]) for name in masks)),
    ).values({name: new.c[f"new_{name}"] for name in masks})


def _reads_itself(bound: Bound) -> bool:
    """Whether the due predicate reads the sweep's own table in a subquery."""
    sweep = bound.sweep
    anchor = sweep.anchor
    if isinstance(anchor, ParentColumn):
        return anchor.parent == sweep.collection
    if isinstance(anchor, LastActivity):
        if sweep.collection == anchor.person:
            return any(s.collection == sweep.collection and s.link is not None
                       for s in anchor.sources)
        return sweep.collection == anchor.person or any(
            s.collection == sweep.collection for s in anchor.sources)
    return False


def _python_batch(connection: Connection, bound: Bound, cutoff_at: datetime,
                  since: datetime | None, cursor: Key | None, size: int) -> Batch:
    """Anonymise in Python what the database cannot compute (pseudonyms need the engine's
    key): read the due rows, mask them, write the values that change."""
    pk, table, sweep = bound.primary_key, bound.table, bound.sweep
    fields = {name: strategy for name, strategy in sweep.fields.items()
              if strategy.strategy != "keep"}
    read = sa.select(*pk, *(table.c[name] for name in fields)).where(
        bound.due(cutoff_at, since), *after(pk, cursor)).order_by(*pk).limit(size)
    if connection.dialect.name != "sqlite":
        read = read.with_for_update()
    rows = connection.execute(read).all()
    if not rows:
        return Batch(size, 0, 0, None, python=True)
    changes = _changes(bound, rows, fields, derive_key("pseudonym"))
    if changes:
        cap_write(connection)
        connection.execute(_update(table, pk, changes))
    last = tuple(rows[-1])[: len(pk)]
    return Batch(size, len(rows), len(changes), last, python=True)


def _changes(bound: Bound, rows: Sequence[sa.Row[Any]], fields: Mapping[str, Any],
             key: bytes) -> dict[Key, dict[str, Any]]:
    sweep, facts = bound.sweep, column_facts(bound.table)
    width = len(sweep.key)
    changed: dict[Key, dict[str, Any]] = {}
    for row in rows:
        row_key = tuple(row[:width])
        seed = f"{sweep.collection}:{json.dumps(row_key, default=str)}"
        values = {}
        for offset, (name, strategy) in enumerate(fields.items()):
            old = row[width + offset]
            new = masked_value(strategy, old, facts[name], key=key, seed=f"{seed}.{name}",
                               data_field=sweep.data_fields[name])
            if new != old:
                values[name] = new
        if values:
            changed[row_key] = values
    return changed


def _update(table: sa.Table, pk: Sequence[sa.Column[Any]],
            changes: Mapping[Key, Mapping[str, Any]]) -> sa.Update:
    """One UPDATE for a batch: a constant where every row gets the same value, else a CASE
    on the key (pseudonyms differ row by row), as an erasure writes its chunks."""
    keys = list(changes)
    values: dict[str, Any] = {}
    for name in dict.fromkeys(n for row in changes.values() for n in row):
        per_row = {k: row[name] for k, row in changes.items() if name in row}
        column_type = table.c[name].type
        distinct = {json.dumps(v, default=str, sort_keys=True) for v in per_row.values()}
        if len(distinct) == 1 and len(per_row) == len(keys):
            values[name] = sa.literal(next(iter(per_row.values())), column_type)
        else:
            values[name] = sa.case(
                *((sa.and_(*(c == v for c, v in zip(pk, k, strict=True))),
                   sa.literal(v, column_type)) for k, v in per_row.items()),
                else_=table.c[name])
    return sa.update(table).where(in_keys(pk, keys)).values(values)
