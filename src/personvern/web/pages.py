"""Server-rendered pages (portal and admin): one Jinja2 environment per language.

Templates live in ``web/templates``; every visible text is marked for translation
(``{% trans %}`` or ``_()``) and looked up in the gettext catalog of the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from personvern.web.i18n import PAGE_LANGUAGES, translations

TEMPLATES = Path(__file__).with_name("templates")
# Pages about people are private: no caching by browsers or proxies, no framing, and
# nothing loaded from elsewhere (the pages use no inline script).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; "
                                "style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
}


@cache
def environment(language: str) -> Environment:
    """The template environment whose gettext speaks ``language``."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["page_languages"] = PAGE_LANGUAGES
    return env


def render_page(template: str, language: str, context: Mapping[str, Any] | None = None,
                *, status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """``template`` rendered in ``language`` as an HTML response with the page headers."""
    body = environment(language).get_template(template).render(
        {"lang": language, **(context or {})})
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def gettext_for(language: str) -> Any:
    """``_`` for Python code that builds texts shown on a page (flash messages, errors)."""
    return translations(language).gettext
