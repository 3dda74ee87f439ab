"""Errors as JSON ``{"error": {"status", "message", "problems"}}``, never echoing input.

FastAPI's own validation answer repeats the offending value (``input``); a value here may
be an e-mail address, so only where it was and what is wrong are said.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from personvern.requests.apikeys import ApiKeyError
from personvern.requests.lifecycle import (
    InvalidRequestError,
    RequestNotFoundError,
    TransitionError,
)
from personvern.requests.limits import (
    LiftRefusedError,
    LimitError,
    LimitNotFoundError,
)
from personvern.requests.subject import InvalidIdentityError
from personvern.web.i18n import LANGUAGE_COOKIE, PAGE_LANGUAGES, page_language
from personvern.web.pages import gettext_for, render_page

_LOCATION_PART_MAX = 64
PAGE_PREFIXES = ("/portal", "/admin")  # answered with HTML pages, not JSON


def error_response(status: int, message: str, problems: Sequence[str] = (),
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "message": message}
    if problems:
        body["problems"] = list(problems)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _where(location: Sequence[Any]) -> str:
    parts = [str(part)[:_LOCATION_PART_MAX] for part in location if part != "body"]
    return ".".join(parts) or "body"


def _problem(error: Any) -> str:
    kind = str(error.get("type", ""))
    if kind == "json_invalid":
        return "the body is not valid JSON"
    if kind == "extra_forbidden":
        return f"{_where(error.get('loc', ()))}: unknown field"
    return f"{_where(error.get('loc', ()))}: {error.get('msg', 'invalid')}"


async def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [_problem(item) for item in error.errors()[:20]]
    return error_response(422, "the request is not valid", problems)


def _is_page(request: Request) -> bool:
    return request.url.path.startswith(PAGE_PREFIXES)


def error_page(request: Request, status: int, message: str,
               headers: dict[str, str] | None = None) -> Response:
    """The error as a page in the visitor's language (portal and admin routes)."""
    language = getattr(request.state, "page_language", None) or page_language(
        PAGE_LANGUAGES, cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept=request.headers.get("accept-language"))
    _ = gettext_for(language)
    title = {403: _("Not allowed"), 404: _("Page not found"),
             429: _("Too many attempts")}.get(status, _("Something went wrong"))
    return render_page("error.html", language, {"title": title, "message": message},
                       status=status, headers=headers)


async def _http(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    headers = dict(error.headers) if error.headers else None
    if _is_page(request):
        return error_page(request, error.status_code, str(error.detail), headers)
    return error_response(error.status_code, str(error.detail), headers=headers)


def _mapped(status: int) -> Any:
    async def handler(_request: Request, error: Exception) -> JSONResponse:
        return error_response(status, str(error))

    return handler


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    for kind, status in (
        (TransitionError, 409), (RequestNotFoundError, 404), (InvalidRequestError, 422),
        (InvalidIdentityError, 422), (LimitNotFoundError, 404), (LiftRefusedError, 409),
        (LimitError, 422), (ApiKeyError, 422),
    ):
        app.add_exception_handler(kind, _mapped(status))
