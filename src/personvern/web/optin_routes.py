"""Double opt-in and one-click unsubscribe over HTTP (see :mod:`personvern.consent.optin`).

* ``POST /api/v1/double-opt-in`` — the shop's backend asks for a confirmation mail
  (``{"email", "purpose", "language"}``, API key);
* ``POST /double-opt-in`` — the same from the shop's own signup form (a plain HTML form,
  possibly on the shop's domain: no cookie, no key); answers with a page;
* ``GET /double-opt-in/confirm/{token}`` — a page with a "Confirm" button, and
  ``POST`` to the same address — records the consent;
* ``GET /unsubscribe/{token}`` — a page with an "Unsubscribe" button, and ``POST`` with
  the body ``List-Unsubscribe=One-Click`` (RFC 8058) — records the withdrawal, answers 200
  without any cookie or login.

A GET never writes: mail scanners and link previews open every link in a mail, and
consent (or its withdrawal) recorded by a robot proves nothing (Art. 7(1)). Bodies are
small and capped, content types are checked, and every refusal is a 4xx with a message
that repeats neither the address nor the token. Nothing is written on a refusal.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import escape
from threading import Lock
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from personvern.consent import optin
from personvern.consent.records import ConsentError
from personvern.mail import MailError
from personvern.manifest.model import Manifest
from personvern.web.auth import api_actor
from personvern.web.errors import error_response
from personvern.web.i18n import page_language
from personvern.web.pages import PAGE_HEADERS
from personvern.web.state import AppState, app_state

FORM_BODY_MAX = 4 * 1024  # an address, a purpose key, a language: far less than this
CLICK_BODY_MAX = 1024  # the confirm button and RFC 8058's one field
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Anyone can type anyone's address into a signup form; at most this many confirmation mails
# go to one address per hour, so the form cannot be used to flood someone's inbox.
MAILS_PER_ADDRESS = 3
MAIL_WINDOW_SECONDS = 3600.0

State = Annotated[AppState, Depends(app_state)]


class RefusalError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    email: Annotated[str, Field(min_length=3, max_length=320)]
    purpose: Annotated[str, Field(min_length=1, max_length=100)]
    language: Annotated[str | None, Field(max_length=16)] = None


class MailThrottle:
    """Confirmation mails per address (by SHA-256, in memory, per process)."""

    def __init__(self, limit: int = MAILS_PER_ADDRESS,
                 window: float = MAIL_WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._sent: dict[str, deque[float]] = {}
        self._lock = Lock()

    def allow(self, address: str) -> bool:
        key = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()
        now = time.monotonic()
        with self._lock:
            if len(self._sent) > 10_000:  # forget addresses whose window has passed
                for old in [k for k, sent in self._sent.items() if sent[-1] < now - self.window]:
                    del self._sent[old]
            times = self._sent.setdefault(key, deque())
            while times and times[0] < now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True


# --- pages -------------------------------------------------------------------------------------

PAGE_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "check_title": "Sjekk e-posten din",
        "check": "Hvis adressen er riktig, har vi sendt en e-post med en lenke. Åpne den og "
                 "trykk «Bekreft». Før det registrerer vi ingenting.",
        "confirm_title": "Bekreft påmeldingen",
        "confirm": "Trykk «Bekreft» for å samtykke til «{purpose}» fra {shop} på {address}. "
                   "Du kan trekke samtykket tilbake når som helst.",
        "confirm_button": "Bekreft",
        "confirmed_title": "Takk, påmeldingen er bekreftet",
        "confirmed": "Samtykket til «{purpose}» er registrert. Hver e-post har en lenke for "
                     "å melde seg av.",
        "already_confirmed": "Denne påmeldingen var allerede bekreftet. Ingenting er endret.",
        "unsubscribe_title": "Meld av",
        "unsubscribe": "Vil du melde {address} av «{purpose}» fra {shop}?",
        "unsubscribe_button": "Meld av",
        "unsubscribed_title": "Du er meldt av",
        "unsubscribed": "Vi har registrert at du trekker tilbake samtykket til «{purpose}». "
                        "Du får ingen flere slike e-poster.",
        "already_unsubscribed": "Du var allerede meldt av. Ingenting er endret.",
        "error_title": "Det gikk ikke",
    },
    "sv": {
        "check_title": "Kolla din e-post",
        "check": "Om adressen stämmer har vi skickat ett mejl med en länk. Öppna den och "
                 "tryck på ”Bekräfta”. Innan dess registrerar vi ingenting.",
        "confirm_title": "Bekräfta din anmälan",
        "confirm": "Tryck på ”Bekräfta” för att samtycka till ”{purpose}” från {shop} till "
                   "{address}. Du kan återkalla samtycket när som helst.",
        "confirm_button": "Bekräfta",
        "confirmed_title": "Tack, anmälan är bekräftad",
        "confirmed": "Samtycket till ”{purpose}” är registrerat. Varje mejl har en länk för "
                     "att avregistrera dig.",
        "already_confirmed": "Anmälan var redan bekräftad. Inget har ändrats.",
        "unsubscribe_title": "Avregistrera",
        "unsubscribe": "Vill du avregistrera {address} från ”{purpose}” från {shop}?",
        "unsubscribe_button": "Avregistrera",
        "unsubscribed_title": "Du är avregistrerad",
        "unsubscribed": "Vi har registrerat att du återkallar samtycket till ”{purpose}”. "
                        "Du får inga fler sådana mejl.",
        "already_unsubscribed": "Du var redan avregistrerad. Inget har ändrats.",
        "error_title": "Det gick inte",
    },
    "en": {
        "check_title": "Check your e-mail",
        "check": "If the address is right, we have sent an e-mail with a link. Open it and "
                 "press \"Confirm\". Until then, nothing is recorded.",
        "confirm_title": "Confirm your subscription",
        "confirm": "Press \"Confirm\" to consent to \"{purpose}\" from {shop} at {address}. "
                   "You can withdraw your consent at any time.",
        "confirm_button": "Confirm",
        "confirmed_title": "Thank you, your subscription is confirmed",
        "confirmed": "Your consent to \"{purpose}\" is recorded. Every e-mail has an "
                     "unsubscribe link.",
        "already_confirmed": "This subscription was already confirmed. Nothing has changed.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe": "Unsubscribe {address} from \"{purpose}\" from {shop}?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed": "We have recorded that you withdraw your consent to \"{purpose}\". "
                        "You will get no more such e-mails.",
        "already_unsubscribed": "You were already unsubscribed. Nothing has changed.",
        "error_title": "That did not work",
    },
}


def masked(address: str) -> str:
    """``k***@example.no``: enough for the owner to recognise, little for anyone else who
    holds the link."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def page(language: str, title: str, text: str, *, status: int = 200,
         button: str | None = None, hidden: Mapping[str, str] | None = None) -> HTMLResponse:
    """A small page; with ``button``, a form that POSTs to the page's own address."""
    form = ""
    if button is not None:
        fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in (hidden or {}).items())
        form = (f'<form method="post">{fields}'
                f'<button type="submit">{escape(button)}</button></form>')
    body = (f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><link rel="stylesheet" href="/static/site.css">'
            f'</head><body class="portal"><main id="main"><h1>{escape(title)}</h1>'
            f'<p>{escape(text)}</p>{form}</main></body></html>')
    return HTMLResponse(body, status_code=status,
                        headers={**PAGE_HEADERS, "Content-Language": language})


def _language_of(request: Request, manifest: Manifest, token: str | None) -> str:
    known = optin.link_language(token) if token else None
    if known is not None:
        return known
    offered = tuple(code for code in manifest.organization.languages if code in optin.LANGUAGES)
    return page_language(offered or ("en",), accept=request.headers.get("accept-language"))


def _error_page(request: Request, manifest: Manifest, refusal: RefusalError,
                token: str | None = None) -> HTMLResponse:
    language = _language_of(request, manifest, token)
    return page(language, PAGE_TEXTS[language]["error_title"], refusal.message,
                status=refusal.status)


# --- input ---------------------------------------------------------------------------------------


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise RefusalError(413, f"the request body is larger than {limit} bytes")
    body = await request.body()
    if len(body) > limit:
        raise RefusalError(413, f"the request body is larger than {limit} bytes")
    return body


async def _form(request: Request, limit: int) -> FormData:
    """A small HTML form, URL-encoded or multipart (RFC 8058 allows both), no files."""
    if _media(request) not in FORM_TYPES:
        raise RefusalError(415, "send the form as application/x-www-form-urlencoded or "
                           "multipart/form-data")
    await _body(request, limit)
    try:
        return await request.form(max_files=0, max_fields=10)
    except (HTTPException, UnicodeDecodeError):
        raise RefusalError(400, "the form could not be read") from None


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _guard_token(token: str) -> str:
    if len(token) > optin.TOKEN_MAX:
        raise RefusalError(400, "the link is not valid")
    return token


def _refusal(error: optin.OptInError | ConsentError) -> RefusalError:
    return RefusalError(error.status if isinstance(error, optin.OptInError) else 422, str(error))


# --- sending ---------------------------------------------------------------------------------


def _send(state: AppState, throttle: MailThrottle, email: str, purpose: str,
          language: str | None) -> datetime:
    manifest = state.manifest
    lang = optin.mail_language(manifest, language)
    now = datetime.now(UTC)
    try:
        # Build (and so check) the message before counting it against the address.
        message = optin.confirmation_message(manifest, state.outbox.sender, state.public_url,
                                             email=email, purpose=purpose, language=lang,
                                             now=now)
    except (optin.OptInError, ConsentError) as error:
        raise _refusal(error) from None
    if not throttle.allow(email):
        raise RefusalError(429, "too many confirmation e-mails to this address; try again "
                                "in an hour")
    try:
        state.outbox.send(message)
    except MailError:
        raise RefusalError(503, "the confirmation e-mail could not be sent; try again "
                                "later") from None
    return now + optin.CONFIRM_LIFETIME


async def _recorded(state: AppState, action: Callable[..., optin.Outcome], token: str,
                    agent: str | None) -> optin.Outcome:
    """``action`` (confirm or unsubscribe) for the link's token in one transaction, off the
    event loop; a refusal as the page's 4xx."""
    def work() -> optin.Outcome:
        try:
            with state.transaction() as session:
                return action(session, state.manifest, token, user_agent=agent)
        except (optin.OptInError, ConsentError) as error:
            raise _refusal(error) from None

    return await run_in_threadpool(work)


def create_optin_router(throttle: MailThrottle | None = None) -> APIRouter:
    router = APIRouter(tags=["double opt-in"])
    api = APIRouter(prefix="/api/v1", dependencies=[Depends(api_actor)])
    limiter = throttle or MailThrottle()

    @api.post("/double-opt-in", status_code=202,
              summary="Send a confirmation mail; consent is recorded only when it is confirmed")
    async def request_subscription(request: Request, state: State) -> Response:
        try:
            if _media(request) != "application/json":
                raise RefusalError(415, "send the request as application/json")
            raw = await _body(request, FORM_BODY_MAX)
            try:
                body = SubscriptionIn.model_validate_json(raw)
            except ValidationError as error:
                problems = [f"{'.'.join(str(p) for p in e['loc'])[:64] or 'body'}: "
                            + ("unknown field" if e["type"] == "extra_forbidden" else e["msg"])
                            for e in error.errors()[:10]]
                return error_response(422, "the request is not valid", problems)
            expires = await run_in_threadpool(_send, state, limiter, body.email, body.purpose,
                                              body.language)
        except RefusalError as refusal:
            return error_response(refusal.status, refusal.message)
        return JSONResponse({"status": "confirmation_sent", "purpose": body.purpose,
                             "expires_at": expires.isoformat(timespec="seconds")},
                            status_code=202, headers={"Cache-Control": "no-store"})

    @router.post("/double-opt-in", response_class=HTMLResponse, include_in_schema=False)
    async def signup_form(request: Request, state: State) -> Response:
        manifest = state.manifest
        try:
            form = await _form(request, FORM_BODY_MAX)
            email, purpose = _field(form, "email"), _field(form, "purpose")
            language = _field(form, "language") or _field(form, "lang")
            if not email or not purpose:
                raise RefusalError(422, "the form needs an e-mail address and a purpose")
            if len(email) > 320 or len(purpose) > 100 or len(language or "") > 16:
                raise RefusalError(422, "a field of the form is too long")
            await run_in_threadpool(_send, state, limiter, email, purpose, language)
        except RefusalError as refusal:
            return _error_page(request, manifest, refusal)
        # The same answer whether or not the address is already subscribed: the form tells
        # nobody who is on the list.
        lang = optin.mail_language(manifest, language)
        texts = PAGE_TEXTS[lang]
        return page(lang, texts["check_title"], texts["check"])

    def _confirm_claims(state: AppState, token: str) -> optin.LinkClaims:
        try:
            claims = optin.read_link(_guard_token(token), optin.LinkKind.confirm)
            optin.optin_purpose(state.manifest, claims.purpose)
        except optin.OptInError as error:
            raise _refusal(error) from None
        return claims

    @router.get("/double-opt-in/confirm/{token}", response_class=HTMLResponse,
                include_in_schema=False)
    def confirmation_page(request: Request, token: str, state: State) -> Response:
        manifest = state.manifest
        try:
            claims = _confirm_claims(state, token)
        except RefusalError as refusal:
            return _error_page(request, manifest, refusal, token)
        texts = PAGE_TEXTS[claims.language]
        name = optin.purpose_name(manifest.purposes[claims.purpose], claims.purpose,
                                  claims.language)
        return page(claims.language, texts["confirm_title"],
                    texts["confirm"].format(purpose=name, shop=manifest.organization.name,
                                            address=masked(claims.email)),
                    button=texts["confirm_button"], hidden={"confirm": "yes"})

    @router.post("/double-opt-in/confirm/{token}", response_class=HTMLResponse,
                 include_in_schema=False)
    async def confirm(request: Request, token: str, state: State) -> Response:
        manifest = state.manifest
        try:
            _guard_token(token)
            await _form(request, CLICK_BODY_MAX)
            outcome = await _recorded(state, optin.confirm, token,
                                      request.headers.get("user-agent"))
        except RefusalError as refusal:
            return _error_page(request, manifest, refusal, token)
        texts = PAGE_TEXTS[outcome.language]
        name = optin.purpose_name(manifest.purposes[outcome.purpose], outcome.purpose,
                                  outcome.language)
        text = (texts["confirmed"].format(purpose=name) if outcome.recorded
                else texts["already_confirmed"])
        return page(outcome.language, texts["confirmed_title"], text)

    @router.get("/unsubscribe/{token}", response_class=HTMLResponse, include_in_schema=False)
    def unsubscribe_page(request: Request, token: str, state: State) -> Response:
        manifest = state.manifest
        try:
            claims = optin.read_link(_guard_token(token), optin.LinkKind.unsubscribe)
        except optin.OptInError as error:
            return _error_page(request, manifest, _refusal(error), token)
        except RefusalError as refusal:
            return _error_page(request, manifest, refusal, token)
        texts = PAGE_TEXTS[claims.language if claims.language in PAGE_TEXTS else "en"]
        purpose = manifest.purposes.get(claims.purpose)
        name = (optin.purpose_name(purpose, claims.purpose, claims.language)
                if purpose is not None else claims.purpose)
        return page(claims.language, texts["unsubscribe_title"],
                    texts["unsubscribe"].format(purpose=name, shop=manifest.organization.name,
                                                address=masked(claims.email)),
                    button=texts["unsubscribe_button"],
                    hidden={"List-Unsubscribe": "One-Click"})

    @router.post("/unsubscribe/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def unsubscribe(request: Request, token: str, state: State) -> Response:
        """RFC 8058 section 3.1: a POST whose body is ``List-Unsubscribe=One-Click``,
        without cookies or authorization; the token alone names the subscriber."""
        manifest = state.manifest
        try:
            _guard_token(token)
            form = await _form(request, CLICK_BODY_MAX)
            if _field(form, "List-Unsubscribe") != "One-Click":
                raise RefusalError(400, f"the body must be {optin.ONE_CLICK} (RFC 8058)")
            outcome = await _recorded(state, optin.unsubscribe, token,
                                      request.headers.get("user-agent"))
        except RefusalError as refusal:
            return _error_page(request, manifest, refusal, token)
        lang = outcome.language if outcome.language in PAGE_TEXTS else "en"
        texts = PAGE_TEXTS[lang]
        purpose = manifest.purposes[outcome.purpose]
        text = (texts["unsubscribed"].format(
                    purpose=optin.purpose_name(purpose, outcome.purpose, lang))
                if outcome.recorded else texts["already_unsubscribed"])
        return page(lang, texts["unsubscribed_title"], text)

    router.include_router(api)
    return router

