"""Double opt-in by e-mail, and one-click unsubscribe (RFC 8058).

A subscription request (from the shop's backend or its signup form) records nothing: it
sends a confirmation mail with a signed link that expires after 48 hours. Only when the
person opens the link and presses the button is consent recorded, as a consent event with
source ``double_opt_in`` on their e-mail address (kept as a keyed hash by
:mod:`personvern.consent.records`). That is the evidence Art. 7(1) asks for: the address
was typed by someone, and its owner confirmed. The button matters: mail scanners open
links, so a GET never records anything (neither consent nor withdrawal).

Every newsletter mail carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058),
so the mail client's own "unsubscribe" withdraws consent with one POST and no login:
withdrawal as easy as giving consent (Art. 7(3)).

**Links.** A token is ``<payload>.<tag>``, both base64url: the payload names the kind of
link (confirm or unsubscribe), the purpose, the language, when it was issued and when it
expires; the tag is HMAC-SHA-256 of the payload under a key derived from the engine's
``link-signing`` key, checked in constant time before anything in the payload is read.
The e-mail address travels inside the payload sealed with AES-256-GCM (another key from
the same root), so the link never shows the address to whoever sees the URL (proxies,
logs, the Referer of a page).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from enum import Enum
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from personvern.audit.chain import utc
from personvern.consent import records
from personvern.keys import derive_key
from personvern.mail import compose
from personvern.manifest.model import Manifest, Purpose
from personvern.store.models import ConsentEvent

# The confirmation link lives two days: long enough for a weekend, short enough that an old
# mail found later does not silently create consent.
CONFIRM_LIFETIME = timedelta(hours=48)
# An unsubscribe link must keep working for as long as anyone may still open an old
# newsletter: withdrawal may not get harder with time (Art. 7(3)).
UNSUBSCRIBE_LIFETIME = timedelta(days=5 * 365)
TOKEN_MAX = 1200  # characters; an e-mail of 254 characters makes a token of about 600
LANGUAGES = ("nb", "sv", "en")
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058 section 3.1: the POST body
CONFIRM_PATH = "/double-opt-in/confirm/"
UNSUBSCRIBE_PATH = "/unsubscribe/"
_NONCE = 12  # bytes, AES-GCM


class LinkKind(str, Enum):
    confirm = "confirm"
    unsubscribe = "unsubscribe"


class OptInError(ValueError):
    """A refusal that can be shown as it is: it never repeats an address or a token."""

    status = 422


class LinkInvalidError(OptInError):
    """Not a link we made, or changed since: forged, tampered, cut short, wrong kind."""

    status = 400


class LinkExpiredError(OptInError):
    status = 410


# --- keys and tokens -------------------------------------------------------------------------


def _subkey(root: bytes | None, use: bytes) -> bytes:
    """One key per job under the ``link-signing`` key, so a token of another feature
    signed with that key can never pass here, and sealing and signing never share a key."""
    base = root if root is not None else derive_key("link-signing")
    return hmac.new(base, b"personvern/double-opt-in/" + use, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class LinkClaims:
    """What a valid link says."""

    kind: LinkKind
    email: str
    purpose: str
    language: str
    issued_at: datetime
    expires_at: datetime


def sign_link(kind: LinkKind, email: str, purpose: str, language: str, *,
              now: datetime | None = None, lifetime: timedelta | None = None,
              key: bytes | None = None) -> str:
    """A token for ``kind``; ``key`` is the ``link-signing`` key (default: the engine's)."""
    issued = _now(now)
    life = lifetime if lifetime is not None else (
        CONFIRM_LIFETIME if kind is LinkKind.confirm else UNSUBSCRIBE_LIFETIME)
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_subkey(key, b"seal")).encrypt(nonce, email.encode("utf-8"),
                                                   kind.value.encode("ascii"))
    payload = {"k": kind.value, "p": purpose, "l": language, "i": int(issued.timestamp()),
               "x": int((issued + life).timestamp()), "m": _b64(nonce + sealed)}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    tag = hmac.new(_subkey(key, b"sign"), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(tag)}"


_INVALID = ("the link is not valid: it may have been cut off or changed; open it again from "
            "the e-mail")


def _verified(token: str, key: bytes | None) -> LinkClaims:
    """The claims of a token we signed (of any kind, expired or not)."""
    if not isinstance(token, str) or not 20 <= len(token) <= TOKEN_MAX or not token.isascii():
        raise LinkInvalidError(_INVALID)
    body, dot, tag = token.partition(".")
    try:
        given = _unb64(tag)
    except (binascii.Error, ValueError):
        raise LinkInvalidError(_INVALID) from None
    wanted = hmac.new(_subkey(key, b"sign"), body.encode("ascii"), hashlib.sha256).digest()
    if not dot or not hmac.compare_digest(given, wanted):
        raise LinkInvalidError(_INVALID)
    # Signed by us, so the payload is ours; still read defensively.
    try:
        payload = json.loads(_unb64(body))
        kind = LinkKind(payload["k"])
        sealed = _unb64(payload["m"])
        email = AESGCM(_subkey(key, b"seal")).decrypt(
            sealed[:_NONCE], sealed[_NONCE:], kind.value.encode("ascii")).decode("utf-8")
        return LinkClaims(kind, email, str(payload["p"]), str(payload["l"]),
                          datetime.fromtimestamp(int(payload["i"]), UTC),
                          datetime.fromtimestamp(int(payload["x"]), UTC))
    except (ValueError, KeyError, TypeError, InvalidTag, binascii.Error):
        raise LinkInvalidError(_INVALID) from None


def read_link(token: str, kind: LinkKind, *, now: datetime | None = None,
              key: bytes | None = None) -> LinkClaims:
    """The claims of ``token`` if we signed it, for ``kind``, and it has not expired."""
    claims = _verified(token, key)
    if claims.kind is not kind:
        raise LinkInvalidError(_INVALID)
    if _now(now) >= claims.expires_at:
        raise LinkExpiredError(
            "the link has expired: ask for a new confirmation e-mail" if kind is LinkKind.confirm
            else "the link has expired: use the unsubscribe link of a newer e-mail")
    return claims


def link_language(token: str, *, key: bytes | None = None) -> str | None:
    """The language a link of ours was made for, expired or not, so the page saying it has
    expired still speaks the reader's language; None for anything else."""
    try:
        language = _verified(token, key).language
    except LinkInvalidError:
        return None
    return language if language in LANGUAGES else None


# --- what may be asked for -------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(UTC)


def _primary(requested: str | None) -> str:
    """``nb-NO`` → ``nb``, ``no``/``nn`` → ``nb`` (the closer written language)."""
    asked = (requested or "").strip().lower()[:8].replace("_", "-").split("-")[0]
    return {"no": "nb", "nn": "nb"}.get(asked, asked)


def mail_language(manifest: Manifest, requested: str | None) -> str:
    """nb, sv or en: the one asked for when the shop speaks it, else the shop's first."""
    offered = [code for code in manifest.organization.languages if code in LANGUAGES] or ["en"]
    asked = _primary(requested)
    return asked if asked in offered else offered[0]


def optin_purpose(manifest: Manifest, key: str) -> Purpose:
    """A purpose one may subscribe to by e-mail: on consent (Art. 6(1)(a)), and, where the
    manifest names the channels consent is collected through, double opt-in among them
    (the notice tells people how consent is asked for, Art. 13; a channel it does not
    name would record consent it never described)."""
    purpose = manifest.purposes.get(key) if isinstance(key, str) else None
    shown = key[:60] if isinstance(key, str) else type(key).__name__
    if purpose is None:
        raise OptInError(f"no purpose {shown!r} in the manifest")
    consent = purpose.consent
    if consent is None:
        raise OptInError(f"{shown} does not rest on consent: there is nothing to opt in to")
    if consent.channels and "double_opt_in" not in consent.channels:
        raise OptInError(f"the manifest does not collect consent to {shown} by double opt-in "
                         f"(channels: {', '.join(consent.channels)})")
    return purpose


def _subscriber(address: str) -> records.ConsentSubject:
    try:
        return records.email(address)
    except records.ConsentError as error:
        raise OptInError(str(error)) from None


# --- the confirmation mail -------------------------------------------------------------------

MAIL_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "subject": "Bekreft påmeldingen: {purpose}",
        "body": (
            "Hei,\n\n"
            "noen, forhåpentligvis du, har bedt om «{purpose}» fra {shop} til denne "
            "e-postadressen. Vi sender ingenting før du har bekreftet.\n\n"
            "Åpne lenken og trykk «Bekreft» for å gi samtykke:\n\n{link}\n\n"
            "Lenken virker til {expires} (UTC). Gjør du ingenting, skjer ingenting: vi "
            "registrerer ikke noe samtykke og sender deg ikke flere e-poster om dette.\n\n"
            "Du kan når som helst trekke samtykket tilbake, like enkelt som du ga det: hver "
            "e-post har en lenke for å melde seg av. Slik behandler vi personopplysninger: "
            "{privacy}\n\n{shop}\n"),
    },
    "sv": {
        "subject": "Bekräfta din anmälan: {purpose}",
        "body": (
            "Hej,\n\n"
            "någon, förhoppningsvis du, har bett om ”{purpose}” från {shop} till den här "
            "e-postadressen. Vi skickar ingenting förrän du har bekräftat.\n\n"
            "Öppna länken och tryck på ”Bekräfta” för att ge ditt samtycke:\n\n{link}\n\n"
            "Länken fungerar till {expires} (UTC). Gör du ingenting händer ingenting: vi "
            "registrerar inget samtycke och skickar inga fler mejl om detta.\n\n"
            "Du kan när som helst återkalla samtycket, lika enkelt som du gav det: varje "
            "mejl har en länk för att avregistrera dig. Så behandlar vi personuppgifter: "
            "{privacy}\n\n{shop}\n"),
    },
    "en": {
        "subject": "Confirm your subscription: {purpose}",
        "body": (
            "Hello,\n\n"
            "someone, hopefully you, asked for \"{purpose}\" from {shop} at this e-mail "
            "address. We send nothing until you confirm.\n\n"
            "Open the link and press \"Confirm\" to give your consent:\n\n{link}\n\n"
            "The link works until {expires} (UTC). If you do nothing, nothing happens: no "
            "consent is recorded and you get no more e-mails about this.\n\n"
            "You can withdraw your consent at any time, as easily as you gave it: every "
            "e-mail has an unsubscribe link. How we handle personal data: {privacy}\n\n"
            "{shop}\n"),
    },
}


def purpose_name(purpose: Purpose, key: str, language: str) -> str:
    return purpose.name.best(language) if purpose.name is not None else key.replace("_", " ")


def confirmation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{CONFIRM_PATH}{quote(token, safe='.-_')}"


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}{quote(token, safe='.-_')}"


def confirmation_message(manifest: Manifest, sender: str, base_url: str, *, email: str,
                         purpose: str, language: str, now: datetime | None = None,
                         key: bytes | None = None) -> EmailMessage:
    """The confirmation mail for one address, purpose and language; nothing is stored."""
    address = _subscriber(email).value
    chosen = optin_purpose(manifest, purpose)
    lang = mail_language(manifest, language)
    issued = _now(now)
    token = sign_link(LinkKind.confirm, address, purpose, lang, now=issued, key=key)
    values = {"purpose": purpose_name(chosen, purpose, lang),
              "shop": manifest.organization.name, "link": confirmation_url(base_url, token),
              "expires": f"{issued + CONFIRM_LIFETIME:%Y-%m-%d %H:%M}",
              "privacy": f"{base_url.rstrip('/')}/privacy?lang={lang}"}
    texts = MAIL_TEXTS[lang]
    # A purpose name holds no line break (the manifest's short texts), but the subject is
    # a header: compose() refuses a break rather than let it start a new header.
    message = compose(sender, address, texts["subject"].format(**values),
                      texts["body"].format(**values),
                      headers={"Auto-Submitted": "auto-generated"})  # RFC 3834: no auto-reply
    message["Content-Language"] = lang  # after the body: set_content drops Content-* headers
    return message


# --- unsubscribe headers (RFC 8058) ----------------------------------------------------------


def unsubscribe_headers(base_url: str, email: str, purpose: str, *, language: str = "en",
                        now: datetime | None = None, key: bytes | None = None
                        ) -> dict[str, str]:
    """The headers every newsletter mail to ``email`` carries (RFC 8058 section 3.1):
    an HTTPS URI in ``List-Unsubscribe`` (RFC 2369) and ``List-Unsubscribe-Post:
    List-Unsubscribe=One-Click``. The mail must also be DKIM-signed over both headers
    (RFC 8058 section 4), which is the sending server's job."""
    lang = _primary(language)
    token = sign_link(LinkKind.unsubscribe, _subscriber(email).value, purpose,
                      lang if lang in LANGUAGES else "en", now=now, key=key)
    return {"List-Unsubscribe": f"<{unsubscribe_url(base_url, token)}>",
            "List-Unsubscribe-Post": ONE_CLICK}


# --- recording -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a confirmation or an unsubscription did."""

    purpose: str
    language: str
    recorded: bool  # False: it had been done already (a second click)
    event_id: int | None = None


def _events(session: Session, manifest: Manifest, subject: records.ConsentSubject,
            hash_key: bytes | None) -> tuple[ConsentEvent, ...]:
    return records.proof(session, manifest, subject, hash_key).events


def _mentions(event: ConsentEvent, purpose: str) -> bool:
    return purpose in (event.choices or {}).get("purposes", {})


def confirm(session: Session, manifest: Manifest, token: str, *, now: datetime | None = None,
            user_agent: str | None = None, link_key: bytes | None = None,
            hash_key: bytes | None = None) -> Outcome:
    """Record the consent a confirmation link stands for (Art. 6(1)(a), 7(1)).

    Harmless twice: a link whose request was already confirmed (a double-opt-in event for
    the purpose since the link was issued) records nothing more. The same holds after an
    unsubscribe: a later click on the old confirmation link does not subscribe again."""
    claims = read_link(token, LinkKind.confirm, now=now, key=link_key)
    optin_purpose(manifest, claims.purpose)
    subject = _subscriber(claims.email)
    choices = records.validate_choices(manifest, None, {claims.purpose: True})
    done = any(e.source == records.ConsentSource.double_opt_in.value
               and _mentions(e, claims.purpose) and utc(e.at) >= claims.issued_at
               for e in _events(session, manifest, subject, hash_key))
    if done:
        return Outcome(claims.purpose, claims.language, False)
    event = records.record(session, manifest, subject, choices,
                           source=records.ConsentSource.double_opt_in,
                           language=claims.language, user_agent=user_agent, now=now,
                           key=hash_key)
    return Outcome(claims.purpose, claims.language, True, event.id)


def unsubscribe(session: Session, manifest: Manifest, token: str, *,
                now: datetime | None = None, user_agent: str | None = None,
                link_key: bytes | None = None, hash_key: bytes | None = None) -> Outcome:
    """Record the withdrawal an unsubscribe link stands for (Art. 7(3)); nothing more when
    the newest choice for the purpose is already a refusal."""
    claims = read_link(token, LinkKind.unsubscribe, now=now, key=link_key)
    purpose = manifest.purposes.get(claims.purpose)
    if purpose is None or purpose.consent is None:
        raise LinkExpiredError("this list no longer exists: there is nothing to unsubscribe from")
    subject = _subscriber(claims.email)
    state = records.current_state(session, subject, hash_key)
    newest = state.purposes.get(claims.purpose)
    if newest is not None and not newest.granted:
        return Outcome(claims.purpose, claims.language, False)
    event = records.record(session, manifest, subject,
                           records.Choices(purposes={claims.purpose: False}),
                           source=records.ConsentSource.unsubscribe, language=claims.language,
                           user_agent=user_agent, now=now, key=hash_key)
    return Outcome(claims.purpose, claims.language, True, event.id)
