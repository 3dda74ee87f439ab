"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from personvern import __version__
from personvern.mail import outbox_from_env
from personvern.manifest.load import load_manifest
from personvern.store.database import make_engine, require_current_schema, session_factory
from personvern.web import api_limits, api_requests, errors, public
from personvern.web.admin import router as admin_router
from personvern.web.auth import api_actor
from personvern.web.consent_routes import API_BODY_MAX, BANNER_BODY_MAX, create_consent_router
from personvern.web.middleware import BodyLimit, SecurityHeaders
from personvern.web.optin_routes import create_optin_router
from personvern.web.portal import router as portal_router
from personvern.web.settings import Settings
from personvern.web.state import AppState

API_PREFIX = "/api/v1"
STATIC = Path(__file__).with_name("static")
DESCRIPTION = """The privacy-operations API for the shop's backend: data-subject requests
(GDPR Art. 12-22), restrictions (Art. 18) and objections (Art. 21), and the question
"may I use this person's data for this purpose?".

Every `/api` route needs `Authorization: Bearer <key>` (`personvern apikeys create NAME`).
Errors are `{"error": {"status", "message", "problems"}}` and never repeat what was sent.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for ``settings`` (default: from the environment). Loads the manifest and
    checks that the engine store is migrated, so a misconfiguration fails at start."""
    settings = settings or Settings.from_env()
    loaded = load_manifest(settings.manifest_path)
    engine = make_engine(settings.database_url)
    require_current_schema(engine)
    app = FastAPI(title="personvern", version=__version__, description=DESCRIPTION)
    app.state.personvern = AppState(engine=engine, loaded=loaded,
                                    outbox=settings.outbox or outbox_from_env(),
                                    public_url=settings.public_url.rstrip("/"))
    state: AppState = app.state.personvern
    # The banner, its config, /.well-known/gpc.json and the consent API (issue: consent);
    # first, as routes are matched in order and these are asked most, by every visitor.
    app.include_router(create_consent_router(
        lambda: state.manifest, session_factory(engine), api_actor))
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(api_actor)])
    api.include_router(api_requests.router)
    api.include_router(api_limits.router)
    app.include_router(api)
    app.include_router(public.router)
    app.include_router(create_optin_router())  # double opt-in, unsubscribe (RFC 8058)
    app.include_router(portal_router)  # the customer privacy portal (issue: portal)
    app.include_router(admin_router)  # the privacy team's admin console (issue: admin)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    # Bulk consent decisions carry up to 1,000 identities: a larger limit for that API only.
    app.add_middleware(BodyLimit, limit=settings.body_limit,
                       by_prefix={"/api/v1/consent": API_BODY_MAX, "/consent": BANNER_BODY_MAX})
    app.add_middleware(SecurityHeaders)  # outermost: the 413 answer gets the headers too
    return app
