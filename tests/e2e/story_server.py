"""The whole of personvern as a customer and an officer meet it: a real uvicorn server on a
free port (the demo manifest, a small demo shop on SQLite, the engine store, the demo's
shop page) with the demo's background worker, and mail over a real SMTP server."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from personvern.demo import MANIFEST, shop_page
from personvern.demo.generate import generate
from personvern.demo.serve import DemoWorker
from personvern.mail import SmtpOutbox
from personvern.store.database import make_engine, upgrade
from personvern.web.app import create_app
from personvern.web.settings import Settings
from served_app import ServedApp, free_port

SECRET = "story-tests-secret-" + "s" * 24
SHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
CUSTOMERS = 60
CODE = re.compile(r"\b(\d{6})\b")


class StoryServer:
    """Started with ``with``; ``url`` is its base, ``shop_url`` the demo shop's database."""

    def __init__(self, folder: Path, smtp_url: str) -> None:
        self.shop_url = f"sqlite:///{folder / 'shop.db'}"
        self.store_url = f"sqlite:///{folder / 'store.db'}"
        generate(self.shop_url, CUSTOMERS, seed=11)
        store = make_engine(self.store_url)
        upgrade(store)
        store.dispose()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(Settings(database_url=self.store_url, manifest_path=MANIFEST,
                                  public_url=self.url, outbox=SmtpOutbox.from_url(smtp_url)))
        shop_page.mount(app)
        self.served = ServedApp(app, self.port, lifespan="auto", access_log=False)
        self.worker = DemoWorker(self.store_url)

    def __enter__(self) -> StoryServer:
        self.served.__enter__()
        self.worker.__enter__()
        return self

    def __exit__(self, *_: object) -> None:
        self.worker.__exit__()
        self.served.__exit__()

    def shop_rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """An independent look into the shop's database (not through personvern)."""
        engine = sa.create_engine(self.shop_url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(sql), params)]
        finally:
            engine.dispose()


def job_report(server: StoryServer) -> list[tuple[Any, ...]]:
    """The worker's jobs (kind, status, attempts, error): what a failed story shows."""
    engine = sa.create_engine(server.store_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(
                "SELECT kind, status, attempts, error FROM jobs ORDER BY id"))]
    finally:
        engine.dispose()


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def code_in(message: EmailMessage) -> str:
    found = CODE.search(mail_text(message))
    assert found, mail_text(message)
    return found.group(1)


def guest_with_orders(server: StoryServer, *, at_least: int = 1) -> tuple[str, list[str]]:
    """A guest (no account) of the shop with orders, and the numbers of those orders."""
    rows = server.shop_rows(
        "SELECT lower(g.email), count(*) FROM guest_checkouts g "
        "JOIN orders o ON o.guest_checkout_id = g.id "
        "WHERE lower(g.email) NOT IN (SELECT lower(email) FROM customers) "
        "GROUP BY lower(g.email) HAVING count(*) >= :least ORDER BY count(*) DESC, 1",
        least=at_least)
    assert rows, "the demo shop has no guest with orders"
    email = str(rows[0][0])
    return email, orders_of(server, email)


def orders_of(server: StoryServer, email: str) -> list[str]:
    return sorted(str(row[0]) for row in server.shop_rows(
        "SELECT o.order_number FROM orders o "
        "LEFT JOIN guest_checkouts g ON g.id = o.guest_checkout_id "
        "LEFT JOIN customers c ON c.id = o.customer_id "
        "WHERE lower(o.email) = :email OR lower(g.email) = :email OR lower(c.email) = :email",
        email=email))


def shot(page: Any, name: str) -> None:
    """A screenshot for the reviewer: test-artifacts/screenshots/story-<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"story-{name}.png"), full_page=True)


def mail_to(received: Any, email: str, count: int) -> list[EmailMessage]:
    """The first ``count`` mails to ``email`` (waiting up to 20 s for them)."""
    import time as clock

    deadline = clock.monotonic() + 20
    while True:
        mine = [m for m in received.messages if email in str(m["To"]).lower()]
        if len(mine) >= count or clock.monotonic() > deadline:
            break
        clock.sleep(0.05)
    assert len(mine) >= count, [str(m["Subject"]) for m in received.messages]
    return mine


def newest_code(received: Any, email: str, count: int) -> str:
    """The code of the ``count``-th mail to ``email``, which must be a code mail."""
    message = mail_to(received, email, count)[count - 1]
    assert "code" in str(message["Subject"]).lower(), message["Subject"]
    return code_in(message)


def ask_in_portal(page: Any, server: StoryServer, right: str, email: str, name: str) -> None:
    """From the shop's page to the portal, the form of ``right`` (its link text), and the
    code sent: the page is left on the code form."""
    page.goto(f"{server.url}/")
    page.get_by_role("button", name="Reject all").click()  # the banner, first
    page.get_by_role("link", name="Your privacy rights").click()
    page.wait_for_url("**/portal**")
    shot(page, f"{name}-1-portal")
    page.get_by_role("link", name=right).click()
    page.locator("#email").fill(email)
    shot(page, f"{name}-2-form")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/portal/verify/**")


def enter_code(page: Any, code: str) -> None:
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Confirm").click()


def wait_for_state(page: Any, server: StoryServer, status_url: str, state: str,
                   timeout: float = 60) -> None:
    """Reload the status page until it shows ``state`` (the worker runs in the background)."""
    import time as clock

    deadline = clock.monotonic() + timeout
    while True:
        page.goto(status_url)
        if page.locator(f"dd.state-{state}").count():
            return
        assert clock.monotonic() < deadline, (page.locator("dl.facts").inner_text(),
                                              job_report(server))
        clock.sleep(0.5)


def officer_approves_and_runs(browser: Any, server: StoryServer, request_id: str,
                              name: str) -> None:
    """A privacy officer logs in to the admin console, finds the request in the queue and
    approves it; the worker runs it. For an erasure, the officer then tells each recipient
    (Art. 19) and marks its task done on the request's page, which completes it."""
    import time as clock

    from personvern.staff import Role, create_user, generate_password
    from personvern.store.database import transaction

    password = generate_password()
    engine = make_engine(server.store_url)
    with transaction(engine) as session:
        create_user(session, f"officer-{name}", password, Role.privacy_officer, actor="story")
    engine.dispose()
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/admin")
        page.wait_for_url("**/admin/login**")
        page.locator("#username").fill(f"officer-{name}")
        page.locator("#password").fill(password)
        page.locator("#password").press("Enter")
        page.wait_for_url(f"{server.url}/admin")
        page.locator(f'a[href="/admin/requests/{request_id}"]').click()
        page.wait_for_url(f"**/admin/requests/{request_id}")
        shot(page, f"{name}-officer-request")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url("**?done=queued")
        if name != "erasure":
            return
        deadline = clock.monotonic() + 60
        while not page.get_by_role("button", name="Mark done").count():
            assert clock.monotonic() < deadline, job_report(server)
            clock.sleep(0.25)
            page.goto(f"{server.url}/admin/requests/{request_id}")
        shot(page, f"{name}-officer-tasks")
        while page.get_by_role("button", name="Mark done").count():
            form = page.locator("form", has=page.get_by_role("button", name="Mark done")).first
            form.locator('input[name="note"]').fill(
                "E-mailed the recipient's privacy contact about the erasure.")
            form.get_by_role("button", name="Mark done").click()
            page.wait_for_load_state()
    finally:
        context.close()
