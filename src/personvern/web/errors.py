"""Errors as JSON ``{"error": {"status", "message", "problems"}}``, never echoing input.

FastAPI's own validation answer repeats the offending value (``input``); a value here may
be an e-mail address, so only where it was and what is wrong are said.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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

_LOCATION_PART_MAX = 64


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


async def _http(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, str(error.detail),
                          headers=dict(error.headers) if error.headers else None)


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
