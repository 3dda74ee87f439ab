"""``personvern users``: the admin console's accounts (create, list, disable, enable)."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from personvern.store.cli import DatabaseOption, store_session

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(help="Accounts of the admin console (roles: admin, privacy_officer, "
                       "read_only).", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)
ACTOR = "cli"


class RoleChoice(str, Enum):
    """Mirrors :class:`personvern.staff.roles.Role` for typer's choices."""

    admin = "admin"
    privacy_officer = "privacy_officer"
    read_only = "read_only"


UsernameArgument = Annotated[str, typer.Argument(help="The user name (a-z, 0-9, . - _).")]


def _session(database: str | None) -> AbstractContextManager[Session]:
    from personvern.staff.users import StaffError

    return store_session(database, (StaffError,))


@app.command("create")
def create_command(
    username: UsernameArgument,
    role: Annotated[RoleChoice, typer.Option(help="What the user may do.")] = (
        RoleChoice.privacy_officer),
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (one line); "
                                 "without it a password is generated and printed once.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Make an account. Only an argon2id hash of the password is kept."""
    from personvern.staff.passwords import generate_password
    from personvern.staff.users import create_user

    generated = not password_stdin
    password = generate_password() if generated else sys.stdin.readline().rstrip("\r\n")
    with _session(database) as session:
        user = create_user(session, username, password, role.value, ACTOR)
        name, chosen = user.username, user.role
    if generated:
        console.print(password)
        errors.print(f"User {name} ({chosen}) created; the password above is shown once.")
    else:
        errors.print(f"User {name} ({chosen}) created.")


@app.command("list")
def list_command(database: DatabaseOption = None) -> None:
    """Accounts with role and state (never a password or its hash)."""
    from personvern.staff.users import list_users

    with _session(database) as session:
        users = list_users(session)
        table = Table(title=f"users ({len(users)})", box=box.SIMPLE_HEAD)
        for column in ("user", "role", "created", "last login", "disabled"):
            table.add_column(column)
        for user in users:
            table.add_row(user.username, user.role, f"{user.created_at:%Y-%m-%d %H:%M}",
                          f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "",
                          f"{user.disabled_at:%Y-%m-%d %H:%M}" if user.disabled_at else "")
    console.print(table)


@app.command("disable")
def disable_command(username: UsernameArgument, database: DatabaseOption = None) -> None:
    """The user can no longer log in; their open sessions end now."""
    from personvern.staff.users import disable_user

    with _session(database) as session:
        user = disable_user(session, username, ACTOR)
        console.print(f"User {user.username} disabled.")


@app.command("enable")
def enable_command(username: UsernameArgument, database: DatabaseOption = None) -> None:
    """Let a disabled user log in again."""
    from personvern.staff.users import enable_user

    with _session(database) as session:
        user = enable_user(session, username, ACTOR)
        console.print(f"User {user.username} enabled.")
