"""Consent over HTTP: the banner (script, configuration, choices), GPC, and decisions.

``create_consent_router`` returns a router the application mounts at the site root:

* ``GET /banner.js`` and ``GET /banner/config.json?lang=`` — the banner and what it shows;
* ``POST /consent`` — a choice from the banner; the answer sets the ``pv_consent`` and
  ``pv_visitor`` cookies itself (Set-Cookie), so the choice holds even where scripts may
  not write cookies (Safari caps script-written cookies at 7 days);
* ``GET /.well-known/gpc.json`` — that this site honours Global Privacy Control;
* ``POST /api/v1/consent/decision``, ``/decision-bulk``, ``/events``, ``/link`` — for the
  shop's backend, behind ``require_api_key``.

Choices are recorded through a :class:`~personvern.consent.writer.ConsentWriter`: checked
in the request, then appended with the others that arrive meanwhile in one transaction,
and answered only once that transaction is committed (group commit).

Input is hostile until checked: bodies are capped before parsing, every field is typed
strictly, unknown categories and purposes are refused, and a malformed visitor cookie is
refused rather than replaced — in each case with a 4xx and nothing written. Errors are
``{"error": {"status", "message", "problems"}}`` and never repeat what was sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from personvern.consent import decisions, records
from personvern.consent.banner import CONSENT_MAX_AGE_DAYS, banner_config, banner_language
from personvern.consent.version import notice_version
from personvern.consent.writer import ConsentWriter, WriteFailedError
from personvern.manifest.model import Manifest
from personvern.web.store_readers import StoreReaders

BANNER_FILE = Path(__file__).with_name("static") / "banner.js"
CONSENT_COOKIE = "pv_consent"
VISITOR_COOKIE = "pv_visitor"
COOKIE_MAX_AGE = CONSENT_MAX_AGE_DAYS * 24 * 3600  # 12 months
BANNER_BODY_MAX = 8 * 1024
API_BODY_MAX = 256 * 1024  # 1000 subjects of up to 254 characters fit
GPC_LAST_UPDATE = "2026-11-25"
READERS = 4  # decision threads per process (SQLite); the engine's pool keeps 5 connections
_KEY_MAX = 100
_SHORT = 64
T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")
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
    if declared is not None:  # the server delivers no more than the declared length
        return await request.body()
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
    """The body as ``model``: parsed and checked in one pass by pydantic's own JSON
    parser (half the time of ``json.loads`` and a check of the result)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        found = error.errors()
        if any(e["type"] == "json_invalid" for e in found):
            raise RefusalError(400, "the body is not valid JSON") from None
        if any(e["type"] == "model_type" and not e["loc"] for e in found):
            raise RefusalError(422, "the body must be a JSON object") from None
        problems = [f"{_where(e['loc'])}: " + ("unknown field" if e["type"] == "extra_forbidden"
                                               else e["msg"]) for e in found[:20]]
        raise RefusalError(422, "the request is not valid", problems) from None


def _subject(given: SubjectIn) -> records.ConsentSubject:
    return records.make_subject(given.kind, given.value)


def _event_json(event: records.NewEvent, event_id: int) -> dict[str, Any]:
    """The recorded event as :func:`records.event_json` shows a stored one."""
    return {"id": event_id, "at": event.at.isoformat(), "subject_hash": event.subject_hash,
            "subject_kind": event.subject_kind, "choices": event.choices,
            "notice_version": event.notice_version, "language": event.language,
            "source": event.source, "gpc": event.gpc,
            "user_agent_family": event.user_agent_family}


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
    sent = [name for name in request.cookies if name not in (CONSENT_COOKIE, VISITOR_COOKIE)]
    if not sent:  # the usual first visit: nothing to expire
        return
    cookies = [c for c in manifest.cookies if c.category in refused and c.kind == "cookie"]
    for name in sent:
        if not any(c.matches(name) for c in cookies):
            continue
        response.delete_cookie(name, path="/")
        for domain in _parent_domains(request.url.hostname or ""):
            response.delete_cookie(name, path="/", domain=domain)


def _cookie(name: str, value: str, *, secure: bool, httponly: bool) -> tuple[bytes, bytes]:
    """A ``Set-Cookie`` header as Starlette's ``set_cookie`` writes it, without building a
    ``SimpleCookie`` per answer: both values are made of characters a cookie may hold
    unquoted (a checked visitor id; see :func:`consent_cookie_value`)."""
    flags = ("; HttpOnly" if httponly else "") + f"; Max-Age={COOKIE_MAX_AGE}; Path=/; SameSite=lax"
    return b"set-cookie", f"{name}={value}{flags}{'; Secure' if secure else ''}".encode()


def _set_cookies(response: Response, request: Request, visitor_id: str, value: str) -> None:
    secure = request.scope.get("scheme") == "https"  # (building request.url costs more)
    response.raw_headers += [
        _cookie(CONSENT_COOKIE, value, secure=secure, httponly=False),  # the banner reads it
        _cookie(VISITOR_COOKIE, visitor_id, secure=secure, httponly=True)]


# --- the router ------------------------------------------------------------------------------


def _guarded(handler: Callable[[], Awaitable[Response]]) -> Awaitable[Response]:
    async def run() -> Response:
        try:
            return await handler()
        except RefusalError as refusal:
            return error_response(refusal.status, refusal.message, refusal.problems)
        except records.ConsentError as error:
            return error_response(422, str(error))
        except WriteFailedError as error:
            return error_response(503, str(error))

    return run()


def create_consent_router(
    manifest_loader: ManifestLoader,
    session_factory: sessionmaker[Session],
    require_api_key: Callable[..., Any],
    *,
    hash_key: bytes | None = None,
    writer: ConsentWriter | None = None,
) -> APIRouter:
    """The consent routes; ``require_api_key`` guards the ``/api/v1/consent`` ones.
    ``writer`` appends the events (default: one of its own on the session factory's
    engine). The partitions of this month and the next are made here, ahead of need."""
    router = APIRouter(tags=["consent"])
    api = APIRouter(prefix="/api/v1/consent", dependencies=[Depends(require_api_key)])
    script = BANNER_FILE.read_bytes()
    etag = '"' + hashlib.sha256(script).hexdigest()[:20] + '"'
    engine = session_factory.kw["bind"]
    # Decisions read committed rows and write nothing: no BEGIN/COMMIT round trips. Each
    # answer is as of the moment of its reads, as any answer to "may I, now?" is.
    reader = engine.execution_options(isolation_level="AUTOCOMMIT")
    # On SQLite, a few threads of their own: with no more readers than the pool keeps
    # connections, no request waits for a connection or opens one (anyio's 40 threads
    # would). On PostgreSQL decisions read from the event loop (web/store_readers.py).
    readers = ThreadPoolExecutor(READERS, thread_name_prefix="consent-reader")
    held = threading.local()

    def on_connection(work: Callable[[sa.Connection], R]) -> R:
        """``work`` on this reader thread's own connection, kept open between requests:
        no pool checkout, no ping, no reset per decision (autocommit: no transaction is
        ever left open on it). A connection the database dropped is replaced, and the
        read, which changes nothing, tried once more."""
        dbapi = engine.dialect.loaded_dbapi
        for attempt in (1, 2):
            connection = getattr(held, "connection", None)
            if connection is None or connection.closed or connection.invalidated:
                connection = held.connection = reader.connect()
            try:
                return work(connection)
            except (sa.exc.DBAPIError, dbapi.Error) as error:
                # The reads on PostgreSQL go through the driver directly (one pipeline),
                # so its own errors arrive here too, unwrapped.
                lost = (error.connection_invalidated if isinstance(error, sa.exc.DBAPIError)
                        else isinstance(error, dbapi.OperationalError))
                connection.invalidate()
                held.connection = None
                if attempt == 2 or not lost:
                    raise
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def read(work: Callable[[sa.Connection], R]) -> R:
        return await asyncio.get_running_loop().run_in_executor(readers, on_connection, work)

    async_readers = (StoreReaders(engine.url.render_as_string(hide_password=False))
                     if engine.dialect.name == "postgresql" else None)
    if async_readers is not None:
        router.add_event_handler("shutdown", async_readers.close)

    if writer is None:
        writer = ConsentWriter(engine)
    with engine.begin() as connection:
        now = datetime.now(UTC)
        records.ensure_partitions(connection, [records.month_of(now),
                                               records.month_of(now + timedelta(days=31))])
    derived: list[bytes] = []

    def key() -> bytes:
        # Derived once: an HKDF per request cost as much as the rest of the hashing.
        if not derived:
            derived.append(records.hash_key(hash_key))
        return derived[0]

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

    async def banner_choice(request: Request) -> Response:
        async def handle() -> Response:
            _same_site_json(request)
            body = _parse(BannerChoice, await _read(request, BANNER_BODY_MAX))
            return await _record_banner_choice(request, body)

        return await _guarded(handle)

    # A plain Starlette route: every visitor's click comes here, and FastAPI's
    # per-request machinery (dependencies, response models) would cost a fifth of it.
    router.add_route("/consent", banner_choice, methods=["POST"], include_in_schema=False)

    async def _record_banner_choice(request: Request, body: BannerChoice) -> Response:
        manifest = manifest_loader()
        given = request.cookies.get(VISITOR_COOKIE)
        # A forged or damaged cookie is refused, not silently replaced: replacing it would
        # split one person's record over two visitor ids.
        subject = records.visitor(given if given is not None else secrets.token_urlsafe(16))
        # GPC: the header counts only as exactly "1" (GPC spec, section 3).
        gpc = request.headers.get("sec-gpc") == "1" or body.gpc
        language = banner_language(body.language)
        user_agent = request.headers.get("user-agent")
        event: records.NewEvent | None
        if body.categories:
            choices = records.validate_choices(manifest, body.categories)
            event = records.new_event(manifest, subject, choices,
                                      source=records.ConsentSource.banner, language=language,
                                      gpc=gpc, user_agent=user_agent, key=key())
        elif gpc:
            # Recorded only while the visitor has no event; the writer decides that under
            # the lock on the visitor's state, so two signals at once make one event.
            event = records.gpc_event(manifest, subject, language=language,
                                      user_agent=user_agent, key=key())
        else:
            raise RefusalError(422, "give a choice per category, or send a GPC signal")
        if event is not None:
            appended = await writer.append(event)
            recorded, state = appended.event_id is not None, appended.state
        else:  # no marketing category to refuse: nothing to record, the state as it is
            recorded = False
            state = await run_in_threadpool(_read_state, subject)
        granted = sorted(k for k, c in state.categories.items() if c.granted)
        refused = {k for k in records.optional_categories(manifest) if k not in granted}
        latest = max((c.at for c in state.categories.values()), default=None)
        from_gpc = bool(state.categories) and all(
            c.source == records.ConsentSource.gpc.value for c in state.categories.values())
        version = notice_version(manifest).id
        response = JSONResponse({
            "version": version, "granted": granted, "refused": sorted(refused),
            "source": "gpc" if from_gpc else "choice", "recorded": recorded,
            "at": latest.isoformat() if latest else None,
        }, headers={"Cache-Control": "no-store"})
        _set_cookies(response, request, subject.value,
                     consent_cookie_value(version, latest, granted, from_gpc))
        _expire_refused(response, request, manifest, refused)
        return response

    def _read_state(subject: records.ConsentSubject) -> records.ConsentState:
        with session_factory.begin() as session:
            return records.current_state(session, subject, key())

    async def decide(subjects: list[records.ConsentSubject], purposes: list[str]
                     ) -> list[list[decisions.ConsentDecision]]:
        """On PostgreSQL from the event loop itself; elsewhere on a reader thread."""
        if async_readers is not None:
            return await async_readers.read(lambda connection: decisions.decide_many_postgres(
                connection, manifest_loader(), subjects, purposes, key=key()))
        return await read(lambda connection: decisions.decide_many(
            connection, manifest_loader(), subjects, purposes, key=key()))

    @api.post("/decision", summary="May I use this subject's data for this purpose now?")
    async def decision(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(DecisionQuestion, await _read(request, API_BODY_MAX))
            found = (await decide([_subject(body.subject)], [body.purpose]))[0][0]
            return JSONResponse(found.as_json(), headers={"Cache-Control": "no-store"})

        return await _guarded(handle)

    @api.post("/decision-bulk", summary="Decisions for many subjects and purposes at once")
    async def decision_bulk(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(BulkQuestion, await _read(request, API_BODY_MAX))
            rows = await decide([_subject(s) for s in body.subjects], list(body.purposes))
            return JSONResponse({"decisions": [
                {"subject": index, "decisions": [d.as_json() for d in row]}
                for index, row in enumerate(rows)]}, headers={"Cache-Control": "no-store"})

        return await _guarded(handle)

    @api.post("/events", status_code=201, summary="Record a choice made outside the banner")
    async def consent_event(request: Request) -> Response:
        async def handle() -> Response:
            body = _parse(ConsentEventIn, await _read(request, API_BODY_MAX))
            manifest, subject = manifest_loader(), _subject(body.subject)
            choices = records.validate_choices(manifest, body.categories, body.purposes)
            event = records.new_event(manifest, subject, choices,
                                      source=records.ConsentSource(body.source),
                                      language=body.language,
                                      user_agent=request.headers.get("user-agent"), key=key())
            appended = await writer.append(event)
            assert appended.event_id is not None, "only a GPC signal is ever skipped"
            return JSONResponse(_event_json(event, appended.event_id), status_code=201,
                                headers={"Cache-Control": "no-store"})

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

