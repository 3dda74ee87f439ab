"""Signed, expiring values the portal hands out: status links and the session cookie.

Both are ``HMAC-SHA-256`` under the engine's ``link-signing`` key over a text that names
what is signed (``status:`` or ``session:``), so a signature made for one can never pass
as the other. Neither carries personal data: a request id and a random challenge id are
meaningless without the engine's store.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from personvern.keys import derive_key

# A status link must work until the answer can no longer be fetched: the longest deadline
# (three months, Art. 12(3)) plus the 30 days an access package is kept.
STATUS_LINK_TTL = timedelta(days=125)
# A portal session (the preference centre) is short: it replaces a password.
SESSION_TTL = timedelta(minutes=30)
SESSION_COOKIE = "pv_portal"
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
_REQUEST_ID = re.compile(r"^[0-9a-f-]{36}$")


def _sign(text: str, secret: bytes | None = None) -> str:
    return hmac.new(derive_key("link-signing", secret), text.encode(), hashlib.sha256
                    ).hexdigest()


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def status_query(request_id: str, *, now: datetime | None = None,
                 secret: bytes | None = None) -> str:
    """``until=…&sig=…`` for the status page of ``request_id``."""
    until = _stamp((now or datetime.now(UTC)) + STATUS_LINK_TTL)
    return urlencode({"until": until, "sig": _sign(f"status:{request_id}:{until}", secret)})


def status_path(request_id: str, *, now: datetime | None = None,
                secret: bytes | None = None) -> str:
    return f"/portal/status/{request_id}?{status_query(request_id, now=now, secret=secret)}"


class LinkRefused(Exception):  # noqa: N818 - the domain's word: the link is refused
    def __init__(self, expired: bool) -> None:
        self.expired = expired
        super().__init__("the link has expired" if expired else "the link is not valid")


def check_status_link(request_id: str, until: str, signature: str, *,
                      now: datetime | None = None, secret: bytes | None = None) -> None:
    """Raise :class:`LinkRefused` unless the link was signed here and has not expired.
    The signature is compared before the time, so a forged link never learns more."""
    if (not _REQUEST_ID.match(request_id) or not until.isdigit() or len(until) > 12
            or not _SIGNATURE.match(signature)):
        raise LinkRefused(expired=False)
    if not hmac.compare_digest(_sign(f"status:{request_id}:{until}", secret), signature):
        raise LinkRefused(expired=False)
    if _stamp(now or datetime.now(UTC)) >= int(until):
        raise LinkRefused(expired=True)


def session_value(challenge_id: str, *, now: datetime | None = None,
                  secret: bytes | None = None) -> str:
    until = _stamp((now or datetime.now(UTC)) + SESSION_TTL)
    return f"{challenge_id}.{until}.{_sign(f'session:{challenge_id}:{until}', secret)}"


def session_challenge(value: str | None, *, now: datetime | None = None,
                      secret: bytes | None = None) -> str | None:
    """The challenge id of a valid, unexpired session cookie, else None."""
    parts = (value or "")[:200].split(".")
    if len(parts) != 3 or not parts[1].isdigit() or not _SIGNATURE.match(parts[2]):
        return None
    challenge_id, until, signature = parts
    if not hmac.compare_digest(_sign(f"session:{challenge_id}:{until}", secret), signature):
        return None
    if _stamp(now or datetime.now(UTC)) >= int(until):
        return None
    return challenge_id
