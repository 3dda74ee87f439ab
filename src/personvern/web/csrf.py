"""Cross-site request forgery protection for every form of the portal and the admin console.

Double-submit: a random token lives in a ``SameSite=Strict``, ``HttpOnly`` cookie and is
repeated in each form as a hidden field; a POST whose field does not match its cookie is
refused. Another site can make a browser send our cookie but cannot read it, so it cannot
write the matching field. A present ``Origin`` header must also name this host.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.responses import Response

CSRF_COOKIE = "pv_csrf"
CSRF_FIELD = "csrf_token"
TOKEN_BYTES = 32
_TOKEN_MAX = 100


def csrf_token(request: Request) -> str:
    """The request's token: the cookie's when it has a well-formed one, else a new one
    (remembered on the request so :func:`set_csrf_cookie` can send it)."""
    existing = getattr(request.state, "csrf_token", None)
    if isinstance(existing, str):
        return existing
    cookie = request.cookies.get(CSRF_COOKIE, "")
    token = cookie if 20 <= len(cookie) <= _TOKEN_MAX and cookie.isascii() else ""
    if not token:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        request.state.csrf_new = True
    request.state.csrf_token = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Send the token's cookie when this request made a new one."""
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(CSRF_COOKIE, request.state.csrf_token, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https", path="/")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # "null" is what browsers send for every form POST from a page served with
        # Referrer-Policy: no-referrer (Fetch, "append a request Origin header"), as ours
        # are; the SameSite=Strict cookie's token still has to match.
        return True
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


async def require_csrf(request: Request) -> None:
    """A dependency for every state-changing form route: 403 unless the form's token
    matches the cookie's and the request did not come from another origin."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not _same_origin(request):
        raise HTTPException(403, "the form was sent from another site")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    form = await request.form()
    field = form.get(CSRF_FIELD)
    if (not isinstance(field, str) or not cookie or len(field) > _TOKEN_MAX
            or not hmac.compare_digest(field.encode(), cookie.encode()[:_TOKEN_MAX])):
        raise HTTPException(403, "the form has expired or was not sent from this site: "
                                 "reload the page and try again")
