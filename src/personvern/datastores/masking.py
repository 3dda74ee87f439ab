"""How one stored value is masked, strategy by strategy: pure functions, old value → new.

Erasure (Art. 17) and anonymising retention rules both end here. Every function is pure
(no database, no clock, no global randomness) and **stable**: masking a value that is
already masked gives it back unchanged, so an erasure that is run again after a crash
rewrites the same bytes (see :mod:`personvern.requests.erasure`):

* ``nullify``, ``redact``, ``keep`` give a constant or the value itself;
* ``generalize_date``, ``truncate_ip``, ``generalize_user_agent`` are idempotent by nature
  (the first of a month is its own first of the month; a /24 is its own /24);
* ``pseudonymize`` is an HMAC-SHA-256 of the value (Art. 4(5)) whose last hex digits are a
  tag, a second HMAC of the first ones: a pseudonym is recognised by its tag and left as it
  is (an ordinary value passes the check with probability 2**-32);
* ``randomize`` draws from a stream keyed by the pseudonym key and the row's key, and
  depends on the old value only through its shape (digit, letter, length), which it keeps:
  so the random value of a random value is itself.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import string
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

ERASED = "[erased]"
INVALID_DOMAIN = "@example.invalid"  # RFC 2606: a domain that can never receive mail
PSEUDONYM_LENGTH = 64  # hex digits of an untruncated pseudonym
TAG_LENGTH = 8  # hex digits of the tag that marks a value as a pseudonym
Precision = Literal["year", "month"]
BrowserFamily = Literal["Firefox", "Chrome", "Safari", "Edge", "Opera", "bot", "other"]

# A column's type family (as :func:`personvern.datastores.connect.type_family` names it) →
# the value that says "nothing" in a NOT NULL column of that type.
NEUTRAL: dict[str, Any] = {
    "integer": 0,
    "decimal": Decimal(0),
    "float": 0.0,
    "boolean": False,
    "date": date(1970, 1, 1),
    "datetime": datetime(1970, 1, 1),
    "json": {},
    "binary": b"",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


# --- nullify, redact, keep --------------------------------------------------------------


def nullify(_value: Any) -> None:
    return None


def keep(value: Any) -> Any:
    return value


def neutral(family: str | None, length: int | None = None) -> Any:
    """The value a NOT NULL column gets when its content is erased."""
    if family in NEUTRAL:
        return NEUTRAL[family]
    return fit(ERASED, length)


def redact(_value: Any, replacement: str | None = None, *, family: str | None = None,
           length: int | None = None) -> Any:
    """The configured text (default ``[erased]``) in a text column; elsewhere the type's
    neutral value, since "[erased]" is no number or date."""
    if family in (None, "string", "text"):
        return fit(replacement if replacement is not None else ERASED, length)
    return neutral(family, length)


def fit(text: str, length: int | None) -> str:
    """``text`` cut to the column's length, if it has one."""
    return text[:length] if length else text


# --- pseudonymize -----------------------------------------------------------------------


def _hex_mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _tag_length(total: int) -> int:
    return min(TAG_LENGTH, total // 2)


def is_pseudonym(value: Any, key: bytes) -> bool:
    """Whether ``value`` is a pseudonym made with ``key`` (its tag checks out)."""
    if not isinstance(value, str) or len(value) < 2 or not _is_lower_hex(value):
        return False
    cut = len(value) - _tag_length(len(value))
    body, tag = value[:cut], value[cut:]
    return hmac.compare_digest(_hex_mac(key, "tag:" + body)[:len(tag)], tag)


def _is_lower_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def pseudonymize(value: Any, key: bytes, length: int | None = None) -> str | None:
    """HMAC-SHA-256 hex of ``value`` under the pseudonym key, tagged, cut to ``length``.

    The same value gives the same pseudonym in every table, so rows that were joined by
    it still join; without the key it cannot be reversed or recomputed (Art. 4(5)).
    """
    if value is None:
        return None
    if is_pseudonym(value, key):
        return str(value)
    total = min(PSEUDONYM_LENGTH, length or PSEUDONYM_LENGTH)
    if total < 2:
        return fit(ERASED, length)  # no room for a pseudonym at all
    body = _hex_mac(key, str(value))[: total - _tag_length(total)]
    return body + _hex_mac(key, "tag:" + body)[: _tag_length(total)]


# --- randomize --------------------------------------------------------------------------


def _stream(key: bytes, seed: str) -> Iterator[int]:
    """Bytes from HMAC-SHA-256 in counter mode: the same key and seed, the same bytes."""
    counter = 0
    while True:
        yield from hmac.new(key, f"{seed}#{counter}".encode(), hashlib.sha256).digest()
        counter += 1


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_LOCAL_ALPHABET = string.ascii_lowercase + string.digits


def randomize(value: Any, key: bytes, seed: str, length: int | None = None) -> Any:
    """A random value of the same format, chosen by ``seed`` (the row's key) and ``key``.

    Digits stay digits, letters stay letters of the same case, anything else stays; the
    length is kept. An e-mail address becomes ``x…@example.invalid``, as long as its local
    part was. Numbers get the same number of digits.
    """
    if value is None or isinstance(value, bool):
        return value
    draw = _stream(key, seed)
    if isinstance(value, int):
        digits = _shaped(str(abs(value)), draw)
        return int(digits) * (-1 if value < 0 else 1)
    text = str(value)
    if _EMAIL.match(text):
        local = text.partition("@")[0]
        room = max((length or 10_000) - len(INVALID_DOMAIN) - 1, 0)
        size = max(min(len(local) - 1, room), 0)
        random_part = "".join(_LOCAL_ALPHABET[next(draw) % 36] for _ in range(size))
        return fit("x" + random_part + INVALID_DOMAIN, length)
    return fit(_shaped(text, draw), length)


def _shaped(text: str, draw: Iterator[int]) -> str:
    out = []
    for char in text:
        if char.isdigit():
            out.append(string.digits[next(draw) % 10])
        elif char.isalpha():
            letters = string.ascii_uppercase if char.isupper() else string.ascii_lowercase
            out.append(letters[next(draw) % 26])
        else:
            out.append(char)
    return "".join(out)


# --- generalize_date --------------------------------------------------------------------


def generalize_date(value: Any, precision: Precision | None = None) -> Any:
    """The first day of the value's year (default) or month; a datetime stays a datetime
    (at midnight), a date a date, an ISO text an ISO text."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return _first_day(value, precision or "year")
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    first = _first_day(parsed, precision or "year")
    return first.date().isoformat() if len(text) <= len("YYYY-MM-DD") else str(first)


def _first_day(value: date, precision: Precision) -> Any:
    day = value.replace(month=1, day=1) if precision == "year" else value.replace(day=1)
    if isinstance(day, datetime):
        return day.replace(hour=0, minute=0, second=0, microsecond=0)
    return day


# --- truncate_ip ------------------------------------------------------------------------

IPV4_PREFIX = 24  # LEGAL.md conventions: keep /24, zero the last octet
IPV6_PREFIX = 48  # keep /48, zero the last 80 bits


def truncate_ip(value: Any) -> str | None:
    """The network part of an address: IPv4 /24, IPv6 /48. Not an address → None."""
    if value is None:
        return None
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:192.0.2.7 is an IPv4 address
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


# --- generalize_user_agent --------------------------------------------------------------

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari". Each pattern
# also matches its own family's name, so generalising twice gives the same family.
_FAMILIES: tuple[tuple[BrowserFamily, re.Pattern[str]], ...] = (
    ("bot", re.compile(r"bot\b|crawl|spider|slurp|bingpreview|facebookexternalhit",
                       re.IGNORECASE)),
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?\b|\bEdg/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b|\bOPiOS\b")),
    ("Firefox", re.compile(r"\bFirefox\b|\bFxiOS\b")),
    ("Chrome", re.compile(r"\bChrome\b|\bCriOS\b|\bChromium\b")),
    ("Safari", re.compile(r"\bSafari\b")),
)


def generalize_user_agent(value: Any) -> BrowserFamily | None:
    """The browser family of a User-Agent string, nothing more."""
    if value is None:
        return None
    text = str(value)
    for family, pattern in _FAMILIES:
        if pattern.search(text):
            return family
    return "other"
