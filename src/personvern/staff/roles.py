"""Who may do what in the admin console: three roles, four permissions, one table."""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Role(str, enum.Enum):
    admin = "admin"  # everything, including the team's accounts
    privacy_officer = "privacy_officer"  # decides on and carries out requests
    read_only = "read_only"  # sees everything, changes nothing (e.g. an auditor)


class Permission(str, enum.Enum):
    view = "view"  # the queue, requests, statistics, the audit log, the data map, mail
    decide = "decide"  # approve, reject, extend; mark Art. 19 tasks done
    run = "run"  # carry out an approved request against the shop's databases
    manage_users = "manage_users"  # create, disable and enable staff accounts


PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.privacy_officer: frozenset({Permission.view, Permission.decide, Permission.run}),
    Role.read_only: frozenset({Permission.view}),
}


def may(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` has ``permission``; an unknown role has none."""
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False
