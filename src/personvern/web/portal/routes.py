"""The privacy portal's pages under ``/portal``: a thin shell over the domain functions.

Flow: a right's form → a one-time code by mail (:mod:`personvern.requests.verification`)
→ ``/portal/verify/…`` → the request is created with a verified identity
(:mod:`personvern.requests.lifecycle`, actor ``portal``) → its status page, reached by a
signed link (:mod:`personvern.web.portal.signing`). The preference centre and the
download of an access package each need a fresh code. Every form carries a CSRF token;
every page speaks nb, sv or en.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from personvern.consent import records
from personvern.datastores.connect import DatastoreError
from personvern.mail import MailError
from personvern.requests import lifecycle, limit_requests, limits, verification
from personvern.requests.access import (
    DOWNLOAD_MAX_USES,
    DownloadRefused,
    issue_download_token,
    open_download,
)
from personvern.requests.erasure import format_day, outcome
from personvern.requests.subject import InvalidIdentityError, SubjectIdentity
from personvern.requests.verification import Outcome, Purpose, RateLimitedError
from personvern.store.models import (
    AccessPackage,
    DataSubjectRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
    VerificationChallenge,
)
from personvern.web.csrf import csrf_token, require_csrf, set_csrf_cookie
from personvern.web.i18n import (
    LANGUAGE_ALIASES,
    LANGUAGE_COOKIE,
    PAGE_LANGUAGES,
    page_language,
)
from personvern.web.pages import gettext_for, render_page
from personvern.web.portal import mails, rights, signing
from personvern.web.state import AppState, app_state

ACTOR = "portal"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "sv": "Svenska", "en": "English"}
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# The link shown after a fresh code: long enough for a slow connection, short enough that
# a link left in a browser's history soon opens nothing.
PORTAL_DOWNLOAD_TTL = timedelta(hours=1)
ACCESS_KINDS = frozenset({RequestKind.access, RequestKind.portability})


@dataclass(frozen=True)
class Visit:
    """One page view: the request, the app's state, the language and its gettext."""

    request: Request
    state: AppState
    lang: str
    chosen: bool  # the language was picked with ?lang= (remember it in the cookie)

    def _(self, text: str) -> str:
        return str(gettext_for(self.lang)(text))

    @property
    def gettext(self) -> rights.Gettext:
        return self._

    @property
    def https(self) -> bool:
        return self.request.url.scheme == "https"


def visit(request: Request) -> Visit:
    """Runs first on every portal route (a router dependency), so even a refused CSRF
    check answers in the visitor's language."""
    state = app_state(request)
    offered = tuple(state.manifest.organization.languages)
    chosen = request.query_params.get("lang")
    lang = page_language(offered, chosen=chosen, cookie=request.cookies.get(LANGUAGE_COOKIE),
                         accept=request.headers.get("accept-language"))
    request.state.page_language = lang
    picked = LANGUAGE_ALIASES.get((chosen or "")[:8].lower()) == lang
    return Visit(request, state, lang, picked)


Page = Annotated[Visit, Depends(visit)]
router = APIRouter(prefix="/portal", dependencies=[Depends(visit)], include_in_schema=False)


def _language_links(v: Visit) -> list[tuple[str, str, str]]:
    offered = [code for code in v.state.manifest.organization.languages
               if code in PAGE_LANGUAGES]
    params = {k: val for k, val in v.request.query_params.items() if k != "lang"}
    return [(code, LANGUAGE_NAMES[code],
             f"{v.request.url.path}?{urlencode({**params, 'lang': code})}")
            for code in offered]


def page(v: Visit, template: str, context: Mapping[str, Any] | None = None, *,
         status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = {"site_name": v.state.manifest.organization.name, "languages": [],
            "language_links": _language_links(v), "csrf_token": csrf_token(v.request),
            "flashes": [], "errors": [], **(context or {})}
    body["error_for"] = dict(body["errors"])
    response = render_page(f"portal/{template}", v.lang, body, status=status,
                           headers={"Content-Language": v.lang, **(headers or {})})
    set_csrf_cookie(v.request, response)
    if v.chosen:
        response.set_cookie(LANGUAGE_COOKIE, v.lang, max_age=LANGUAGE_COOKIE_AGE,
                            httponly=True, samesite="lax", secure=v.https, path="/")
    return response


def refuse(status: int, message: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status, message, headers=headers)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _form(request: Request) -> Mapping[str, Any]:
    return await request.form()  # parsed once: require_csrf has read it already


# --- home and the forms --------------------------------------------------------------------


@router.get("")
@router.get("/")
def home(v: Page) -> Response:
    return page(v, "home.html", {
        "kinds": rights.kinds(), "titles": rights.titles(v.gettext),
        "summaries": rights.summaries(v.gettext), "notice_url": f"/privacy?lang={v.lang}",
    })


def _kind(v: Visit, kind: str) -> RequestKind:
    if kind not in rights.kinds():
        raise refuse(404, v._("There is no such form. Choose a right on the portal's "
                              "front page."))
    return RequestKind(kind)


def _form_page(v: Visit, kind: RequestKind, submitted: rights.Submitted | None = None,
               status: int = 200) -> Response:
    return page(v, "request_form.html", {
        "kind": kind.value, "title": rights.titles(v.gettext)[kind.value],
        "summary": rights.summaries(v.gettext)[kind.value],
        "values": submitted.values if submitted else {},
        "errors": submitted.errors if submitted else [],
        "grounds": rights.ground_labels(v.gettext),
        "purposes": rights.objection_purposes(v.state.manifest, v.lang),
        "fields": (rights.rectifiable_fields(v.state.manifest, v.lang)
                   if kind is RequestKind.rectification else []),
        "rectify_rows": range(1, rights.RECTIFY_ROWS + 1),
    }, status=status)


@router.get("/request/{kind}")
def request_form(v: Page, kind: str) -> Response:
    return _form_page(v, _kind(v, kind))


def _send_code(v: Visit, *, email: str, purpose: Purpose,
               payload: Mapping[str, Any] | None = None,
               request_id: str | None = None) -> str:
    """Issue a code, mail it, commit; the challenge id. The same answer whether or not
    the address is known to the shop: nothing here looks at the shop's data."""
    try:
        with v.state.transaction() as session:
            issued = verification.issue(session, email=email, client=_client(v.request),
                                        purpose=purpose, language=v.lang, payload=payload,
                                        request_id=request_id)
            v.state.outbox.send(mails.code_mail(
                sender=v.state.outbox.sender, to=email, code=issued.code,
                shop=v.state.manifest.organization.name, language=v.lang))
    except RateLimitedError as error:
        message = (v._("Too many codes were asked for this e-mail address. Wait a quarter "
                       "of an hour and try again.") if error.scope == "address" else
                   v._("Too many codes were asked from your network. Wait an hour and try "
                       "again."))
        raise refuse(429, message, {"Retry-After": str(error.retry_after)}) from None
    except MailError:
        raise refuse(503, v._("We could not send the mail with your code just now. Try "
                              "again in a few minutes.")) from None
    return issued.challenge_id


def _to_verify(challenge_id: str) -> RedirectResponse:
    return RedirectResponse(f"/portal/verify/{challenge_id}", status_code=303)


@router.post("/request/{kind}", dependencies=[Depends(require_csrf)])
async def submit_request(v: Page, kind: str) -> Response:
    chosen = _kind(v, kind)
    form = await _form(v.request)
    submitted = rights.read_form(chosen.value, form, v.state.manifest, v.lang, v.gettext)
    if submitted.errors:
        return _form_page(v, chosen, submitted, status=422)
    payload = {"kind": chosen.value, "details": submitted.details,
               **({"order_number": submitted.order_number} if submitted.order_number else {})}
    return _to_verify(_send_code(v, email=submitted.email, purpose=Purpose.request,
                                 payload=payload))


# --- the code -------------------------------------------------------------------------------


def _challenge(v: Visit, session: Session, challenge_id: str) -> VerificationChallenge:
    try:
        return verification.get_challenge(session, challenge_id)
    except verification.ChallengeNotFoundError:
        raise refuse(404, v._("This verification page does not exist. Ask for a new "
                              "code.")) from None


def _verify_page(v: Visit, challenge_id: str, *, errors: list[tuple[str, str]] | None = None,
                 spent: bool = False, with_order: bool = False, status: int = 200
                 ) -> Response:
    return page(v, "verify.html", {
        "challenge_id": challenge_id, "errors": errors or [], "spent": spent,
        "with_order": with_order, "minutes": int(verification.CODE_TTL.total_seconds() // 60),
    }, status=status)


@router.get("/verify/{challenge_id}")
def verify_form(v: Page, challenge_id: str) -> Response:
    with v.state.transaction() as session:
        challenge = _challenge(v, session, challenge_id)
        spent = not verification.usable(challenge)
        with_order = bool((challenge.payload or {}).get("order_number"))
    return _verify_page(v, challenge_id, spent=spent, with_order=with_order,
                        status=410 if spent else 200)


class ShopUnreachableError(Exception):
    """The shop's database did not answer while an order number was checked."""


def _order_check(state: AppState) -> verification.SecondFactor:
    def matches(email: str, order_number: str) -> bool:
        try:
            return verification.order_matches(state.manifest, email, order_number)
        except InvalidIdentityError:
            return False
        except (DatastoreError, sa.exc.SQLAlchemyError, OSError):
            # Not the person's fault: the attempt is not counted (the transaction rolls back).
            raise ShopUnreachableError from None

    return matches


@router.post("/verify/{challenge_id}", dependencies=[Depends(require_csrf)])
async def verify_code(v: Page, challenge_id: str) -> Response:
    form = await _form(v.request)
    typed = form.get("code")
    try:
        verification.normalise_code(typed if isinstance(typed, str) else "")
    except verification.MalformedCodeError:
        return _verify_page(v, challenge_id, status=422, errors=[
            ("code", v._("Enter the 6 digits of the code from the mail."))])
    try:
        with v.state.transaction() as session:
            checked = verification.check(session, challenge_id, str(typed),
                                         second_factor=_order_check(v.state))
            if checked.outcome is Outcome.verified:
                return _verified(v, session, checked.challenge)
    except verification.ChallengeNotFoundError:
        raise refuse(404, v._("This verification page does not exist. Ask for a new "
                              "code.")) from None
    except MailError:
        raise refuse(503, v._("We could not send the mail about your request just now. "
                              "Try the same code again in a few minutes.")) from None
    except ShopUnreachableError:
        raise refuse(503, v._("We could not check the order number just now. Try the same "
                              "code again in a few minutes.")) from None
    if checked.outcome is Outcome.spent:
        return _verify_page(v, challenge_id, spent=True, status=410)
    with_order = bool((checked.challenge.payload or {}).get("order_number"))
    message = (v._("The code or the order number is not right.") if with_order else
               v._("The code is not right."))
    left = v._("Attempts left: {left}.").format(left=checked.attempts_left)
    return _verify_page(v, challenge_id, status=422, with_order=with_order,
                        spent=checked.attempts_left == 0,
                        errors=[("code", f"{message} {left}")])


def _verified(v: Visit, session: Session, challenge: VerificationChallenge) -> Response:
    purpose = challenge.purpose
    if purpose == Purpose.request.value:
        return _create_request(v, session, challenge)
    if purpose == Purpose.session.value:
        verification.settle(challenge)
        response = RedirectResponse("/portal/preferences", status_code=303)
        response.set_cookie(signing.SESSION_COOKIE, signing.session_value(challenge.id),
                            max_age=int(signing.SESSION_TTL.total_seconds()), httponly=True,
                            samesite="strict", secure=v.https, path="/portal")
        return response
    return _download_ready(v, session, challenge)


def _create_request(v: Visit, session: Session, challenge: VerificationChallenge
                    ) -> Response:
    pending = dict(challenge.payload or {})
    kind = RequestKind(pending["kind"])
    details = dict(pending.get("details") or {})
    identity = SubjectIdentity(email=challenge.email)
    request = lifecycle.create_request(
        session, kind=kind, identity=identity, language=v.lang, country=v.state.country,
        payload={**details, "source": ACTOR}, actor=ACTOR)
    # Art. 12(6): the code proved the address; a guest's order number, if given, too.
    method = "email_code+order_number" if pending.get("order_number") else "email_code"
    lifecycle.verify_identity(session, request.id, method=method, actor=ACTOR)
    if kind in limit_requests.LIMIT_KINDS:
        session.refresh(request)  # with the identity just verified
        _apply_limit(v, session, request)
    verification.settle(challenge, request.id)
    path = signing.status_path(request.id)
    title = rights.titles(v.gettext)[kind.value]
    v.state.outbox.send(mails.status_mail(
        sender=v.state.outbox.sender, to=identity.email or "", title=title,
        link=f"{v.state.public_url}{path}", due=format_day(request.deadline, v.lang),
        shop=v.state.manifest.organization.name, language=v.lang))
    return RedirectResponse(path, status_code=303)


def _apply_limit(v: Visit, session: Session, request: DataSubjectRequest) -> None:
    """A restriction (Art. 18) or an objection (Art. 21) applies as soon as the person is
    identified: an objection to direct marketing is absolute (21(3)), and other processing
    stops while the controller weighs its grounds (21(1), 18(1)(d)). The limits are keyed
    and tied to the request exactly as :func:`run_limit_request` would record them, so
    running the approved request later records nothing twice; it plans the Art. 19
    notices and completes the request."""
    plan = limit_requests.plan_limits(request, v.state.manifest)
    identity = limit_requests.subject_of_request(request)
    for purpose in plan.purposes:
        if plan.ground is not None:
            made = limits.restrict(session, identity=identity, manifest=v.state.manifest,
                                   ground=plan.ground, purpose=purpose, note=plan.note,
                                   request_id=request.id, actor=ACTOR)
        else:
            made = limits.object_to(session, identity=identity, manifest=v.state.manifest,
                                    purpose=purpose, note=plan.note, request_id=request.id,
                                    actor=ACTOR)
        session.add(RequestEvent(request_id=request.id, at=made.created_at,
                                 kind="limit_applied", actor=ACTOR,
                                 detail={"limit": made.id, "article": made.article,
                                         "purpose": made.purpose}))


# --- the status page and the download --------------------------------------------------------


def _checked_link(v: Visit, request_id: str, until: str, sig: str) -> None:
    try:
        signing.check_status_link(request_id, until[:20], sig[:100])
    except signing.LinkRefused as refused:
        if refused.expired:
            raise refuse(410, v._("This link has expired. The newest mail about your "
                                  "request has a fresh one.")) from None
        raise refuse(404, v._("This link is not valid. Use the link from the mail we "
                              "sent you.")) from None


def _request(v: Visit, session: Session, request_id: str) -> DataSubjectRequest:
    try:
        return lifecycle.get_request(session, request_id)
    except lifecycle.RequestNotFoundError:
        raise refuse(404, v._("This link is not valid. Use the link from the mail we "
                              "sent you.")) from None


def status_words(_: rights.Gettext) -> dict[str, str]:
    return {
        "received": _("Received"),
        "awaiting_identity": _("Waiting for you to confirm who you are"),
        "identity_verified": _("Your identity is confirmed; the request is being reviewed"),
        "approved": _("Approved; we are carrying it out"),
        "running": _("We are carrying it out"),
        "completed": _("Answered"),
        "rejected": _("Declined"),
    }


def event_words(_: rights.Gettext) -> dict[str, str]:
    return {
        "received": _("We received your request."),
        "awaiting_identity": _("We asked you to confirm who you are."),
        "identity_verified": _("You confirmed who you are."),
        "approved": _("Our privacy team approved the request."),
        "running": _("We started carrying out the request."),
        "completed": _("The request was answered."),
        "rejected": _("We declined the request."),
        "extended": _("We extended the deadline."),
        "tasks_planned": _("We will tell those we shared your data with."),
        "task_done": _("We told one of those we shared your data with."),
        "package_created": _("Your copy of the data is ready."),
        "package_purged": _("Your copy of the data was deleted after its time ran out."),
        "erasure_answer": _("We erased your data."),
        "limit_applied": _("The limit you asked for is in force."),
        "objection_applied": _("Your objection applies: we no longer use your data for "
                               "this purpose while it stands."),
        "restriction_applied": _("The restriction applies: we only store your data."),
    }


def _event_kind(request: DataSubjectRequest, kind: str) -> str:
    return f"{request.kind.value}_applied" if kind == "limit_applied" else kind


def _package(session: Session, request_id: str) -> AccessPackage | None:
    now = datetime.now(UTC)
    return session.scalars(sa.select(AccessPackage).where(
        AccessPackage.request_id == request_id, AccessPackage.expires_at > now)
        .order_by(AccessPackage.created_at.desc())).first()


@router.get("/status/{request_id}")
def status(v: Page, request_id: str, until: str = "", sig: str = "") -> Response:
    _checked_link(v, request_id, until, sig)
    with v.state.transaction() as session:
        request = _request(v, session, request_id)
        words = event_words(v.gettext)
        events = [(format_day(e.at.date(), v.lang),
                   words.get(_event_kind(request, e.kind), v._("Updated.")))
                  for e in request.events]
        rejected = next((e.detail for e in reversed(request.events)
                         if e.kind == "rejected"), None)
        # Art. 17(3), 12(1): what is kept, why and until when, as soon as it is known
        # (the request stays open until the Art. 19 notices are done).
        answer = (outcome(session, request, v.state.manifest).answer
                  if request.kind is RequestKind.erasure else "")
        downloadable = (request.kind in ACCESS_KINDS
                        and request.status is RequestStatus.completed
                        and _package(session, request.id) is not None
                        and bool(request.email))
        context = {
            "request_id": request.id, "title": rights.titles(v.gettext)[request.kind.value],
            "state": status_words(v.gettext)[request.status.value],
            "status": request.status.value,
            "received": format_day(request.received_on, v.lang),
            "due": format_day(request.deadline, v.lang),
            "paused": request.paused_since is not None,
            "extension": request.extension_reason, "events": events,
            "rejection": (str(rejected.get("reason", "")), str(rejected.get("notice", "")))
            if rejected else None,
            "answer_lines": [(line.startswith("- "), line.removeprefix("- "))
                             for line in answer.splitlines() if line.strip()],
            "downloadable": downloadable, "until": until, "sig": sig,
        }
    return page(v, "status.html", context)


@router.post("/status/{request_id}/download", dependencies=[Depends(require_csrf)])
async def ask_download(v: Page, request_id: str) -> Response:
    form = await _form(v.request)
    until, sig = str(form.get("until") or ""), str(form.get("sig") or "")
    _checked_link(v, request_id, until, sig)
    with v.state.transaction() as session:
        request = _request(v, session, request_id)
        ready = (request.kind in ACCESS_KINDS and request.status is RequestStatus.completed
                 and _package(session, request.id) is not None)
        email = request.email
    if not ready or not email:
        raise refuse(409, v._("There is no answer to download for this request."))
    return _to_verify(_send_code(v, email=email, purpose=Purpose.download,
                                 request_id=request_id,
                                 payload={"until": until, "sig": sig}))


def _download_ready(v: Visit, session: Session, challenge: VerificationChallenge
                    ) -> Response:
    request_id = challenge.request_id
    back = dict(challenge.payload or {})
    package = _package(session, request_id) if request_id else None
    if package is None:
        raise refuse(410, v._("There is no answer to download for this request."))
    token = issue_download_token(session, package.id, PORTAL_DOWNLOAD_TTL)
    verification.settle(challenge)
    status_link = (f"/portal/status/{request_id}?"
                   f"{urlencode({'until': back.get('until', ''), 'sig': back.get('sig', '')})}")
    return page(v, "download.html", {
        "download_url": f"/portal/download/{request_id}/{token}",
        "filename": package.filename, "size_kb": max(package.size_bytes // 1024, 1),
        "status_url": status_link, "uses": DOWNLOAD_MAX_USES,
        "minutes": int(PORTAL_DOWNLOAD_TTL.total_seconds() // 60),
    })


@router.get("/download/{request_id}/{token}")
def download(v: Page, request_id: str, token: str) -> Response:
    try:
        with v.state.transaction() as session:
            content = open_download(session, token[:200], request_id=request_id[:36])
            package = _package(session, request_id[:36])
            filename = package.filename if package else "personvern.zip"
    except DownloadRefused:
        raise refuse(410, v._("This download link has expired or has been used up. Open "
                              "your status page and ask for a new code.")) from None
    return Response(content, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


# --- the preference centre -------------------------------------------------------------------


def _session_address(v: Visit, session: Session) -> str | None:
    challenge_id = signing.session_challenge(v.request.cookies.get(signing.SESSION_COOKIE))
    if challenge_id is None:
        return None
    return verification.session_address(session, challenge_id, within=signing.SESSION_TTL)


def _consents(v: Visit) -> list[tuple[str, str, str]]:
    """(field name, label, description) for every consent the manifest asks for: the
    banner's categories (cookies and the like, ePrivacy Art. 5(3)) and the purposes based
    on consent (Art. 6(1)(a))."""
    manifest = v.state.manifest
    listed: list[tuple[str, str, str]] = []
    for key in records.optional_categories(manifest):
        category = manifest.consent_categories[key]
        listed.append((f"category:{key}", category.name.best(v.lang),
                       category.description.best(v.lang) if category.description else ""))
    for key in records.consent_purposes(manifest):
        purpose = manifest.purposes[key]
        description = purpose.description.best(v.lang) if purpose.description else ""
        listed.append((f"purpose:{key}", purpose.name.best(v.lang), description))
    return listed


def _consent_groups(v: Visit) -> list[tuple[str, list[tuple[str, str, str]]]]:
    consents = _consents(v)
    groups = [(v._("Uses of your data"), [c for c in consents if c[0].startswith("purpose:")]),
              (v._("Cookies and similar technologies on our website"),
               [c for c in consents if c[0].startswith("category:")])]
    return [(legend, members) for legend, members in groups if members]


def _preferences_page(v: Visit, session: Session, address: str | None, *,
                      flashes: list[tuple[str, str]] | None = None,
                      errors: list[tuple[str, str]] | None = None,
                      values: Mapping[str, str] | None = None, status: int = 200) -> Response:
    granted: dict[str, bool] = {}
    if address is not None:
        state = records.current_state(session, records.email(address))
        granted = {**{f"category:{k}": c.granted for k, c in state.categories.items()},
                   **{f"purpose:{k}": c.granted for k, c in state.purposes.items()}}
    return page(v, "preferences.html", {
        "verified": address is not None, "groups": _consent_groups(v), "granted": granted,
        "flashes": flashes or [], "errors": errors or [], "values": values or {},
    }, status=status)


@router.get("/preferences")
def preferences(v: Page) -> Response:
    with v.state.transaction() as session:
        return _preferences_page(v, session, _session_address(v, session))


@router.post("/preferences/code", dependencies=[Depends(require_csrf)])
async def preferences_code(v: Page) -> Response:
    form = await _form(v.request)
    submitted = rights.Submitted()
    rights.read_identity({"email": form.get("email")}, v.gettext, submitted)
    if submitted.errors:
        with v.state.transaction() as session:
            return _preferences_page(v, session, None, errors=submitted.errors,
                                     values=submitted.values, status=422)
    return _to_verify(_send_code(v, email=submitted.email, purpose=Purpose.session))


@router.post("/preferences", dependencies=[Depends(require_csrf)])
async def save_preferences(v: Page) -> Response:
    form = await _form(v.request)
    with v.state.transaction() as session:
        address = _session_address(v, session)
        if address is None:
            raise refuse(403, v._("Your session has ended. Confirm your e-mail address "
                                  "again to change your choices."))
        categories = {key.split(":", 1)[1]: form.get(key) == "yes"
                      for key, _label, _text in _consents(v) if key.startswith("category:")}
        purposes = {key.split(":", 1)[1]: form.get(key) == "yes"
                    for key, _label, _text in _consents(v) if key.startswith("purpose:")}
        if not categories and not purposes:
            raise refuse(409, v._("This shop asks for no consent."))
        choices = records.validate_choices(v.state.manifest, categories, purposes)
        # Art. 7(1) and 7(3): each choice is kept as proof, withdrawing as easily as giving.
        records.record(session, v.state.manifest, records.email(address), choices,
                       source=records.ConsentSource.portal, language=v.lang,
                       user_agent=v.request.headers.get("user-agent"))
        return _preferences_page(v, session, address,
                                 flashes=[("ok", v._("Your choices are saved."))])


@router.post("/logout", dependencies=[Depends(require_csrf)])
async def logout(v: Page) -> Response:
    challenge_id = signing.session_challenge(v.request.cookies.get(signing.SESSION_COOKIE))
    if challenge_id is not None:
        with v.state.transaction() as session:
            verification.end_session(session, challenge_id)
    response = RedirectResponse("/portal", status_code=303)
    response.delete_cookie(signing.SESSION_COOKIE, path="/portal", httponly=True,
                           samesite="strict", secure=v.https)
    return response
