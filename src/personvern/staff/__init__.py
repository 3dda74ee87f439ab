"""The privacy team's accounts for the admin console: users with roles, argon2id
passwords, logins that resist guessing, and server-side sessions.

* :mod:`personvern.staff.roles`: the roles and what each may do (one explicit table).
* :mod:`personvern.staff.passwords`: hashing, checking and generating passwords.
* :mod:`personvern.staff.users`: creating, listing, disabling users (each change audited).
* :mod:`personvern.staff.sessions`: logging in (throttled), sessions, logging out.

No web imports here: the console (:mod:`personvern.web.admin`) and the CLI
(``personvern users``) are shells over these functions.
"""

from personvern.staff.passwords import generate_password
from personvern.staff.roles import Permission, Role, may
from personvern.staff.users import StaffError, create_user, find_user, set_password

__all__ = ["Permission", "Role", "StaffError", "create_user", "find_user", "generate_password",
           "may", "set_password"]
