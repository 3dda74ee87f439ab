"""The erasure story, end to end in Chromium: a guest of the demo shop asks to have their
data erased, proves the address with the code that arrives over SMTP, the privacy team
approves the request in the admin console, the
worker runs it and the team marks the Art. 19 recipient tasks done. The orders are under a
legal hold (bokføringsloven § 13: five years after the end of the fiscal year): the answer
on the status page says what is kept and until when, and the shop's database shows every
other field of the guest masked while the held ones stay."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from story_server import (
    StoryServer,
    ask_in_portal,
    enter_code,
    guest_with_orders,
    mail_text,
    mail_to,
    newest_code,
    officer_approves_and_runs,
    shot,
    wait_for_state,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

STATUS_PATH = re.compile(r"/portal/status/([0-9a-f-]{36})\?")
REDACTED = "[slettet]"  # the demo manifest's redaction of names and addresses
HOLD_YEARS = 5  # bokføringsloven § 13, from the end of the fiscal year (1 January start)
ORDER_COLUMNS = ("id", "email", "phone", "billing_name", "billing_address", "delivery_name",
                 "delivery_address", "total", "created_at")


def _orders(server: StoryServer, email: str) -> dict[int, dict[str, Any]]:
    rows = server.shop_rows(
        f"SELECT {', '.join('o.' + c for c in ORDER_COLUMNS)} FROM orders o "
        "JOIN guest_checkouts g ON g.id = o.guest_checkout_id WHERE lower(g.email) = :email",
        email=email)
    return {int(row[0]): dict(zip(ORDER_COLUMNS, row, strict=True)) for row in rows}


def _rows_by_id(server: StoryServer, ids: list[int]) -> dict[int, dict[str, Any]]:
    marks = ", ".join(str(int(i)) for i in ids)
    rows = server.shop_rows(
        f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE id IN ({marks})")
    return {int(row[0]): dict(zip(ORDER_COLUMNS, row, strict=True)) for row in rows}


def _kept_until(created_at: Any) -> date:
    """The last day the bookkeeping law keeps an order: 31 December, five years after the
    fiscal year (the calendar year, for the demo shop) in which it was made."""
    made = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(
        str(created_at))
    return date(made.year + HOLD_YEARS, 12, 31)


def test_story_erasure_keeps_what_the_law_holds_and_says_until_when(
        browser: Browser, server: StoryServer, smtp_server: tuple[str, Any]) -> None:
    _, received = smtp_server
    email, _numbers = guest_with_orders(server)
    before = _orders(server, email)
    held = {i: row for i, row in before.items() if _kept_until(row["created_at"]) >= date.today()}
    assert held, "the guest's orders are all older than the hold"
    checkouts_before = server.shop_rows(
        "SELECT id, name FROM guest_checkouts WHERE lower(email) = :email", email=email)

    guest = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = guest.new_page()
    ask_in_portal(page, server, "Have your data erased", email, "erasure")
    enter_code(page, newest_code(received, email, 1))
    page.wait_for_url("**/portal/status/**")
    status_url = page.url
    match = STATUS_PATH.search(status_url)
    assert match, status_url
    assert status_url in mail_text(mail_to(received, email, 2)[1])
    shot(page, "erasure-3-status-received")

    officer_approves_and_runs(browser, server, match.group(1), "erasure")

    wait_for_state(page, server, status_url, "completed")
    shot(page, "erasure-4-status-answered")
    answer = page.locator(".answer").inner_text()
    guest.close()

    # What is kept, under which law, and until when: one line per hold, with its last day.
    assert "The law obliges us to keep some of it" in answer
    assert "Bokføringsloven" in answer and "17(3)" in answer
    for day in sorted({_kept_until(row["created_at"]) for row in held.values()}):
        assert f"Kept until {day.day} {day:%B} {day.year}" in answer, answer
    assert "billing_name" in answer or "billing name" in answer.lower(), answer

    # The shop's database, read directly: held fields stay, every other one is masked.
    after = _rows_by_id(server, list(before))
    assert set(after) == set(before)  # orders are kept as rows (bookkeeping)
    for order_id, old in before.items():
        new = after[order_id]
        assert new["email"] != old["email"] and email not in str(new["email"]).lower()
        assert new["phone"] is None
        assert new["delivery_name"] == REDACTED and new["delivery_address"] == REDACTED
        assert new["total"] == old["total"] and new["created_at"] == old["created_at"]
        if order_id in held:
            assert (new["billing_name"], new["billing_address"]) == (
                old["billing_name"], old["billing_address"])
        else:
            assert new["billing_name"] == REDACTED
    for checkout_id, _name in checkouts_before:
        [(name, stored)] = server.shop_rows(
            "SELECT name, email FROM guest_checkouts WHERE id = :id", id=checkout_id)
        assert name == REDACTED and email not in str(stored).lower()
    assert not server.shop_rows(
        "SELECT 1 FROM orders WHERE lower(email) = :email UNION ALL "
        "SELECT 1 FROM guest_checkouts WHERE lower(email) = :email", email=email)
