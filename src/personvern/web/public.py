"""Routes without a key: ``/health`` and the privacy notice at ``/privacy``."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from personvern.notice.phrases import LANGUAGES
from personvern.notice.render import NoticeFormat, render_notice
from personvern.web.auth import State
from personvern.web.i18n import LANGUAGE_ALIASES, accepted_languages
from personvern.web.schemas import Health

router = APIRouter(tags=["public"])
_NOTICE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"


def notice_languages(declared: tuple[str, ...]) -> list[str]:
    """The manifest's languages the notice can be written in, in the manifest's order."""
    return [code for code in declared if code in LANGUAGES]


def choose_language(available: list[str], lang: str | None, accept: str | None) -> str:
    """``?lang=`` if given (404 if the notice is not in it), else the first language of
    ``Accept-Language`` the notice is in (nb/no/nn → nb), else the manifest's first."""
    if lang is not None:
        chosen = LANGUAGE_ALIASES.get(lang.lower()[:8])
        if chosen not in available:
            raise HTTPException(404, f"the notice is in {', '.join(available)}")
        return str(chosen)
    for tag in accepted_languages(accept):
        chosen = LANGUAGE_ALIASES.get(tag.split("-")[0])
        if chosen in available:
            return str(chosen)
    return available[0]


def _notice(state: State, lang: str | None, accept: str | None,
            fmt: NoticeFormat) -> tuple[str, str]:
    available = notice_languages(state.manifest.organization.languages)
    if not available:
        raise HTTPException(404, "the manifest names no language the notice is written in")
    language = choose_language(available, lang, accept)
    return language, render_notice(state.loaded, language, fmt)


LangQuery = Annotated[str | None, Query(max_length=8, description="nb, sv or en")]
AcceptLanguage = Annotated[str | None, Header(include_in_schema=False)]


def _headers(language: str) -> dict[str, str]:
    return {"Content-Language": language, "Vary": "Accept-Language",
            "Content-Security-Policy": _NOTICE_CSP}


@router.get("/privacy", response_class=HTMLResponse, summary="The privacy notice (HTML)")
def privacy(state: State, lang: LangQuery = None,
            accept_language: AcceptLanguage = None) -> HTMLResponse:
    language, text = _notice(state, lang, accept_language, NoticeFormat.html)
    return HTMLResponse(text, headers=_headers(language))


@router.get("/privacy.json", summary="The privacy notice (JSON)")
def privacy_json(state: State, lang: LangQuery = None,
                 accept_language: AcceptLanguage = None) -> Response:
    language, text = _notice(state, lang, accept_language, NoticeFormat.json)
    return Response(text, media_type="application/json", headers=_headers(language))


@router.get("/privacy.md", summary="The privacy notice (Markdown)")
def privacy_markdown(state: State, lang: LangQuery = None,
                     accept_language: AcceptLanguage = None) -> Response:
    language, text = _notice(state, lang, accept_language, NoticeFormat.markdown)
    return Response(text, media_type="text/markdown; charset=utf-8",
                    headers=_headers(language))


@router.get("/health", response_model=Health, summary="Is the service up?")
def health(state: State) -> Response:
    try:
        with state.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
