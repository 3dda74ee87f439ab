"""The console in real Chromium against a real uvicorn server: an officer logs in with the
keyboard, sees the queue, opens a request, approves and runs it. The main pages are
screenshotted into ``test-artifacts/screenshots/admin-*.png`` (1280 px; the queue also at
390 px) and pass basic accessibility checks: a label for every field, one h1, headings in
order, a lang attribute, and no horizontal scrolling of the page."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from admin_console import PASSWORD, Console, add_user, shop_customer, verified_request
from fastapi import FastAPI

from personvern.consent import records
from personvern.mail import compose
from personvern.requests import lifecycle
from personvern.store.database import transaction
from personvern.store.models import RequestKind, RequestStatus
from served_app import A11Y_SCRIPT, ServedApp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"



@pytest.fixture
def server(app: FastAPI, console: Console) -> Iterator[ServedApp]:
    with ServedApp(app) as running:
        yield running


@pytest.fixture
def story(console: Console, app: FastAPI) -> dict[str, Any]:
    """An officer, requests in the queue (one overdue, one due soon), consent choices over
    a few weeks and a mail in the outbox: what a screenshot should show."""
    add_user(console.store, "kari", "privacy_officer")
    email = shop_customer(console.shop_url)
    now = datetime.now(UTC)
    verified_request(console.store, email, RequestKind.erasure,
                     received_at=now - timedelta(days=40))
    verified_request(console.store, email, RequestKind.rectification,
                     received_at=now - timedelta(days=26), payload={"source": "api"})
    request_id = verified_request(console.store, email)
    manifest = app.state.personvern.manifest
    chance = random.Random(7)  # a fixed seed: the same picture every run
    with transaction(console.store) as session:
        for number in range(240):
            weeks_ago = number % 8
            # Marketing consent rises as the banner's wording improves, week by week.
            choices = {"marketing": chance.random() < 0.6 - 0.04 * weeks_ago,
                       "performance": chance.random() < 0.7,
                       "functional": chance.random() < 0.85}
            records.record(session, manifest, records.visitor(f"browser-visitor-{number:06d}"),
                           records.validate_choices(manifest, choices),
                           source=records.ConsentSource.banner, language="nb",
                           now=now - timedelta(weeks=weeks_ago, hours=number))
    app.state.personvern.outbox.send(compose("Fjordhund <personvern@fjordhund.example>",
                                             email, "Koden din", "Koden din er 123456."))
    return {"request_id": request_id}


def _checked(page: Page, name: str, widths: tuple[int, ...] = (1280,)) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        problems = page.evaluate(A11Y_SCRIPT)
        assert problems == [], f"{name} at {width}px: {problems}"
        suffix = "" if width == 1280 else f"-{width}"
        page.screenshot(path=str(SCREENSHOTS / f"admin-{name}{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _tab_to(page: Page, element_id: str, presses: int = 30) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("([a]) => document.activeElement && document.activeElement.id === a",
                         [element_id]):
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_an_officer_logs_in_with_the_keyboard_approves_and_runs_a_request(
        browser: Browser, server: ServedApp, console: Console,
        story: dict[str, Any]) -> None:
    request_id = story["request_id"]
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/admin")
        page.wait_for_url("**/admin/login?next=*")
        _checked(page, "login")
        # The user name field has the focus (autofocus); the keyboard does the rest.
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        _tab_to(page, "username")
        page.keyboard.type("kari")
        _tab_to(page, "password", presses=2)
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/admin")
        assert page.get_by_role("heading", level=1).inner_text() == "Requests"
        badges = page.locator("table.queue .badge").all_inner_texts()
        assert badges[:2] == ["Overdue", "Due soon"]
        _checked(page, "queue", (1280, 390))
        page.locator(f'a[href="/admin/requests/{request_id}"]').click()
        page.wait_for_url(f"**/admin/requests/{request_id}")
        assert "Identity verified" in page.inner_text("main")
        _checked(page, "request")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url("**?done=queued")
        assert "its run is queued" in page.inner_text("main")
        page.get_by_role("button", name="Run now").click()
        page.wait_for_url("**?done=ran")
        main = page.inner_text("main")
        assert "The request was carried out." in main and "Package made" in main
        assert page.locator("dd.state-completed").inner_text() == "Completed"
        _checked(page, "request-completed")
        page.get_by_role("link", name="Consent").click()
        page.wait_for_url("**/admin/consent")
        assert page.locator("svg.optin-chart path[stroke-dasharray]").count() >= 1
        _checked(page, "consent")
        page.get_by_role("link", name="Audit log").click()
        page.wait_for_url("**/admin/audit")
        assert "Intact" in page.inner_text("main")
        _checked(page, "audit")
        page.get_by_role("link", name="Data map").click()
        page.wait_for_url("**/admin/datamap")
        assert page.locator("svg.datamap-svg path.edge.third").count() == 1
        _checked(page, "datamap")
        page.get_by_role("link", name="Mail").click()
        page.wait_for_url("**/admin/outbox")
        assert "Koden din er 123456." in page.inner_text("main")
        _checked(page, "outbox")
        page.get_by_role("link", name="Users").click()
        _checked(page, "users")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/admin/login")
        page.goto(f"{server.url}/admin/audit")
        page.wait_for_url("**/admin/login?next=*")
    finally:
        context.close()
    with transaction(console.store) as session:
        request = lifecycle.get_request(session, request_id)
        assert request.status is RequestStatus.completed
        assert {e.actor for e in request.events if e.kind in ("approved", "completed")} == {
            "staff:kari"}


def test_the_console_speaks_norwegian(browser: Browser, server: ServedApp,
                                      console: Console, story: dict[str, Any]) -> None:
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/admin/login")
        assert page.locator("html").get_attribute("lang") == "nb"
        page.get_by_label("Brukernavn").fill("kari")
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_url(f"{server.url}/admin")
        assert page.get_by_role("heading", level=1).inner_text() == "Forespørsler"
        page.locator(f'a[href="/admin/requests/{story["request_id"]}"]').click()
        page.wait_for_load_state()
        _checked(page, "request-nb")
    finally:
        context.close()
