"""The admin console (``/admin``): the privacy team's queue of requests, their decisions
and runs, consent statistics, the audit log, the data map, the demo's mail, and the
team's accounts. Server-rendered pages in nb, sv and en; no script.

Every route but the login form sits behind :func:`~personvern.web.admin.visit.logged_in`,
set on the router so no route can be added without it.
"""

from fastapi import APIRouter, Depends

from personvern.web.admin import auth_routes, insight_routes, request_routes, user_routes
from personvern.web.admin.visit import admin_visit, logged_in

PREFIX = "/admin"
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin_visit)])
router.include_router(auth_routes.router, prefix=PREFIX)
_guarded = APIRouter(dependencies=[Depends(logged_in)])
for _routes in (auth_routes.session_router, request_routes.router, insight_routes.router,
                user_routes.router):
    _guarded.include_router(_routes, prefix=PREFIX)
router.include_router(_guarded)

__all__ = ["router"]
