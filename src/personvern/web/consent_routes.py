"""Consent over HTTP: the banner (script, configuration, choices), GPC, and decisions.

``create_consent_router`` returns a router the application mounts at the site root:

* ``GET /banner.js`` and ``GET /banner/config.json?lang=`` — the banner and what it shows;
* ``POST /consent`` — a choice from the banner; the answer sets the ``pv_consent`` and
  ``pv_visitor`` cookies itself (Set-Cookie), so the choice holds even where scripts may
  not write cookies (Safari caps script-written cookies at 7 days);
* ``GET /.well-known/gpc.json`` — that this site honours Global Privacy Control;
* ``POST /api/v1/consent/decision``, ``/decision-bulk``, ``/events``, ``/link`` — for the
  shop's backend, behind ``require_api_key``.

Input is hostile until checked: bodies are capped before parsing, every field is typed
strictly, unknown categories and purposes are refused, and a malformed visitor cookie is
refused rather than replaced — in each case with a 4xx and nothing written. Errors are
``{"error": {"status", "message", "problems"}}`` and never repeat what was sent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from personvern.consent import decisions, records
from personvern.consent.banner import CONSENT_MAX_AGE_DAYS, banner_config, banner_language
from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest
from personvern.store.models import ConsentEvent

BANNER_FILE = Path(__file__).with_name("static") / "banner.js"
CONSENT_COOKIE = "pv_consent"
VISITOR_COOKIE = "pv_visitor"
COOKIE_MAX_AGE = CONSENT_MAX_AGE_DAYS * 24 * 3600  # 12 months
BANNER_BODY_MAX = 8 * 1024
API_BODY_MAX = 256 * 1024  # 1000 subjects of up to 254 characters fit
GPC_LAST_UPDATE = "2026-11-25"
_KEY_MAX = 100
_SHORT = 64
T = TypeVar("T", bound=BaseModel)
ManifestLoader = Callable[[], Manifest]


class RefusalError(Exception):
    def __init__(self, status: int, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems or []


def error_response(status: int, message: str, problems: list[str] | None = None
                   ) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "message": message}
    if problems:
        body["problems"] = problems
    return JSONResponse({"error": body}, status_code=status,
                        headers={"Cache-Control": "no-store"})


# --- bodies -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Key = Annotated[str, Field(min_length=1, max_length=_KEY_MAX)]
ChoiceMap = Annotated[dict[Key, bool], Field(max_length=100)]


class BannerChoice(_Strict):
    """From the banner: a choice per category, or only a GPC signal."""

    categories: ChoiceMap | None = None
    language: Annotated[str, Field(max_length=_SHORT)] = "en"
    gpc: bool = False  # navigator.globalPrivacyControl, as the script saw it


class SubjectIn(_Strict):
    kind: Literal["visitor_id", "customer_number", "email"]
    value: Annotated[str, Field(min_length=1, max_length=320)]


class DecisionQuestion(_Strict):
    subject: SubjectIn
    purpose: Key


class BulkQuestion(_Strict):
    subjects: Annotated[list[SubjectIn], Field(min_length=1,
                                               max_length=decisions.BULK_SUBJECTS_MAX)]
    purposes: Annotated[list[Key], Field(min_length=1, max_length=decisions.BULK_PURPOSES_MAX)]


class ConsentEventIn(_Strict):
    """A choice made elsewhere (account page, double opt-in, an import)."""

    subject: SubjectIn
    categories: ChoiceMap | None = None
    purposes: ChoiceMap | None = None
    source: Literal["portal", "api", "import", "double_opt_in"]
    language: Annotated[str, Field(max_length=8)]


class LinkIn(_Strict):
    visitor_id: Annotated[str, Field(max_length=_SHORT)]
    customer_number: Annotated[str, Field(max_length=_SHORT)]


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part)[:_SHORT] for part in location) or "body"


async def _read(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past ``limit`` bytes, by header or as it streams in."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise RefusalError(413, f"the request body is larger than {limit} bytes")
    received = bytearray()
    async for chunk in request.stream():
        received.extend(chunk)
        if len(received) > limit:
            raise RefusalError(413, f"the request body is larger than {limit} bytes")
    return bytes(received)


def _same_site_json(request: Request) -> None:
    """Refuse a choice another site makes for the visitor (a consent forged by CSRF).

    A cross-site HTML form can POST ``text/plain`` without a CORS preflight, and the
    answer's Set-Cookie would still land; a JSON content type forces the preflight, and
    ``Origin`` / ``Sec-Fetch-Site`` name the page that sent the request."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise RefusalError(415, "send the choice as application/json")
    if request.headers.get("sec-fetch-site", "same-origin") not in (
            "same-origin", "same-site", "none"):
        raise RefusalError(403, "a choice can only be sent from the shop's own pages")
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise RefusalError(403, "a choice can only be sent from the shop's own pages")


def _parse(model: type[T], raw: bytes) -> T:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise RefusalError(400, "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise RefusalError(422, "the body must be a JSON object")
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = [f"{_where(e['loc'])}: " + ("unknown field" if e["type"] == "extra_forbidden"
                                               else e["msg"]) for e in error.errors()[:20]]
        raise RefusalError(422, "the request is not valid", problems) from None


def _subject(given: SubjectIn) -> records.ConsentSubject:
    return records.make_subject(given.kind, given.value)


# --- cookies ------------------------------------------------------------------------------


def consent_cookie_value(version: str, at: datetime | None, granted: list[str],
                         from_gpc: bool) -> str:
    """``<version>~<unix time>~<granted categories, |-separated>~<e|g>``: only characters
    a cookie value may hold unquoted (manifest keys are ``[a-z0-9_.-]``)."""
    stamp = int(at.timestamp()) if at is not None else 0
    return f"{version}~{stamp}~{'|'.join(granted)}~{'g' if from_gpc else 'e'}"


def _parent_domains(host: str) -> list[str]:
    """``www.shop.no`` → ``[".www.shop.no", ".shop.no"]``; none for an IP address."""
    try:
        ip_address(host)
        return []
    except ValueError:
        pass
    labels = host.split(".")
    return ["." + ".".join(labels[i:]) for i in range(len(labels) - 1)]


def _expire_refused(response: Response, request: Request, manifest: Manifest,
                    refused: set[str]) -> None:
    """Expire the cookies the manifest lists for refused categories that the browser sent,
    on this host and its parent domains: withdrawal must actually stop the storage
    (Art. 7(3); ePrivacy Art. 5(3)). The script does the same for what it can see."""
    cookies = [c for c in manifest.cookies if c.category in refused and c.kind == "cookie"]
    domains = _parent_domains(request.url.hostname or "")
    for name in request.cookies:
        if name in (CONSENT_COOKIE, VISITOR_COOKIE) or not any(c.matches(name) for c in cookies):
            continue
        response.delete_cookie(name, path="/")
        for domain in domains:
            response.delete_cookie(name, path="/", domain=domain)


def _set_cookies(response: Response, request: Request, visitor_id: str, value: str) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(CONSENT_COOKIE, value, max_age=COOKIE_MAX_AGE, path="/",
                        samesite="lax", secure=secure, httponly=False)  # the banner reads it
    response.set_cookie(VISITOR_COOKIE, visitor_id, max_age=COOKIE_MAX_AGE, path="/",
                        samesite="lax", secure=secure, httponly=True)


# --- the router ------------------------------------------------------------------------------


def _guarded(handler: Callable[[], Awaitable[Response]]) -> Awaitable[Response]:
    async def run() -> Response:
        try:
            return await handler()
        except RefusalError as refusal:
            return error_response(refusal.status, refusal.message, refusal.problems)
        except records.ConsentError as error:
            return error_response(422, str(error))

    return run()


def create_consent_router(
    manifest_loader: ManifestLoader,
    session_factory: sessionmaker[Session],
    require_api_key: Callable[..., Any],
    *,
    hash_key: bytes | None = None,
) -> APIRouter:
    """The consent routes; ``require_api_key`` guards the ``/api/v1/consent`` ones."""
    router = APIRouter(tags=["consent"])
    api = APIRouter(prefix="/api/v1/consent", dependencies=[Depends(require_api_key)])
    script = BANNER_FILE.read_bytes()
    etag = '"' + hashlib.sha256(script).hexdigest()[:20] + '"'

    def key() -> bytes:
        return records.hash_key(hash_key)

    @router.get("/banner.js", include_in_schema=False)
    def banner_script(request: Request) -> Response:
        headers = {"ETag": etag, "Cache-Control": "public, max-age=3600",
                   "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(script, media_type="text/javascript; charset=utf-8", headers=headers)

    @router.get("/banner/config.json", summary="The banner's categories, cookies and texts")
    def banner_configuration(request: Request, lang: str | None = None) -> Response:
        config = banner_config(manifest_loader(), (lang or "")[:_SHORT])
        content = json.dumps(config, ensure_ascii=False, separators=(",", ":")).encode()
        # Revalidated on every page view (no-cache + ETag): a new notice version must
        # reach the banner at once, so it asks again (Art. 7(2), 13), yet an unchanged
        # configuration costs a 304 only.
        tag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
        headers = {"ETag": tag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers=headers)
        return Response(content, media_type="application/json", headers=headers)

    @router.get("/.well-known/gpc.json", include_in_schema=False)
    def gpc_support() -> JSONResponse:
        return JSONResponse({"gpc": True, "lastUpdate": GPC_LAST_UPDATE},
                            headers={"Cache-Control": "public, max-age=86400"})

    @router.post("/consent", summary="Record a choice made in the banner")
    async def banner_choice(request: Request) -> Response:
        async def handle() -> Response:
            _same_site_json(request)
            body = _parse(BannerChoice, await _read(request, BANNER_BODY_MAX))
            return await run_in_threadpool(_record_banner_choice, request, body)

        return await _guarded(handle)

    def _record_banner_choice(request: Request, body: BannerChoice) -> Response:
        manifest = manifest_loader()
        given = request.cookies.get(VISITOR_COOKIE)
        # A forged or damaged cookie is refused, not silently replaced: replacing it would
        # split one person's record over two visitor ids.
        subject = records.visitor(given if given is not None else secrets.token_urlsafe(16))
        # GPC: the header counts only as exactly "1" (GPC spec, section 3).
        gpc = request.headers.get("sec-gpc") == "1" or body.gpc
        language = banner_language(body.language)
        user_agent = request.headers.get("user-agent")
        event: ConsentEvent | None
        with session_factory.begin() as session:
            if body.categories:
                choices = records.validate_choices(manifest, body.categories)
                event = records.record(session, manifest, subject, choices,
                                       source=records.ConsentSource.banner, language=language,
                                       gpc=gpc, user_agent=user_agent, key=key())
            elif gpc:
                event = records.apply_gpc(session, manifest, subject, language=language,
                                          user_agent=user_agent, key=key())
            else:
                raise RefusalError(422, "give a choice per category, or send a GPC signal")
            state = records.current_state(session, subject, key())
        granted = sorted(k for k, c in state.categories.items() if c.granted)
        refused = {k for k in records.optional_categories(manifest) if k not in granted}
        latest = max((c.at for c in state.categories.values()), default=None)
        from_gpc = bool(state.categories) and all(
            c.source == records.ConsentSource.gpc.value for c in state.categories.values())
        version = notice_version(manifest).id
        response = JSONResponse({
            "version": version, "granted": granted, "refused": sorted(refused),
            "source": "gpc" if from_gpc else "choice", "recorded": event is not None,
            "at": latest.isoformat() if latest else None,
        }, headers={"Cache-Control": "no-store"})
        _set_cookies(response, request, subject.value,
                     consent_cookie_value(version, latest, granted, from_gpc))
        _expire_refused(response, request, manifest, refused)
        return response

    @api.post("/decision", summary="May I use this subject's data for this purpose now?")
    async def decision(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(DecisionQuestion, await _read(request, API_BODY_MAX))

            def work() -> Response:
                with session_factory.begin() as session:
                    found = decisions.decide(session, manifest_loader(), _subject(body.subject),
                                             body.purpose, key=key())
                return JSONResponse(found.as_json(), headers={"Cache-Control": "no-store"})

            return await run_in_threadpool(work)

        return await _guarded(handle)

    @api.post("/decision-bulk", summary="Decisions for many subjects and purposes at once")
    async def decision_bulk(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(BulkQuestion, await _read(request, API_BODY_MAX))
            subjects = [_subject(s) for s in body.subjects]

            def work() -> Response:
                with session_factory.begin() as session:
                    rows = decisions.decide_many(session, manifest_loader(), subjects,
                                                 body.purposes, key=key())
                return JSONResponse({"decisions": [
                    {"subject": index, "decisions": [d.as_json() for d in row]}
                    for index, row in enumerate(rows)]}, headers={"Cache-Control": "no-store"})

            return await run_in_threadpool(work)

        return await _guarded(handle)

    @api.post("/events", status_code=201, summary="Record a choice made outside the banner")
    async def consent_event(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(ConsentEventIn, await _read(request, API_BODY_MAX))
            manifest, subject = manifest_loader(), _subject(body.subject)
            choices = records.validate_choices(manifest, body.categories, body.purposes)

            def work() -> Response:
                with session_factory.begin() as session:
                    event = records.record(session, manifest, subject, choices,
                                           source=records.ConsentSource(body.source),
                                           language=body.language,
                                           user_agent=request.headers.get("user-agent"),
                                           key=key())
                    found = records.event_json(event)
                return JSONResponse(found, status_code=201, headers={"Cache-Control": "no-store"})

            return await run_in_threadpool(work)

        return await _guarded(handle)

    @api.post("/link", summary="Link a banner visitor to the customer who logged in")
    async def link(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(LinkIn, await _read(request, API_BODY_MAX))

            def work() -> Response:
                with session_factory.begin() as session:
                    created = records.link_visitor(session, body.visitor_id,
                                                   body.customer_number, key=key())
                return JSONResponse({"linked": True, "new": created},
                                    status_code=201 if created else 200)

            return await run_in_threadpool(work)

        return await _guarded(handle)

    router.include_router(api)
    return router

