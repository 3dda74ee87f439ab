"""What every admin page shares: the visitor's language, the logged-in staff member, the
session cookie, the permission checks and the page renderer.

Routes are guarded at the router: every route under ``/admin`` except the login form runs
:func:`logged_in` first, so a route cannot be added without it. Without a session a page
(GET) is redirected to the login form and anything else is refused with 401. A route
that changes something also names the permission it needs (:func:`needs`); lacking it is
403, whatever the page shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, HTTPException, Request
from starlette.responses import Response

from personvern.mail import FileOutbox
from personvern.staff.roles import Permission, may
from personvern.staff.sessions import SESSION_LIFETIME, StaffMember, current_member
from personvern.web.csrf import csrf_token, set_csrf_cookie
from personvern.web.i18n import (
    LANGUAGE_ALIASES,
    LANGUAGE_COOKIE,
    PAGE_LANGUAGES,
    page_language,
)
from personvern.web.pages import gettext_for, render_page
from personvern.web.state import AppState, app_state

# On https the cookie carries the __Host- prefix: the browser then accepts it only with
# Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite it.
SECURE_COOKIE = "__Host-pv_staff"
PLAIN_COOKIE = "pv_staff"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "sv": "Svenska", "en": "English"}
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOGIN_PATH = "/admin/login"


@dataclass(frozen=True)
class AdminVisit:
    """One admin page view: the request, the app's state, the language and who is in."""

    request: Request
    state: AppState
    lang: str
    chosen: bool
    member: StaffMember | None

    def _(self, text: str) -> str:
        return str(gettext_for(self.lang)(text))

    @property
    def https(self) -> bool:
        return self.request.url.scheme == "https"

    @property
    def staff(self) -> StaffMember:
        if self.member is None:  # logged_in() guards every route that reads this
            raise HTTPException(401, self._("Log in to continue."))
        return self.member

    def may(self, permission: Permission) -> bool:
        return self.member is not None and may(self.member.role, permission)


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if request.url.scheme == "https" else PLAIN_COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def _offered(state: AppState) -> tuple[str, ...]:
    languages = [code for code in state.manifest.organization.languages
                 if code in PAGE_LANGUAGES]
    return tuple(dict.fromkeys([*languages, "en"]))


def admin_visit(request: Request) -> AdminVisit:
    """Runs first on every admin route: the language (so even a refusal speaks it) and
    the session's staff member, if any."""
    state = app_state(request)
    chosen = request.query_params.get("lang")
    lang = page_language(_offered(state), chosen=chosen,
                         cookie=request.cookies.get(LANGUAGE_COOKIE),
                         accept=request.headers.get("accept-language"))
    request.state.page_language = lang
    with state.transaction() as session:
        member = current_member(session, session_token(request))
    visit = AdminVisit(request, state, lang,
                       LANGUAGE_ALIASES.get((chosen or "")[:8].lower()) == lang, member)
    request.state.admin_visit = visit
    return visit


def logged_in(request: Request) -> AdminVisit:
    """401 for anything but a page view without a session; a page goes to the login form
    (and comes back after it)."""
    visit: AdminVisit = getattr(request.state, "admin_visit", None) or admin_visit(request)
    if visit.member is not None:
        return visit
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, visit._("Log in to continue."), headers={
            "Location": f"{LOGIN_PATH}?{urlencode({'next': target})}"})
    raise HTTPException(401, visit._("Log in to continue."))


def needs(permission: Permission) -> Callable[[Request], AdminVisit]:
    """A dependency: the logged-in member must have ``permission``, else 403."""
    def check(request: Request) -> AdminVisit:
        visit = logged_in(request)
        if not visit.may(permission):
            raise HTTPException(403, visit._("Your role does not allow this."))
        return visit

    check.__name__ = f"needs_{permission.value}"
    return check


Visit = Annotated[AdminVisit, Depends(logged_in)]
Viewer = Annotated[AdminVisit, Depends(needs(Permission.view))]
Decider = Annotated[AdminVisit, Depends(needs(Permission.decide))]
Runner = Annotated[AdminVisit, Depends(needs(Permission.run))]
UserAdmin = Annotated[AdminVisit, Depends(needs(Permission.manage_users))]


def safe_next(target: str | None) -> str:
    """Where to go after login: a path inside the console, never another site."""
    if (not target or not target.startswith("/admin") or target.startswith("//")
            or "\\" in target or len(target) > 500):
        return "/admin"
    return target


def _language_links(v: AdminVisit) -> list[tuple[str, str, str]]:
    params = {k: val for k, val in v.request.query_params.items() if k != "lang"}
    return [(code, LANGUAGE_NAMES[code],
             f"{quote(v.request.url.path)}?{urlencode({**params, 'lang': code})}")
            for code in _offered(v.state)]


def nav_links(v: AdminVisit) -> list[tuple[str, str]]:
    if v.member is None:
        return []
    links = [("/admin", v._("Requests")), ("/admin/consent", v._("Consent")),
             ("/admin/audit", v._("Audit log")), ("/admin/datamap", v._("Data map"))]
    if isinstance(v.state.outbox, FileOutbox):
        links.append(("/admin/outbox", v._("Mail")))
    links.append(("/admin/users", v._("Users")))
    return links


def page(v: AdminVisit, template: str, context: Mapping[str, Any] | None = None, *,
         status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """``admin/<template>`` in the visitor's language, with what every page needs."""
    body: dict[str, Any] = {
        "site_name": f"{v.state.manifest.organization.name} · personvern",
        "languages": [], "language_links": _language_links(v),
        "csrf_token": csrf_token(v.request), "flashes": [], "member": v.member,
        "nav": nav_links(v), "current": v.request.url.path,
        "can_decide": v.may(Permission.decide), "can_run": v.may(Permission.run),
        "can_manage": v.may(Permission.manage_users), **(context or {}),
    }
    response = render_page(f"admin/{template}", v.lang, body, status=status,
                           headers={"Content-Language": v.lang, **(headers or {})})
    set_csrf_cookie(v.request, response)
    if v.chosen:
        response.set_cookie(LANGUAGE_COOKIE, v.lang, max_age=LANGUAGE_COOKIE_AGE,
                            httponly=True, samesite="lax", secure=v.https, path="/")
    return response


def set_session_cookie(v: AdminVisit, response: Response, token: str) -> None:
    response.set_cookie(cookie_name(v.request), token,
                        max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=v.https, path="/")


def clear_session_cookie(v: AdminVisit, response: Response) -> None:
    response.delete_cookie(cookie_name(v.request), httponly=True, samesite="strict",
                           secure=v.https, path="/")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
