"""The access story, end to end in Chromium: a guest of the demo shop asks for a copy of
their data in the portal, proves the address with the code that arrives over SMTP, the
privacy team logs in to the admin console and approves the request, the worker runs it,
and the guest downloads the ZIP (after a fresh code) that holds their orders, compared
with an independent query of the shop's database."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
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


def test_story_access_guest_downloads_their_orders(
        browser: Browser, server: StoryServer, smtp_server: tuple[str, Any]) -> None:
    _, received = smtp_server
    email, orders = guest_with_orders(server)
    assert orders
    guest = browser.new_context(locale="en-GB", accept_downloads=True,
                                viewport={"width": 1280, "height": 900})
    page = guest.new_page()

    ask_in_portal(page, server, "See your data", email, "access")
    enter_code(page, newest_code(received, email, 1))
    page.wait_for_url("**/portal/status/**")
    status_url = page.url
    match = STATUS_PATH.search(status_url)
    assert match, status_url
    request_id = match.group(1)
    # The status mail carries the same signed link.
    assert status_url in mail_text(mail_to(received, email, 2)[1])
    shot(page, "access-3-status-received")

    officer_approves_and_runs(browser, server, request_id, "access")

    wait_for_state(page, server, status_url, "completed")
    shot(page, "access-4-status-answered")
    mails_before = len(mail_to(received, email, 2))
    page.get_by_role("button", name="Download your data").click()
    page.wait_for_url("**/portal/verify/**")
    # A fresh code, to the same address, guards the download.
    enter_code(page, newest_code(received, email, mails_before + 1))
    link = page.get_by_role("link", name=re.compile(r"^Download .*\.zip"))
    shot(page, "access-5-download")
    with page.expect_download() as started:
        link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(started.value.path()).read_bytes()))
    guest.close()

    document = json.loads(archive.read("data.json"))
    rows = document["datastores"]["shop"]["orders"]
    assert sorted(row["order_number"] for row in rows) == orders
    names = archive.namelist()
    assert any(name.endswith("orders.csv") for name in names), names
    csv_text = next(archive.read(n).decode("utf-8-sig") for n in names
                    if n.endswith("orders.csv"))
    assert all(number in csv_text for number in orders)
