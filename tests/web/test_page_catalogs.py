"""The pages speak nb, sv and en: every marked text has a translation, languages are
negotiated as documented, forms are CSRF-protected, and page errors are pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from starlette.responses import Response

from personvern.web import errors
from personvern.web.csrf import CSRF_COOKIE, CSRF_FIELD, csrf_token, require_csrf, set_csrf_cookie
from personvern.web.i18n import catalog_paths, page_language, translations
from personvern.web.pages import TEMPLATES, render_page

WEB = TEMPLATES.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def marked_messages() -> set[str]:
    """Every text marked for translation in the templates and the page modules."""
    found: set[str] = set()
    sources = [
        (TEMPLATES, [("**.html", "jinja2.ext:babel_extract")],
         {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}),
        (WEB, [("**.py", "python")], {}),
    ]
    for folder, method_map, options in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(folder), method_map, options, keywords=KEYWORDS):
            found.update([message] if isinstance(message, str) else
                         [part for part in message if part])
    return found


@pytest.mark.parametrize("language", ["nb", "sv"])
def test_every_marked_text_is_translated(language: str) -> None:
    translated: set[str] = set()
    for path in catalog_paths(language):
        with path.open("rb") as source:
            catalog = read_po(source, locale=language)
        translated |= {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                       if m.id and (m.string if isinstance(m.string, str) else all(m.string))}
    missing = sorted(marked_messages() - translated)
    assert not missing, f"locale/{language}/*.po lack: {missing[:20]}"


def test_catalogs_compile_and_translate() -> None:
    assert translations("nb").gettext("Skip to content") == "Hopp til innholdet"
    assert translations("sv").gettext("Skip to content") == "Hoppa till innehållet"
    assert translations("en").gettext("Skip to content") == "Skip to content"


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "nb"),
    ({"accept": "sv-SE,sv;q=0.9,en;q=0.5"}, "sv"),
    ({"accept": "nn-NO"}, "nb"),
    ({"accept": "de-DE, en;q=0.3"}, "en"),
    ({"accept": "sv;q=0, en"}, "en"),
    ({"accept": "sv", "cookie": "en"}, "en"),
    ({"accept": "sv", "cookie": "en", "chosen": "no"}, "nb"),
    ({"chosen": "fi"}, "nb"),            # not offered: fall through to the first
    ({"accept": "x" * 10_000}, "nb"),    # oversized header: no error
    ({"accept": ";;;,q=,;q=abc"}, "nb"),  # malformed header: no error
])
def test_page_language(kwargs: dict[str, str], expected: str) -> None:
    assert page_language(("nb", "sv", "en"), **kwargs) == expected


def test_page_language_without_a_page_language_falls_back_to_english() -> None:
    assert page_language(("de", "fi")) == "en"


def test_base_template_renders_in_each_language() -> None:
    for language, skip in (("nb", "Hopp til innholdet"), ("en", "Skip to content")):
        response = render_page("error.html", language, {"title": "T", "message": "<b>x</b>"})
        body = response.body.decode()
        assert f'<html lang="{language}">' in body and skip in body
        assert "&lt;b&gt;x&lt;/b&gt;" in body  # autoescaped
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.fixture
def form_app() -> TestClient:
    app = FastAPI()
    written: list[str] = []

    @app.get("/portal/form")
    def show(request: Request) -> Response:
        response = render_page("error.html", "en", {"title": "form",
                                                    "message": csrf_token(request)})
        set_csrf_cookie(request, response)
        return response

    @app.post("/portal/form", dependencies=[Depends(require_csrf)])
    def post() -> dict[str, int]:
        written.append("x")
        return {"written": len(written)}

    errors.install(app)
    client = TestClient(app)
    client.written = written  # type: ignore[attr-defined]
    return client


def test_csrf_token_round_trip_and_refusals(form_app: TestClient) -> None:
    page = form_app.get("/portal/form")
    token = page.cookies[CSRF_COOKIE]
    assert token in page.text
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    assert "httponly" in page.headers["set-cookie"].lower()
    ok = form_app.post("/portal/form", data={CSRF_FIELD: token})
    assert ok.status_code == 200
    for data, headers in (({}, {}), ({CSRF_FIELD: "forged" * 5}, {}),
                          ({CSRF_FIELD: "x" * 5000}, {}),
                          ({CSRF_FIELD: token}, {"Origin": "https://evil.example"})):
        refused = form_app.post("/portal/form", data=data,
                                headers={"Accept-Language": "en", **headers})
        assert refused.status_code == 403, data
        assert "<h1>Not allowed</h1>" in refused.text  # a page, not JSON
    assert form_app.written == ["x"]  # type: ignore[attr-defined]
    form_app.cookies.clear()
    refused = form_app.post("/portal/form", data={CSRF_FIELD: token})
    assert refused.status_code == 403
    assert "<h1>Ikke tillatt</h1>" in refused.text  # the first page language by default


def test_static_css_is_served_with_the_app_files() -> None:
    assert (WEB / "static" / "site.css").is_file()
    assert Path(WEB / "templates" / "base.html").is_file()
