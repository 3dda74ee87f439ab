"""The demo's shop page in Chromium: the banner holds back the marketing script and the
map until the visitor chooses, and the page links to the notice and the portal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from personvern.demo import MANIFEST, shop_page
from personvern.mail import FileOutbox
from personvern.store.database import make_engine, upgrade
from personvern.web.app import create_app
from personvern.web.settings import Settings
from served_app import ServedApp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def shop_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PERSONVERN_SECRET", "demo-shop-page-secret-" + "p" * 20)
    monkeypatch.setenv("PERSONVERN_DEMO_DB", f"sqlite:///{tmp_path / 'shop.db'}")
    store = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(store)
    upgrade(engine)
    engine.dispose()
    app = create_app(Settings(database_url=store, manifest_path=MANIFEST,
                              outbox=FileOutbox(tmp_path / "outbox")))
    shop_page.mount(app)
    with ServedApp(app, lifespan="auto") as served:
        yield served.url


def _open(browser: Browser, url: str, locale: str) -> Page:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#pv-consent")
    return page


def test_demo_shop_page_holds_marketing_until_consent(browser: Browser,
                                                     shop_server: str) -> None:
    page = _open(browser, f"{shop_server}/", "en-GB")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "demo-shop-banner.png"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#marketing-status").inner_text().startswith(
        "The marketing script is waiting")
    # Nothing ran before the choice: the script is still inert, the map not loaded.
    assert page.locator('script[type="text/plain"][data-consent="marketing"]').count() == 1
    assert page.locator("#shop-map iframe").count() == 0
    assert page.locator("#shop-map .pv-embed button").count() == 1  # click to load

    page.get_by_role("button", name="Accept all").click()
    page.wait_for_selector("#marketing-status.ran")
    assert "has run" in page.locator("#marketing-status").inner_text()
    assert page.locator("#shop-map iframe").get_attribute("src", timeout=5000) == \
        shop_page.MAP_URL
    page.screenshot(path=str(SHOTS / "demo-shop-accepted.png"))
    page.context.close()


def test_demo_shop_page_rejected_keeps_it_off_and_links_on(browser: Browser,
                                                         shop_server: str) -> None:
    page = _open(browser, f"{shop_server}/", "nb-NO")
    assert page.locator("html").get_attribute("lang") == "nb"
    # The choice is stored by the server's answer (Set-Cookie): wait for it, then reload.
    with page.expect_response(lambda r: r.url.endswith("/consent")
                              and r.request.method == "POST"):
        page.get_by_role("button", name="Avvis alle").click()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator('script[type="text/plain"][data-consent="marketing"]').count() == 1
    assert not page.locator("#marketing-status.ran").count()
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Personvernerklæring").click()
    page.wait_for_url("**/privacy?lang=nb")
    assert "Fjordhund AS" in page.content()
    page.go_back()
    footer.get_by_role("link", name="Dine personvernrettigheter").click()
    page.wait_for_url("**/portal?lang=nb")
    assert page.locator("h1").count() == 1
    page.context.close()
