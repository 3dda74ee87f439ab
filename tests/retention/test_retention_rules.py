"""When rows fall due (Reg. 1182/71 as LEGAL.md counts), and rules that cannot be resolved."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from retention_shop import manifest

from personvern.duration import Duration
from personvern.retention.rules import (
    LastActivity,
    OwnColumn,
    ParentColumn,
    RuleError,
    Sweep,
    cutoff,
    due_on,
    resolve,
)

JANUARY = (1, 1)


def sweep(after: str, end_of: str | None = None) -> Sweep:
    return Sweep("shop.t.retention[0]", "shop", "t", "delete", Duration.parse(after),
                 OwnColumn("created_at"), end_of=end_of)  # type: ignore[arg-type]


def test_two_months_keep_the_day_of_storage_out_and_the_last_day_in() -> None:
    # Stored 10 January: the period runs 11 January to the end of 10 March (Art. 3(1),
    # 3(2)(c)); the row goes on 11 March.
    rule = sweep("P2M")
    assert due_on(rule, datetime(2024, 1, 10, 23, 59, 59), JANUARY) == date(2024, 3, 11)
    assert cutoff(rule, datetime(2024, 3, 10, 12), date(2024, 3, 10), JANUARY) == \
        datetime(2024, 1, 10)
    assert cutoff(rule, datetime(2024, 3, 11, 0), date(2024, 3, 11), JANUARY) == \
        datetime(2024, 1, 11)


def test_a_month_without_the_date_ends_on_its_last_day() -> None:
    rule = sweep("P1M")
    # 29, 30 and 31 January all end with 29 February 2024 and go on 1 March.
    for day in (29, 30, 31):
        assert due_on(rule, date(2024, 1, day), JANUARY) == date(2024, 3, 1)
    assert cutoff(rule, datetime(2024, 3, 1), date(2024, 3, 1), JANUARY) == datetime(2024, 2, 1)
    assert cutoff(rule, datetime(2024, 2, 29), date(2024, 2, 29), JANUARY) == \
        datetime(2024, 1, 29)


def test_days_count_from_the_day_after() -> None:
    rule = sweep("P95D")
    assert due_on(rule, date(2024, 1, 10), JANUARY) == date(2024, 4, 15)
    assert cutoff(rule, datetime(2024, 4, 15), date(2024, 4, 15), JANUARY) == \
        datetime(2024, 1, 11)


def test_fiscal_year_anchor_around_new_year() -> None:
    rule = sweep("P5Y", "fiscal_year")
    assert due_on(rule, datetime(2019, 12, 31, 23, 59), JANUARY) == date(2025, 1, 1)
    assert due_on(rule, datetime(2020, 1, 1, 0, 0), JANUARY) == date(2026, 1, 1)
    assert cutoff(rule, datetime(2024, 12, 31), date(2024, 12, 31), JANUARY) == \
        datetime(2019, 1, 1)
    assert cutoff(rule, datetime(2025, 1, 1), date(2025, 1, 1), JANUARY) == datetime(2020, 1, 1)


def test_a_fiscal_year_from_july() -> None:
    rule = sweep("P5Y", "fiscal_year")
    july = (7, 1)
    # 30 June 2020 ends the fiscal year 2019/20: due 1 July 2025; 1 July 2020 a year later.
    assert due_on(rule, date(2020, 6, 30), july) == date(2025, 7, 1)
    assert due_on(rule, date(2020, 7, 1), july) == date(2026, 7, 1)
    assert cutoff(rule, datetime(2025, 7, 1), date(2025, 7, 1), july) == datetime(2020, 7, 1)
    assert cutoff(rule, datetime(2025, 6, 30), date(2025, 6, 30), july) == datetime(2019, 7, 1)


def test_hours_are_whole_hours_after_the_hour_of_the_event() -> None:
    rule = sweep("PT12H")
    now = datetime(2024, 5, 1, 23, 30)
    # Stored at 10:20: the period runs 11:00–23:00; at 23:30 it is due, 11:05 is not.
    assert cutoff(rule, now, now.date(), JANUARY) == datetime(2024, 5, 1, 11)


def test_a_period_longer_than_the_calendar_is_never_due() -> None:
    assert cutoff(sweep("P9999Y"), datetime(2024, 1, 1), date(2024, 1, 1), JANUARY) is None


BODY = """    activity: [customers.last_login_at, orders.created_at]
    collections:
      customers:
        fields:
          id: {categories: user.unique_id, type: integer}
          email: {categories: user.contact.email, identity: email, type: string,
                  erasure: pseudonymize}
          last_login_at: {categories: user.behavior, type: datetime}
          closed_at: {categories: user.account, type: datetime}
        retention:
          - {action: anonymize, after: P3Y, from: last_activity, fields: [email]}
      addresses:
        fields:
          id: {categories: system.operations, type: integer}
          customer_id: {categories: user.unique_id, references: customers.id, type: integer}
          street: {categories: user.contact.address.street, type: string, erasure: delete_row}
        retention:
          - {action: delete, after: P3Y, from: account_closed}
          - {action: anonymize, after: P1Y, from: last_activity, fields: [street]}
      orders:
        fields:
          id: {categories: user.unique_id, type: integer}
          customer_id: {categories: user.unique_id, references: customers.id, type: integer}
          created_at: {categories: user.behavior.purchase_history, type: datetime}
"""


def test_anchors_resolve_to_columns_parents_and_activity(tmp_path: Path) -> None:
    sweeps = {s.id: s for s in resolve(manifest(tmp_path, "sqlite://", BODY))}
    customers = sweeps["shop.customers.retention[0]"]
    assert isinstance(customers.anchor, LastActivity)
    assert customers.anchor.key == "id"
    assert [s.collection for s in customers.anchor.sources] == ["customers", "orders"]
    closed = sweeps["shop.addresses.retention[0]"].anchor
    assert closed == ParentColumn("customer_id", "customers", "id", "closed_at")
    street = sweeps["shop.addresses.retention[1]"]
    assert isinstance(street.anchor, LastActivity) and street.anchor.key == "customer_id"
    # delete_row is no way to anonymise a field: the street is nulled.
    assert street.fields["street"].strategy == "nullify"


def test_an_event_without_a_column_is_a_clear_error(tmp_path: Path) -> None:
    body = """    collections:
      notes:
        fields:
          id: {categories: system.operations, type: integer}
          body: {categories: user.content.private, type: text}
        retention:
          - {action: delete, after: P1Y, from: contract_end}
"""
    with pytest.raises(RuleError, match="no column records 'contract_end'"):
        resolve(manifest(tmp_path, "sqlite://", body))
