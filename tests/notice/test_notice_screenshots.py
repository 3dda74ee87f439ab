"""The notice of example 004 in a real browser (Debian's Chromium), at desktop and phone widths.

Screenshots go to ``test-artifacts/screenshots/`` for a person to look at. Without Chromium
the test is skipped on a developer's machine and fails under ``CI=true``, as the database
tests do (tests/conftest.py): CI must never pass by skipping.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from notice_examples import PUBLISHED

from personvern.manifest.load import LoadedManifest
from personvern.notice import render_notice

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
WIDTHS = {"desktop": 1280, "mobile": 390}





@pytest.fixture(scope="module")
def notice_file(examples: dict[str, LoadedManifest], tmp_path_factory: pytest.TempPathFactory
                ) -> Path:
    path = tmp_path_factory.mktemp("notice") / "004-nb.html"
    path.write_text(render_notice(examples["004"], "nb", "html", published=PUBLISHED),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("device", list(WIDTHS))
def test_screenshot_of_the_notice(browser: Browser, notice_file: Path, device: str) -> None:
    width = WIDTHS[device]
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(notice_file.as_uri())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        top = ARTIFACTS / f"notice-004-nb-{device}.png"
        full = ARTIFACTS / f"notice-004-nb-{device}-full.png"
        page.screenshot(path=str(top))
        page.screenshot(path=str(full), full_page=True)
        # No horizontal scrolling: tables turn into cards on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("document.querySelectorAll('h1').length") == 1
        assert page.evaluate("document.documentElement.lang") == "nb"
        assert page.locator("h1").inner_text().startswith("Personvernerklæring for zooplus SE")
        page_height = page.evaluate("document.documentElement.scrollHeight")
    finally:
        page.close()
    assert top.stat().st_size > 20_000, "the screenshot is all but empty"
    assert full.stat().st_size > top.stat().st_size
    assert page_height > 3_000  # the whole notice is there, not a stub


def test_table_cells_keep_their_labels_on_a_phone(browser: Browser, notice_file: Path) -> None:
    page = browser.new_page(viewport={"width": WIDTHS["mobile"], "height": 900})
    try:
        page.goto(notice_file.as_uri())
        label = page.evaluate(
            "getComputedStyle(document.querySelector('#recipients td'), '::before').content"
        )
        assert label == '"Rolle"'
        head = page.evaluate(
            "document.querySelector('#recipients thead').getBoundingClientRect().width"
        )
        assert head <= 1  # the header row is hidden visually, still read by screen readers
    finally:
        page.close()
