"""The portal in real Chromium against a real uvicorn server and a real SMTP server.

A guest asks for access with the keyboard alone, reads the code from the mail, enters it
and lands on the status page, in Norwegian. The main pages are screenshotted at 1280 and
390 px into ``test-artifacts/screenshots/portal-*.png`` and pass basic accessibility
checks: a label for every field, one h1, headings in order, a lang attribute, and no
horizontal scrolling on a phone.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from portal_flow import SCREENSHOTS, Portal, code_in

from personvern.requests import lifecycle
from personvern.requests.access import run_access
from personvern.requests.erasure import run_erasure
from personvern.store.database import session_factory, transaction
from personvern.store.models import DataSubjectRequest, RequestStatus
from served_app import A11Y_SCRIPT, ServedApp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WIDTHS = (1280, 390)



@pytest.fixture
def server(portal: Portal) -> Iterator[ServedApp]:
    with ServedApp(portal.client.app) as running:
        yield running


def _checked(page: Page, name: str) -> None:
    """Accessibility checks and a screenshot at each width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems = page.evaluate(A11Y_SCRIPT)
        assert problems == [], f"{name} at {width}px: {problems}"
        page.screenshot(path=str(SCREENSHOTS / f"portal-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def _tab_until(page: Page, test: str, argument: str, presses: int = 40) -> None:
    """Move the focus with Tab alone until ``test(activeElement, argument)`` holds."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"([a]) => {{ const el = document.activeElement; return {test}; }}",
                         [argument]):
            return
    raise AssertionError(f"Tab never reached {argument}")


def _tab_to(page: Page, element_id: str, presses: int = 40) -> None:
    _tab_until(page, "!!el && el.id === a", element_id, presses)


def _code(portal: Portal, count: int) -> str:
    return code_in(portal.received.wait_for(count)[count - 1])


def test_a_guest_asks_for_access_with_the_keyboard_and_reaches_the_status_page(
        browser: Browser, server: ServedApp, portal: Portal,
        guest: tuple[str, str]) -> None:
    email, number = guest
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/portal")
        assert page.locator("html").get_attribute("lang") == "nb"
        _tab_until(page, "!!el && el.textContent.trim() === a", "Se opplysningene dine")
        page.keyboard.press("Enter")
        page.wait_for_url("**/portal/request/access")
        _tab_to(page, "email")
        page.keyboard.type(email)
        _tab_to(page, "order_number", presses=3)
        page.keyboard.type(number)
        page.keyboard.press("Enter")  # submits the form
        page.wait_for_url("**/portal/verify/*")
        assert page.get_by_role("heading", level=1).inner_text() == "Skriv inn koden"
        _tab_to(page, "code")
        page.keyboard.type(_code(portal, 1))
        page.keyboard.press("Enter")
        page.wait_for_url("**/portal/status/*")
        assert page.get_by_role("heading", level=1).inner_text() == "Se opplysningene dine"
        assert "Identiteten din er bekreftet" in page.inner_text("main")
        assert "Du bekreftet hvem du er." in page.inner_text("main")
    finally:
        context.close()
    with transaction(portal.store) as session:
        request = session.scalars(sa.select(DataSubjectRequest)).one()
        assert request.status is RequestStatus.identity_verified
        assert request.email == email.lower()


def test_the_main_pages_pass_accessibility_checks_at_both_widths(
        browser: Browser, server: ServedApp, portal: Portal) -> None:
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/portal")
        _checked(page, "home")
        page.goto(f"{server.url}/portal/request/rectification")
        _checked(page, "form-rectification")
        page.goto(f"{server.url}/portal/request/restriction")
        page.get_by_role("button", name="Send meg en kode").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()
        _checked(page, "form-errors")
        page.goto(f"{server.url}/portal/request/objection")
        page.fill("#email", "kari.nordmann@example.no")
        page.select_option("#purpose", "newsletter")
        page.get_by_role("button", name="Send meg en kode").click()
        page.wait_for_url("**/portal/verify/*")
        _checked(page, "code-entry")
        page.fill("#code", _code(portal, 1))
        page.get_by_role("button", name="Bekreft").click()
        page.wait_for_url("**/portal/status/*")
        _checked(page, "status")
        page.goto(f"{server.url}/portal/preferences")
        _checked(page, "preferences-login")
        page.fill("#email", "kari.nordmann@example.no")
        page.get_by_role("button", name="Send meg en kode").click()
        page.wait_for_url("**/portal/verify/*")
        page.fill("#code", _code(portal, 3))
        page.get_by_role("button", name="Bekreft").click()
        page.wait_for_url("**/portal/preferences")
        page.get_by_label("Nyhetsbrev", exact=False).first.check()
        page.get_by_role("button", name="Lagre valgene mine").click()
        page.wait_for_load_state()
        assert "Valgene dine er lagret." in page.inner_text("main")
        _checked(page, "preferences")
        page.goto(f"{server.url}/portal?lang=sv")
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.get_by_role("heading", level=1).inner_text().startswith("Din integritet")
        _checked(page, "home-sv")
    finally:
        context.close()
    for name in ("home", "form-rectification", "code-entry", "status", "preferences"):
        for width in WIDTHS:
            assert (SCREENSHOTS / f"portal-{name}-{width}.png").stat().st_size > 5_000


def _officer_runs(portal: Portal, kind: str) -> None:
    """What the privacy team does in the admin console: approve, then run."""
    with session_factory(portal.store)() as session:
        request = session.scalars(sa.select(DataSubjectRequest)).one()
        lifecycle.approve(session, request.id, actor="officer@fjordhund.no")
        session.commit()
        if kind == "access":
            run_access(session, request.id, portal.client.app.state.personvern.loaded)
        else:
            run_erasure(session, request.id, portal.client.app.state.personvern.manifest,
                        actor="officer@fjordhund.no")


def _ask_in_browser(page: Page, server: ServedApp, portal: Portal, kind: str,
                    email: str, number: str) -> None:
    page.goto(f"{server.url}/portal/request/{kind}")
    page.fill("#email", email)
    page.fill("#order_number", number)
    page.get_by_role("button", name="Send meg en kode").click()
    page.wait_for_url("**/portal/verify/*")
    page.fill("#code", _code(portal, 1))
    page.get_by_role("button", name="Bekreft").click()
    page.wait_for_url("**/portal/status/*")


def test_a_guest_downloads_the_answer_after_a_fresh_code(
        browser: Browser, server: ServedApp, portal: Portal, guest: tuple[str, str],
        tmp_path: Path) -> None:
    email, number = guest
    context = browser.new_context(locale="nb-NO", accept_downloads=True)
    try:
        page = context.new_page()
        _ask_in_browser(page, server, portal, "access", email, number)
        _officer_runs(portal, "access")
        page.reload()
        assert "Besvart" in page.inner_text("main")
        page.get_by_role("button", name="Last ned opplysningene dine").click()
        page.wait_for_url("**/portal/verify/*")
        page.fill("#code", _code(portal, 3))  # the status mail was the 2nd
        page.get_by_role("button", name="Bekreft").click()
        _checked(page, "download")
        with page.expect_download() as started:
            page.get_by_role("link", name=re.compile("^Last ned personvern-access")).click()
        saved = tmp_path / started.value.suggested_filename
        started.value.save_as(saved)
    finally:
        context.close()
    with zipfile.ZipFile(saved) as package:
        orders = json.loads(package.read("data.json"))["datastores"]["shop"]["orders"]
    assert number in {row["order_number"] for row in orders}


def test_an_erasure_answer_shows_what_is_kept_and_until_when(
        browser: Browser, server: ServedApp, portal: Portal,
        guest: tuple[str, str]) -> None:
    email, number = guest
    context = browser.new_context(locale="nb-NO")
    try:
        page = context.new_page()
        _ask_in_browser(page, server, portal, "erasure", email, number)
        _officer_runs(portal, "erasure")
        page.reload()
        kept = page.locator(".answer .kept").all_inner_texts()
        assert kept and all("Oppbevares til og med" in line for line in kept)
        _checked(page, "status-erasure")
    finally:
        context.close()
