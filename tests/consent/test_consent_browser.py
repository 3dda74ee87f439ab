"""The banner in a real browser (Debian's Chromium) against a real server.

A uvicorn server in a thread serves the consent router and a shop page with a marketing
script kept inert (``type="text/plain" data-consent="marketing"``) and an embed. The
host name ``www.shop.test`` is mapped to 127.0.0.1 so cookies on the parent domain
``.shop.test`` can be set and must be deleted on withdrawal. Screenshots go to
``test-artifacts/screenshots/banner-*.png``. Without Chromium the tests are skipped on a
developer's machine and fail under ``CI=true`` (CI must never pass by skipping).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from consent_shop import KEY
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse

from personvern.consent import records
from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest
from personvern.store.database import make_engine, session_factory, transaction, upgrade
from personvern.store.models import ConsentEvent
from personvern.web.consent_routes import create_consent_router
from served_app import ServedApp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

HOST = "www.shop.test"
EXTRA_CHROMIUM_ARGS = [
    f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
]
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
GPC_SCRIPT = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
              "{get: () => true, configurable: true})")
PAGE = """<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Fjellsko</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/banner.js"></script></head>
<body><h1>Fjellsko</h1><p><a href="#sko" id="first-link">Sko</a></p>
<div id="video" data-consent-embed="marketing" data-src="/embedded" data-title="Video"></div>
<p><button type="button" data-consent-settings id="footer">Cookies</button></p>
<script type="text/plain" data-consent="marketing">window.marketingRan = true</script>
</body></html>"""




class ShopServer:
    """The consent router and a shop page, served by uvicorn in a thread."""

    def __init__(self, engine: sa.Engine, manifest: Manifest) -> None:
        self.engine, self.manifest = engine, manifest
        app = FastAPI()
        app.include_router(create_consent_router(lambda: self.manifest,
                                                 session_factory(engine),
                                                 _no_api, hash_key=KEY))
        app.get("/", response_class=HTMLResponse)(_page)
        app.get("/embedded", response_class=HTMLResponse)(lambda: "<p>video</p>")
        self.served = ServedApp(app, start_timeout=10)
        self.port = self.served.port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def __enter__(self) -> ShopServer:
        self.served.__enter__()
        return self

    def __exit__(self, *_: object) -> None:
        self.served.__exit__()


def _page(lang: str = "nb") -> str:
    return PAGE.replace('lang="nb"', f'lang="{lang if lang in ("nb", "sv", "en") else "nb"}"')


def _no_api() -> None:
    raise HTTPException(401, "no API in the browser tests")



@pytest.fixture
def shop(tmp_path: Path, manifest: Manifest) -> Iterator[ShopServer]:
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    with ShopServer(engine, manifest) as server:
        yield server
    engine.dispose()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1280, "height": 900})
    yield made
    made.close()


def _open(context: BrowserContext, shop: ShopServer) -> Page:
    page = context.new_page()
    page.goto(shop.url)
    page.wait_for_function("window.personvern && document.querySelector('.pv-reopen')")
    return page


def _dialog_visible(page: Page) -> bool:
    return bool(page.evaluate(
        "() => { const b = document.getElementById('pv-consent'); return !!b && !b.hidden }"))


def _events(shop: ShopServer) -> list[ConsentEvent]:
    with transaction(shop.engine) as session:
        return list(session.scalars(sa.select(ConsentEvent).order_by(ConsentEvent.id)))


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"banner-{name}.png"))


def _consent_updates(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate(
        "() => window.dataLayer.filter(a => a[0] === 'consent').map(a => "
        "({kind: a[1], ...a[2]}))"))


def test_reject_all_keeps_marketing_off(context: BrowserContext, shop: ShopServer,
                                        manifest: Manifest) -> None:
    page = _open(context, shop)
    assert _dialog_visible(page)
    _shot(page, "first-layer-nb")
    reject = page.get_by_role("button", name="Avvis alle")
    accept = page.get_by_role("button", name="Godta alle")
    # Equal prominence: the same size and colours.
    assert reject.evaluate("e => getComputedStyle(e).backgroundColor") == \
        accept.evaluate("e => getComputedStyle(e).backgroundColor")
    assert abs(reject.bounding_box()["height"] - accept.bounding_box()["height"]) < 1  # type: ignore[index]
    reject.click()
    page.wait_for_function("document.cookie.includes('pv_consent=')")
    assert not _dialog_visible(page)
    assert page.evaluate("window.marketingRan") is None
    assert page.locator("#video .pv-embed button").count() == 1  # placeholder, no iframe
    assert page.locator("#video iframe").count() == 0
    page.reload()
    page.wait_for_function("document.querySelector('.pv-reopen')")
    assert not _dialog_visible(page)
    assert page.evaluate("window.marketingRan") is None
    assert _consent_updates(page)[-1]["ad_storage"] == "denied"
    events = _events(shop)
    assert len(events) == 1
    assert events[0].notice_version == notice_version(manifest).id
    assert events[0].source == "banner" and events[0].language == "nb"
    assert events[0].choices["categories"] == {"functional": False, "marketing": False,
                                               "performance": False}
    assert events[0].user_agent_family in ("Chrome", "bot")


def test_accept_all_runs_marketing_and_loads_embeds(
    context: BrowserContext, shop: ShopServer,
) -> None:
    page = _open(context, shop)
    page.get_by_role("button", name="Godta alle").click()
    page.wait_for_function("window.marketingRan === true")
    page.wait_for_selector("#video iframe[title='Video']")
    update = _consent_updates(page)[-1]
    assert update["kind"] == "update"
    assert {update[k] for k in ("ad_storage", "ad_user_data", "ad_personalization",
                                "analytics_storage")} == {"granted"}
    visitor_id = next(c["value"] for c in context.cookies() if c["name"] == "pv_visitor")
    with transaction(shop.engine) as session:
        state = records.current_state(session, records.visitor(visitor_id), KEY)
    assert state.categories["marketing"].granted


def test_the_settings_layer_lists_cookies_and_grants_one_category(
    context: BrowserContext, shop: ShopServer,
) -> None:
    page = _open(context, shop)
    page.get_by_role("button", name="Innstillinger", exact=True).click()
    switch = page.get_by_role("switch", name="Markedsføring")
    assert switch.is_visible() and not switch.is_checked()
    assert page.get_by_role("switch", name="Nødvendige (Alltid på)").is_disabled()
    page.locator("summary").nth(1).click()
    assert page.get_by_text("_ga_* – Google Analytics").is_visible()
    _shot(page, "settings-nb")
    switch.check()
    page.get_by_role("button", name="Lagre valgene").click()
    page.wait_for_function("window.marketingRan === true")
    assert _consent_updates(page)[-1]["analytics_storage"] == "denied"


def test_gpc_keeps_marketing_off_without_asking(browser: Browser, shop: ShopServer) -> None:
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(GPC_SCRIPT)
    try:
        page = _open(context, shop)
        page.wait_for_function("document.cookie.includes('pv_consent=')")
        assert not _dialog_visible(page)
        assert page.evaluate("window.marketingRan") is None
        events = _events(shop)
        assert [(e.source, e.gpc) for e in events] == [("gpc", True)]
        assert events[0].choices["categories"] == {"marketing": False}
        page.reload()
        page.wait_for_function("document.querySelector('.pv-reopen')")
        assert len(_events(shop)) == 1  # recorded once
        # A later explicit choice overrides the signal.
        page.get_by_role("button", name="Innstillinger for informasjonskapsler").click()
        page.get_by_role("button", name="Godta alle").click()
        page.wait_for_function("window.marketingRan === true")
        assert [e.source for e in _events(shop)] == ["gpc", "banner"]
    finally:
        context.close()


def test_the_dialog_works_with_the_keyboard_alone(context: BrowserContext,
                                                  shop: ShopServer) -> None:
    page = _open(context, shop)
    names = []
    for _ in range(12):  # Tab through the dialog: focus stays inside it
        page.keyboard.press("Tab")
        names.append(page.evaluate(
            "() => [document.activeElement.closest('#pv-consent') !== null, "
            "document.activeElement.textContent]"))
    assert all(inside for inside, _ in names)
    assert {"Avvis alle", "Godta alle", "Innstillinger"} <= {text for _, text in names}
    while page.evaluate("document.activeElement.textContent") != "Godta alle":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("window.marketingRan === true")
    # Focus goes to the permanent settings button; it reopens the settings by keyboard.
    assert page.evaluate("document.activeElement.className") == "pv-reopen"
    page.keyboard.press("Enter")
    assert _dialog_visible(page)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "switch"
    page.keyboard.press("Escape")
    assert not _dialog_visible(page)
    assert page.evaluate("document.activeElement.className") == "pv-reopen"


def test_a_new_notice_version_asks_again(context: BrowserContext, shop: ShopServer,
                                         manifest: Manifest) -> None:
    page = _open(context, shop)
    page.get_by_role("button", name="Godta alle").click()
    page.wait_for_function("window.marketingRan === true")
    extra = manifest.cookies[-1].model_copy(update={"name": "_ttp"})
    shop.manifest = manifest.model_copy(update={"cookies": (*manifest.cookies, extra)})
    page.reload()
    page.wait_for_function("document.querySelector('.pv-reopen')")
    assert _dialog_visible(page)
    assert page.evaluate("window.marketingRan") is None  # the old consent does not carry over
    page.get_by_role("button", name="Godta alle").click()
    page.wait_for_function("window.marketingRan === true")
    versions = [e.notice_version for e in _events(shop)]
    assert versions == [notice_version(manifest).id, notice_version(shop.manifest).id]


def test_a_choice_older_than_12_months_asks_again(context: BrowserContext, shop: ShopServer,
                                                  manifest: Manifest) -> None:
    thirteen_months = int(time.time()) - 396 * 24 * 3600
    context.add_cookies([{
        "name": "pv_consent", "url": shop.url,
        "value": f"{notice_version(manifest).id}~{thirteen_months}~marketing~e"}])
    page = _open(context, shop)
    assert _dialog_visible(page)
    assert page.evaluate("window.marketingRan") is None


def test_a_current_choice_is_not_asked_again(context: BrowserContext, shop: ShopServer,
                                            manifest: Manifest) -> None:
    context.add_cookies([{
        "name": "pv_consent", "url": shop.url,
        "value": f"{notice_version(manifest).id}~{int(time.time()) - 60}~marketing~e"}])
    page = _open(context, shop)
    page.wait_for_function("window.marketingRan === true")
    assert not _dialog_visible(page)


def test_withdrawal_deletes_the_categorys_cookies_on_every_domain(
    context: BrowserContext, shop: ShopServer,
) -> None:
    page = _open(context, shop)
    page.get_by_role("button", name="Godta alle").click()
    page.wait_for_function("window.marketingRan === true")
    page.evaluate("""() => {
        document.cookie = '_ga_XYZ=GS1.1.host; path=/';
        document.cookie = '_ga_XYZ=GS1.1.parent; path=/; domain=.shop.test';
        document.cookie = '_ga=GA1.2.3; path=/; domain=.shop.test';
        document.cookie = '_fbp=fb.1; path=/';
        document.cookie = 'fjellsko_session=keep; path=/';
        localStorage.setItem('unrelated', 'keep');
    }""")
    names = [c["name"] for c in context.cookies()]
    assert names.count("_ga_XYZ") == 2
    page.get_by_role("button", name="Innstillinger for informasjonskapsler").click()
    page.get_by_role("button", name="Avvis alle").click()
    page.wait_for_function("!document.cookie.includes('_ga_XYZ')")
    left = {c["name"] for c in context.cookies()}
    assert not left & {"_ga_XYZ", "_ga", "_fbp"}
    assert {"fjellsko_session", "pv_consent", "pv_visitor"} <= left
    assert [e.choices["categories"]["performance"] for e in _events(shop)] == [True, False]


def test_the_banner_fits_at_200_percent_zoom(browser: Browser, shop: ShopServer) -> None:
    # 200 % zoom of a 1280 × 800 window leaves a 640 × 400 CSS-pixel viewport.
    context = browser.new_context(viewport={"width": 640, "height": 400},
                                  device_scale_factor=2)
    try:
        page = _open(context, shop)
        _shot(page, "zoom200-nb")
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
        for name in ("Avvis alle", "Godta alle", "Innstillinger"):
            button = page.get_by_role("button", name=name, exact=True)
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 640
        page.get_by_role("button", name="Innstillinger", exact=True).click()
        save = page.get_by_role("button", name="Lagre valgene")
        save.scroll_into_view_if_needed()
        assert save.is_visible()
        _shot(page, "zoom200-settings-nb")
    finally:
        context.close()


def test_the_banner_speaks_swedish_and_english(browser: Browser, shop: ShopServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        for lang, accept in (("sv", "Godkänn alla"), ("en", "Accept all")):
            page = context.new_page()
            page.goto(f"{shop.url}?lang={lang}")
            page.wait_for_selector("#pv-consent:not([hidden])")
            assert page.get_by_role("button", name=accept).is_visible()
            _shot(page, f"first-layer-{lang}")
            page.close()
    finally:
        context.close()
