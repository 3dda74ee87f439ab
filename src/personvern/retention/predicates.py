"""A resolved rule as SQL over the shop's reflected tables: which rows are due, what their
anchor is, and how a field is anonymised in SQL where the database can do it.

Everything is SQLAlchemy Core, so one predicate runs on SQLite, PostgreSQL and
MySQL/MariaDB. "Last activity" is written without ``GREATEST`` (which MySQL makes NULL
when any argument is): the newest activity is before the cutoff exactly when some activity
is known and none is at or after it — ``NOT EXISTS`` over each activity column, which
the foreign-key indexes serve.

Anonymising in SQL (:func:`sql_mask`) gives, value for value, what
:func:`personvern.requests.erasure.masked_value` gives in Python, for the strategies a
database can compute: constants (``nullify``, ``redact``) everywhere; on PostgreSQL also
``truncate_ip`` (IPv4 /24, IPv6 /48, LEGAL.md conventions) and ``generalize_date``. A
value that is not a plain IPv4 or IPv6 address (zone ids, ``0:0:0:0:0:ffff:1.2.3.4``
written out, garbage) becomes NULL in SQL (the type's neutral value in a NOT NULL
column): never more than Python would keep. Strategies
that need the engine's key or Python (``pseudonymize``, ``randomize``,
``generalize_user_agent``) run in Python batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from personvern.datastores import masking
from personvern.datastores.connect import type_family
from personvern.manifest.model import Masking
from personvern.requests.erasure import ColumnFacts
from personvern.retention.rules import LastActivity, OwnColumn, ParentColumn, Sweep

# Before any real date, and within every database's range (MySQL's DATETIME starts in 1000).
FLOOR = datetime(1000, 1, 1)

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4_PATTERN = rf"^{_OCTET}(\.{_OCTET}){{3}}$"
_H = "[0-9a-f]{1,4}"
_V4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
# The textual forms of RFC 4291 2.2 (case-insensitive), IPv4-embedded ones included.
IPV6_PATTERN = (
    rf"^(({_H}:){{7}}{_H}|({_H}:){{1,7}}:|({_H}:){{1,6}}:{_H}|({_H}:){{1,5}}(:{_H}){{1,2}}"
    rf"|({_H}:){{1,4}}(:{_H}){{1,3}}|({_H}:){{1,3}}(:{_H}){{1,4}}|({_H}:){{1,2}}(:{_H}){{1,5}}"
    rf"|{_H}:(:{_H}){{1,6}}|:((:{_H}){{1,7}}|:)|::(ffff(:0{{1,4}})?:)?{_V4}"
    rf"|({_H}:){{1,4}}:{_V4})$"
)


def tables_of(sweep: Sweep) -> list[str]:
    """Every table the sweep reads: its own, and those its anchor comes from."""
    names = [sweep.collection]
    if isinstance(sweep.anchor, ParentColumn):
        names.append(sweep.anchor.parent)
    elif isinstance(sweep.anchor, LastActivity):
        names.append(sweep.anchor.person)
        names.extend(s.collection for s in sweep.anchor.sources)
    return list(dict.fromkeys(names))


def column_facts(table: sa.Table) -> dict[str, ColumnFacts]:
    return {c.name: ColumnFacts(type_family(c.type), getattr(c.type, "length", None),
                                bool(c.nullable), c.type) for c in table.columns}


@dataclass(frozen=True)
class Bound:
    """A sweep on one database: its reflected tables, and the SQL it needs."""

    sweep: Sweep
    tables: Mapping[str, sa.Table]
    dialect: str

    @property
    def table(self) -> sa.Table:
        return self.tables[self.sweep.collection]

    @property
    def primary_key(self) -> tuple[sa.Column[Any], ...]:
        return tuple(self.table.c[name] for name in self.sweep.key)

    # -- the anchor --------------------------------------------------------------------

    def due(self, cutoff: datetime, since: datetime | None = None) -> sa.ColumnElement[bool]:
        """Rows whose anchor is before ``cutoff`` (and, with ``since``, not before it)."""
        anchor = self.sweep.anchor
        if isinstance(anchor, OwnColumn):
            column = self.table.c[anchor.column]
            clause: sa.ColumnElement[bool] = column < _bound(column, cutoff)
            if since is not None:
                clause = sa.and_(clause, column >= _bound(column, since))
            return clause
        if isinstance(anchor, ParentColumn):
            parent = self.tables[anchor.parent].alias("anchor_parent")
            column = parent.c[anchor.column]
            return sa.exists().where(
                parent.c[anchor.parent_field] == self.table.c[anchor.child_field],
                column < _bound(column, cutoff))
        return self._inactive(anchor, cutoff)

    def _inactive(self, anchor: LastActivity, cutoff: datetime) -> sa.ColumnElement[bool]:
        key = self.table.c[anchor.key]
        known: list[sa.ColumnElement[bool]] = []
        recent: list[sa.ColumnElement[bool]] = []
        for index, source in enumerate(anchor.sources):
            if source.link is None and self.sweep.collection == anchor.person:
                column = self.table.c[source.column]
                known.append(column.is_not(None))
                # Spelled out: a NULL login must count as "not recent", not as unknown.
                recent.append(sa.and_(column.is_not(None), column >= _bound(column, cutoff)))
                continue
            other = self.tables[source.collection].alias(f"activity_{index}")
            link = other.c[source.link] if source.link else other.c[anchor.person_key]
            column = other.c[source.column]
            known.append(sa.exists().where(link == key, column.is_not(None)))
            recent.append(sa.exists().where(link == key, column >= _bound(column, cutoff)))
        return sa.and_(sa.or_(*known), sa.not_(sa.or_(*recent)))

    def anchor_value(self) -> sa.ColumnElement[Any]:
        """The anchor of each row as a value (for the oldest row and the next due)."""
        anchor = self.sweep.anchor
        if isinstance(anchor, OwnColumn):
            return self.table.c[anchor.column]
        if isinstance(anchor, ParentColumn):
            parent = self.tables[anchor.parent].alias("anchor_parent")
            return sa.select(sa.func.max(parent.c[anchor.column])).where(
                parent.c[anchor.parent_field] == self.table.c[anchor.child_field]
            ).scalar_subquery()
        values: list[sa.ColumnElement[Any]] = []
        key = self.table.c[anchor.key]
        for index, source in enumerate(anchor.sources):
            if source.link is None and self.sweep.collection == anchor.person:
                values.append(self.table.c[source.column])
                continue
            other = self.tables[source.collection].alias(f"activity_{index}")
            link = other.c[source.link] if source.link else other.c[anchor.person_key]
            values.append(sa.select(sa.func.max(other.c[source.column])).where(
                link == key).scalar_subquery())
        if len(values) == 1:
            return values[0]
        floor = sa.literal(FLOOR, sa.DateTime())
        greatest = "max" if self.dialect == "sqlite" else "greatest"
        newest = getattr(sa.func, greatest)(*(sa.func.coalesce(v, floor) for v in values))
        return sa.func.nullif(newest, floor)

    # -- anonymising -------------------------------------------------------------------

    def sql_masks(self) -> dict[str, sa.ColumnElement[Any]] | None:
        """The new value of each field as SQL, or None when some field needs Python."""
        facts = column_facts(self.table)
        found: dict[str, sa.ColumnElement[Any]] = {}
        for name, strategy in self.sweep.fields.items():
            if strategy.strategy == "keep":
                continue
            expression = sql_mask(strategy, self.table.c[name], facts[name], self.dialect)
            if expression is None:
                return None
            found[name] = expression
        return found

    def unmasked(self, masks: Mapping[str, sa.ColumnElement[Any]]
                 ) -> sa.ColumnElement[bool]:
        """Rows where some field still differs from its anonymised value. Where a cheap
        test proves a value differs (:func:`surely_unmasked`), the costly comparison with
        the anonymised value is not needed for it."""
        if not masks:
            return sa.false()
        facts = column_facts(self.table)
        checks = []
        for name, expression in masks.items():
            column = self.table.c[name]
            differs = column.is_distinct_from(expression)
            quick = surely_unmasked(self.sweep.fields[name], column, facts[name])
            checks.append(differs if quick is None else sa.or_(quick, differs))
        return sa.or_(*checks)

    def cheaply_checked(self, masks: Mapping[str, sa.ColumnElement[Any]]) -> bool:
        """Whether every field has a cheap test (then one UPDATE computes little twice)."""
        facts = column_facts(self.table)
        return all(surely_unmasked(self.sweep.fields[name], self.table.c[name], facts[name])
                   is not None for name in masks)


def surely_unmasked(strategy: Masking, column: sa.ColumnElement[Any], facts: ColumnFacts
                    ) -> sa.ColumnElement[bool] | None:
    """A cheap test that is true only for values that are certainly not anonymised yet.

    ``truncate_ip``: an anonymised value is an IPv4 network ending in ``.0``, an IPv6 /48
    network (its last five groups are zero, the longest run, so its text ends in ``::``),
    NULL, or the column's neutral value; anything else still needs truncating.
    """
    if strategy.strategy != "truncate_ip" or facts.family not in ("string", "text", None):
        return None
    neutral = masking.redact(None, None, family=facts.family, length=facts.length)
    return sa.and_(column.is_not(None), column.not_like("%.0"), column.not_like("%::"),
                   column != sa.literal(neutral, facts.type))


def _bound(column: sa.ColumnElement[Any], moment: datetime) -> Any:
    """``moment`` typed as the column: a date column compares with a date."""
    if type_family(column.type) == "date":
        return sa.literal(moment.date(), column.type)
    return sa.literal(moment, column.type)


def sql_mask(strategy: Masking, column: sa.ColumnElement[Any], facts: ColumnFacts,
             dialect: str) -> sa.ColumnElement[Any] | None:
    """``strategy`` applied to ``column`` in SQL, as ``masked_value`` would in Python; None
    when this database cannot compute it."""
    name = strategy.strategy
    # NOT NULL: "nothing" is the type's neutral value, as in masked_value.
    neutral = sa.literal(masking.redact(None, strategy.value, family=facts.family,
                                        length=facts.length), facts.type)
    new: sa.ColumnElement[Any]
    if name in ("nullify", "delete_row"):
        return sa.null() if facts.nullable else neutral
    if name == "redact":
        return neutral  # the replacement text, or the type's neutral value
    if name == "truncate_ip" and dialect == "postgresql" and facts.family in (
            "string", "text", None):
        new = _truncate_ip_postgresql(column)
    elif name == "generalize_date" and dialect == "postgresql" and facts.family in (
            "date", "datetime"):
        new = sa.cast(sa.func.date_trunc(strategy.precision or "year", column), facts.type)
    else:
        return None
    return new if facts.nullable else sa.func.coalesce(new, neutral)


def _truncate_ip_postgresql(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """IPv4 → /24, IPv6 → /48, an IPv4-mapped IPv6 address as IPv4 (as Python does)."""
    text = sa.func.btrim(column)
    address = sa.cast(text, postgresql.INET)
    mapped: sa.ColumnElement[Any] = sa.literal_column("'::ffff:0.0.0.0'::inet")

    def network(value: sa.ColumnElement[Any], prefix: int) -> sa.ColumnElement[Any]:
        return sa.func.host(sa.func.network(sa.func.set_masklen(value, prefix)))

    # inet - inet is a number, inet + number an address: the mapped address as IPv4.
    as_v4: sa.ColumnElement[Any] = sa.literal_column("'0.0.0.0'::inet").op("+")(
        address.op("-")(mapped))
    return sa.case(
        (text.op("~")(IPV4_PATTERN), network(address, 24)),
        (text.op("~*")(IPV6_PATTERN), sa.case(
            (address.op("<<")(sa.literal_column("'::ffff:0.0.0.0/96'::inet")),
             network(as_v4, 24)),
            else_=network(address, 48))),
        else_=sa.null(),
    )
