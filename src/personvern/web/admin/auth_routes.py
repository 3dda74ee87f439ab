"""Logging in and out of the admin console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse, Response

from personvern.staff import sessions
from personvern.staff.passwords import PASSWORD_MAX
from personvern.web.admin.visit import (
    AdminVisit,
    Visit,
    admin_visit,
    clear_session_cookie,
    client_address,
    page,
    safe_next,
    session_token,
    set_session_cookie,
)
from personvern.web.csrf import require_csrf

# The login form needs no session; every other admin route does (see __init__).
router = APIRouter()
session_router = APIRouter()  # needs a session: included behind logged_in
USERNAME_FIELD_MAX = 64
Anyone = Annotated[AdminVisit, Depends(admin_visit)]
NextPath = Annotated[str, Query(alias="next", max_length=500)]


def _login_page(v: AdminVisit, *, next_path: str, username: str = "",
                error: str | None = None, status: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    return page(v, "login.html", {
        "next": safe_next(next_path), "username": username[:USERNAME_FIELD_MAX],
        "flashes": [("error", error)] if error else [], "password_max": PASSWORD_MAX,
        "username_max": USERNAME_FIELD_MAX,
    }, status=status, headers=headers)


@router.get("/login")
def login_form(v: Anyone, next_path: NextPath = "/admin") -> Response:
    if v.member is not None:
        return RedirectResponse(safe_next(next_path), status_code=303)
    return _login_page(v, next_path=next_path)


@router.post("/login", dependencies=[Depends(require_csrf)])
async def login(v: Anyone) -> Response:
    form = await v.request.form()
    username = form.get("username")
    password = form.get("password")
    next_path = safe_next(str(form.get("next") or "/admin"))
    if (not isinstance(username, str) or not isinstance(password, str)
            or not username.strip() or not password
            or len(username) > USERNAME_FIELD_MAX or len(password) > PASSWORD_MAX):
        return _login_page(v, next_path=next_path, status=422,
                           username=username if isinstance(username, str) else "",
                           error=v._("Enter your user name and password."))
    with v.state.transaction() as session:
        # Session fixation: whatever session the browser had ends here, and a login always
        # gets a new random id.
        sessions.log_out(session, session_token(v.request))
        attempt = sessions.log_in(session, username, password,
                                  client=client_address(v.request))
    if attempt.retry_after is not None:
        return _login_page(v, next_path=next_path, username=username, status=429,
                           headers={"Retry-After": str(attempt.retry_after)},
                           error=v._("Too many failed logins. Wait a quarter of an hour "
                                     "and try again."))
    if attempt.login is None:
        return _login_page(v, next_path=next_path, username=username, status=401,
                           error=v._("Wrong user name or password."))
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(v, response, attempt.login.token)
    return response


@session_router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(v: Visit) -> Response:
    with v.state.transaction() as session:
        sessions.log_out(session, session_token(v.request))
    response = RedirectResponse("/admin/login", status_code=303)
    clear_session_cookie(v, response)
    return response
