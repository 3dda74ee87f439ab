"""The team's accounts, for admins: create (with a generated password shown once),
disable, enable, change a role. Everyone with a view may see the list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from personvern.staff import users
from personvern.staff.passwords import PASSWORD_MAX, generate_password
from personvern.web.admin.visit import AdminVisit, UserAdmin, Viewer, page
from personvern.web.csrf import require_csrf

router = APIRouter()
NAME_FIELD_MAX = 64


def role_words(v: AdminVisit) -> dict[str, str]:
    return {"admin": v._("Administrator"), "privacy_officer": v._("Privacy officer"),
            "read_only": v._("Read only")}


def _users_page(v: AdminVisit, *, flashes: list[tuple[str, str]] | None = None,
                created: tuple[str, str] | None = None, values: Mapping[str, str] | None = None,
                status: int = 200) -> Response:
    with v.state.transaction() as session:
        listed = [(u.username, u.role, u.created_at.strftime("%Y-%m-%d"),
                   u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "",
                   u.disabled_at is not None) for u in users.list_users(session)]
    return page(v, "users.html", {
        "users": listed, "roles": role_words(v), "created": created,
        "flashes": flashes or [], "values": values or {}, "name_max": NAME_FIELD_MAX,
        "password_max": PASSWORD_MAX, "me": v.staff.username,
    }, status=status)


@router.get("/users")
def users_page(v: Viewer, done: str = "") -> Response:
    words = {"disabled": v._("The user is disabled; their sessions have ended."),
             "enabled": v._("The user can log in again."),
             "role": v._("The role is changed.")}
    return _users_page(v, flashes=[("ok", words[done])] if done in words else [])


async def _fields(v: AdminVisit) -> dict[str, str]:
    form = await v.request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.post("/users", dependencies=[Depends(require_csrf)])
async def create(v: UserAdmin) -> Response:
    fields = await _fields(v)
    username = fields.get("username", "")[:NAME_FIELD_MAX + 1]
    role = fields.get("role", "")
    typed = fields.get("password", "")
    # No password typed: one is generated and shown once. A typed one is never echoed.
    password = typed or generate_password()
    try:
        with v.state.transaction() as session:
            name = users.create_user(session, username, password, role, v.staff.actor).username
    except users.StaffError as error:
        return _users_page(v, status=422, flashes=[("error", str(error))],
                           values={"username": username[:NAME_FIELD_MAX], "role": role})
    return _users_page(v, created=(name, "" if typed else password),
                       flashes=[("ok", v._("The user is created."))])


def _user_action(v: AdminVisit, action: Any, username: str, *args: Any) -> Response | None:
    try:
        with v.state.transaction() as session:
            action(session, username[:NAME_FIELD_MAX + 1], *args, v.staff.actor)
    except users.StaffError as error:
        status = 404 if isinstance(error, users.UserNotFoundError) else 422
        return _users_page(v, status=status, flashes=[("error", str(error))])
    return None


@router.post("/users/{username}/disable", dependencies=[Depends(require_csrf)])
def disable(v: UserAdmin, username: str) -> Response:
    refused = _user_action(v, users.disable_user, username)
    return refused or RedirectResponse("/admin/users?done=disabled", status_code=303)


@router.post("/users/{username}/enable", dependencies=[Depends(require_csrf)])
def enable(v: UserAdmin, username: str) -> Response:
    refused = _user_action(v, users.enable_user, username)
    return refused or RedirectResponse("/admin/users?done=enabled", status_code=303)


@router.post("/users/{username}/role", dependencies=[Depends(require_csrf)])
async def change_role(v: UserAdmin, username: str) -> Response:
    fields = await _fields(v)
    refused = _user_action(v, users.change_role, username, fields.get("role", ""))
    return refused or RedirectResponse("/admin/users?done=role", status_code=303)

